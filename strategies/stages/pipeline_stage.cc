// pipeline: runs another pipeline (PipelineStage): starts it with pipelineParameters and, when
// waitForCompletion (the default), follows it: its SUCCEEDED succeeds this stage, TERMINAL or
// STOPPED fails it, CANCELED cancels it (MonitorPipelineTask).
#include "strategies/expressions/expression.h"
#include "strategies/pipeline/execution.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {

constexpr sim::Duration kMonitorPoll = sim::Duration::seconds(15);

class RunPipelineTask : public Task {
 public:
  const char* name() const override { return child_ == nullptr ? "startPipeline" : "monitorPipeline"; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    const Json& ctx = c.stage.context;
    if (child_ == nullptr) {
      const std::string application = ctx.value("application", c.execution.config().application);
      const std::string pipeline = ctx.value("pipeline", std::string());
      child_ = c.execution.hooks().start_child(c.execution, c.stage, application, pipeline, ctx.value("pipelineParameters", Json::object()));
      if (child_ == nullptr) return done(TaskOutcome::terminal("no pipeline " + pipeline + " in application " + application));
      c.stage.outputs["executionId"] = child_->id();
      if (!as_boolean(ctx.value("waitForCompletion", Json(true))).value_or(true)) return done(TaskOutcome::succeeded());
    }
    switch (child_->status()) {
      case Status::kSucceeded: return done(TaskOutcome::succeeded());
      case Status::kCanceled: return done({Status::kCanceled, "the child pipeline was canceled", kMonitorPoll, Json::object()});
      case Status::kTerminal:
      case Status::kStopped: return done(TaskOutcome::terminal(std::string("the child pipeline ended ") + status_name(child_->status())));
      default: return done(TaskOutcome::running(kMonitorPoll));
    }
  }

 private:
  const Execution* child_ = nullptr;
};

}  // namespace

std::unique_ptr<StageDefinition> make_pipeline_stage() {
  return std::make_unique<SingleTaskStage<RunPipelineTask>>("pipeline");
}

}  // namespace deploysim::strategies
