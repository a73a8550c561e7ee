// manualJudgment: waits for a person (Orca's WaitForJudgmentTask, polled every 15 s, 3 days by
// default): "continue" succeeds, "stop" fails the stage (TERMINAL, or by its failure options).
// The choice (judgmentInput) is what #judgment('<stage name>') returns.
#include "strategies/pipeline/execution.h"
#include "strategies/stages/server_group_support.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {

constexpr sim::Duration kPoll = sim::Duration::seconds(15);
constexpr sim::Duration kDefaultTimeout = sim::Duration::hours(72);

class WaitForJudgmentTask : public Task {
 public:
  const char* name() const override { return "waitForJudgment"; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    if (!asked_) {
      asked_ = true;
      c.execution.notify(&c.stage, "manualJudgment", string_field(c.stage.context, "instructions"));
      c.execution.hooks().judgment_requested(c.execution, c.stage);
    }
    const std::string status = string_field(c.stage.context, "judgmentStatus");
    const std::string input = string_field(c.stage.context, "judgmentInput");
    if (status == "continue") {
      c.execution.notify(&c.stage, "manualJudgmentContinue", input);
      return done(TaskOutcome::succeeded());
    }
    if (status == "stop") {
      c.execution.notify(&c.stage, "manualJudgmentStop", input);
      return done(TaskOutcome::terminal("judged: stop"));
    }
    done(TaskOutcome::running(kPoll));
  }
  // Three days, which a stageTimeoutMs replaces.
  std::optional<sim::Duration> timeout() const override { return kDefaultTimeout; }
  bool timeout_overridable() const override { return true; }

 private:
  bool asked_ = false;
};


}  // namespace

std::unique_ptr<StageDefinition> make_manual_judgment_stage() { return std::make_unique<SingleTaskStage<WaitForJudgmentTask>>("manualJudgment"); }

}  // namespace deploysim::strategies
