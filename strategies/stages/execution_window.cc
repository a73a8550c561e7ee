// restrictExecutionDuringTimeWindow: the synthetic stage Orca puts before any stage whose context
// sets restrictExecutionDuringTimeWindow, holding it until the wall-clock time is inside its
// restrictedExecutionWindow: {whitelist: [{startHour, startMin, endHour, endMin}], days: [1..7]
// (1 = Sunday), jitter: {enabled, minDelay, maxDelay, skipManual} (seconds)}. Windows are
// inclusive to the minute, may cross midnight, and are read in America/Los_Angeles (Orca's
// default zone); days without windows allow the whole day; neither fails the stage, as Orca's
// "Couldn't calculate a suitable time" does. A jitter adds a random wait once inside.
#include <algorithm>
#include <optional>
#include <vector>

#include "sim/kernel/distributions.h"
#include "strategies/expressions/expression.h"
#include "strategies/pipeline/cron.h"
#include "strategies/pipeline/execution.h"
#include "strategies/stages/server_group_support.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {

struct Window {
  int start = 0;  // minutes of the day
  int end = 0;    // inclusive
};

class ExecutionWindowTask : public Task {
 public:
  const char* name() const override { return "suspendExecutionDuringTimeWindow"; }
  std::optional<sim::Duration> timeout() const override { return sim::Duration::hours(24 * 7); }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    const Json& ctx = c.stage.context;
    const Json config = ctx.contains("restrictedExecutionWindow") && ctx["restrictedExecutionWindow"].is_object()
                            ? ctx["restrictedExecutionWindow"] : Json::object();
    if (jitter_until_) {
      if (c.loop.now() >= *jitter_until_) return done(TaskOutcome::succeeded());
      return done(TaskOutcome::running(*jitter_until_ - c.loop.now()));
    }
    if (flag_field(c.stage.context, "skipRemainingWait")) return done(TaskOutcome::succeeded());
    std::vector<Window> windows;
    for (const Json& w : config.contains("whitelist") && config["whitelist"].is_array() ? config["whitelist"] : Json::array()) {
      const int start = int_field(w, "startHour").value_or(0) * 60 + int_field(w, "startMin").value_or(0);
      const int end = int_field(w, "endHour").value_or(0) * 60 + int_field(w, "endMin").value_or(0);
      if (start < 0 || start >= 24 * 60 || end < 0 || end >= 24 * 60) {
        return done(TaskOutcome::terminal("restrictedExecutionWindow.whitelist: hours must be 0-23 and minutes 0-59"));
      }
      if (start > end) {  // across midnight
        windows.push_back({start, 24 * 60 - 1});
        windows.push_back({0, end});
      } else {
        windows.push_back({start, end});
      }
    }
    std::vector<int> days;
    for (const Json& d : config.contains("days") && config["days"].is_array() ? config["days"] : Json::array()) {
      if (d.is_number_integer()) days.push_back(d.get<int>());
    }
    if (windows.empty() && days.empty()) {
      return done(TaskOutcome::terminal("restrictedExecutionWindow has neither a whitelist nor days: no time to run in"));
    }
    if (windows.empty()) windows.push_back({0, 24 * 60 - 1});
    const int64_t now = c.execution.hooks().epoch_at_start() + c.loop.now().since_start().count_micros() / 1000000;
    const auto allowed = [&](int64_t utc) {
      const CivilTime t = civil_time(utc + los_angeles_offset(utc));
      if (!days.empty() && std::find(days.begin(), days.end(), t.weekday) == days.end()) return false;
      const int minute = t.hour * 60 + t.minute;
      for (const Window& w : windows) {
        if (minute >= w.start && minute <= w.end) return true;
      }
      return false;
    };
    if (!allowed(now)) {
      // The next whole minute inside: at most a week and a day away.
      int64_t next = now - now % 60 + 60;
      const int64_t limit = now + 8 * 24 * 3600;
      while (next < limit && !allowed(next)) next += 60;
      if (next >= limit) return done(TaskOutcome::terminal("restrictedExecutionWindow: no allowed time in the next week"));
      TaskOutcome wait = TaskOutcome::running(sim::Duration::seconds(next - now));
      wait.message = "waiting for the execution window";
      return done(wait);
    }
    const Json jitter = config.contains("jitter") && config["jitter"].is_object() ? config["jitter"] : Json::object();
    const int max_delay = int_field(jitter, "maxDelay").value_or(0);
    const bool skip = flag_field(jitter, "skipManual") && string_field(c.execution.trigger(), "type") == "manual";
    if (flag_field(jitter, "enabled") && max_delay > 0 && !skip) {
      const int min_delay = std::min(int_field(jitter, "minDelay").value_or(0), max_delay);
      sim::Rng rng = c.execution.hooks().random_stream("execution-window/" + c.execution.id() + "/" + c.stage.id);
      const int64_t delay = sim::uniform_int(rng, min_delay, max_delay);
      jitter_until_ = c.loop.now() + sim::Duration::seconds(delay);
      return done(TaskOutcome::running(sim::Duration::seconds(delay)));
    }
    done(TaskOutcome::succeeded());
  }

 private:
  std::optional<sim::TimePoint> jitter_until_;
};

}  // namespace

std::unique_ptr<StageDefinition> make_execution_window_stage() {
  return std::make_unique<SingleTaskStage<ExecutionWindowTask>>("restrictExecutionDuringTimeWindow");
}

}  // namespace deploysim::strategies
