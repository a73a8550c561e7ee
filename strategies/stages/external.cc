// Stages that act outside the cloud (bake, findImage, jenkins, script, runJob, webhook): modelled
// tasks whose duration and outcome the scenario sets (ExecutionHooks::external_stage; by default
// 30 s and success), so a pipeline's timing and failure handling around them can be rehearsed.
#include "strategies/pipeline/execution.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {

class ModelledTask : public Task {
 public:
  const char* name() const override { return "modelledExternalWork"; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    if (!outcome_) {
      outcome_ = c.execution.hooks().external_stage(c.stage);
      return done(TaskOutcome::running(outcome_->duration));
    }
    if (!outcome_->succeeds) return done(TaskOutcome::terminal(outcome_->message));
    done(TaskOutcome::succeeded(outcome_->outputs));
  }

 private:
  std::optional<ExternalOutcome> outcome_;
};


}  // namespace

std::unique_ptr<StageDefinition> make_external_stage(const char* type) {
  return std::make_unique<SingleTaskStage<ModelledTask>>(type);
}

}  // namespace deploysim::strategies
