// wait: waits waitTime seconds from the stage's start (Orca's WaitTask; skipRemainingWait ends
// it early). The backoff is the remaining time, so a wait costs two task runs, not a poll loop.
#include <cmath>

#include "strategies/expressions/expression.h"
#include "strategies/pipeline/execution.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {

class WaitTask : public Task {
 public:
  const char* name() const override { return "wait"; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    const Json& ctx = c.stage.context;
    if (as_boolean(ctx.value("skipRemainingWait", Json(false))).value_or(false)) return done(TaskOutcome::succeeded());
    double seconds = 0;
    if (ctx.contains("waitTime")) {
      const Json& w = ctx["waitTime"];
      if (w.is_number()) seconds = w.get<double>();
      else if (w.is_string()) seconds = std::strtod(w.get<std::string>().c_str(), nullptr);
    }
    if (!(seconds >= 0) || !std::isfinite(seconds) || seconds > 1e9) {
      return done(TaskOutcome::terminal("waitTime must be a number of seconds, got " + ctx["waitTime"].dump()));
    }
    const sim::TimePoint until = c.stage.start_time + sim::Duration::micros(static_cast<int64_t>(seconds * 1e6));
    if (c.loop.now() >= until) return done(TaskOutcome::succeeded());
    done(TaskOutcome::running(until - c.loop.now()));
  }
};


}  // namespace

std::unique_ptr<StageDefinition> make_wait_stage() { return std::make_unique<SingleTaskStage<WaitTask>>("wait"); }

}  // namespace deploysim::strategies
