// enableServerGroup and disableServerGroup: resolve the target when the stage starts, then
// register the group with its load balancers and wait for its instances to be up
// (WaitForUpInstancesTask), or deregister it and wait until no instance takes traffic.
#include "strategies/stages/server_group_support.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {

class EnableStage : public StageDefinition {
 public:
  const char* type() const override { return "enableServerGroup"; }
  sim::Status plan(Stage& stage, Execution&) const override {
    stage.tasks.push_back(resolve_target_task());
    stage.tasks.push_back(provider_task("enableServerGroup", [](TaskContext& c, auto done) {
      c.provider.enable_server_group(c.stage.context.value("serverGroupName", std::string()), done);
    }));
    stage.tasks.push_back(wait_for_up_instances_task());
    return sim::Status();
  }
};

class DisableStage : public StageDefinition {
 public:
  const char* type() const override { return "disableServerGroup"; }
  sim::Status plan(Stage& stage, Execution&) const override {
    stage.tasks.push_back(resolve_target_task());
    stage.tasks.push_back(provider_task("disableServerGroup", [](TaskContext& c, auto done) {
      c.provider.disable_server_group(c.stage.context.value("serverGroupName", std::string()), done);
    }));
    stage.tasks.push_back(wait_for_disabled_task());
    return sim::Status();
  }
};

}  // namespace

std::unique_ptr<StageDefinition> make_enable_server_group_stage() { return std::make_unique<EnableStage>(); }
std::unique_ptr<StageDefinition> make_disable_server_group_stage() { return std::make_unique<DisableStage>(); }

}  // namespace deploysim::strategies
