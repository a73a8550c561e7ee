// destroyServerGroup: resolves its target, disables it first in a synthetic stage (unless
// skipDisableBeforeDestroy), destroys it and waits until it is gone (DestroyServerGroupStage).
#include "strategies/expressions/expression.h"
#include "strategies/stages/server_group_support.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {

class DestroyStage : public StageDefinition {
 public:
  const char* type() const override { return "destroyServerGroup"; }
  sim::Status plan(Stage& stage, Execution& execution) const override {
    if (!as_boolean(stage.context.value("skipDisableBeforeDestroy", Json(false))).value_or(false)) {
      // The disable resolves the same target now; the destroy then acts on what it disabled.
      execution.add_before_stage(stage, "<1", "disableServerGroup", "disableServerGroup", stage.context);
    }
    stage.tasks.push_back(resolve_target_task());
    stage.tasks.push_back(provider_task("destroyServerGroup", [](TaskContext& c, auto done) {
      c.provider.destroy_server_group(c.stage.context.value("serverGroupName", std::string()), done);
    }));
    stage.tasks.push_back(wait_for_destroyed_task());
    return sim::Status();
  }
};

}  // namespace

std::unique_ptr<StageDefinition> make_destroy_server_group_stage() { return std::make_unique<DestroyStage>(); }

}  // namespace deploysim::strategies
