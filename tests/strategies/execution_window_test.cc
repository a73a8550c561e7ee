// restrictExecutionDuringTimeWindow: a stage that sets it waits for its window, read in
// America/Los_Angeles; the zone's offsets are checked against the tz database (Python's zoneinfo
// gave the expected values below).
#include <gtest/gtest.h>

#include <string>

#include "strategies/pipeline/cron.h"
#include "tests/strategies/engine_fixture.h"

namespace deploysim::strategies {
namespace {

TEST(ExecutionWindow, LosAngelesOffsetsMatchTheTzDatabase) {
  const std::vector<std::pair<int64_t, int64_t>> cases = {
      {1772963999, -28800}, {1772964000, -25200},  // 2026-03-08 10:00 UTC: daylight time starts
      {1793523599, -25200}, {1793523600, -28800},  // 2026-11-01 09:00 UTC: it ends
      {1805018340, -28800}, {1805018400, -25200},  // 2027-03-14
      {1825577940, -25200}, {1825578000, -28800},  // 2027-11-07
      {1783166400, -25200}, {1767571200, -28800},  // July; 2026-01-05
      {1710064800, -25200}, {1730624400, -28800},  // 2024, a leap year
  };
  for (const auto& [utc, offset] : cases) EXPECT_EQ(los_angeles_offset(utc), offset) << format_utc_time(utc);
  const CivilTime t = civil_time(1767571200 + los_angeles_offset(1767571200));
  EXPECT_EQ(t.day, 4);
  EXPECT_EQ(t.hour, 16);
  EXPECT_EQ(t.weekday, 1) << "Sunday";
}

struct WindowRun {
  testing::EngineStack stack{world::testing::queueing_world(1, 1, 0, sim::Duration::millis(10), world::Algorithm::kRoundRobin), 1};
  ExecutionHooks hooks;  // the run starts at 2026-01-05T00:00:00Z: Sunday 16:00 in Los Angeles
  PipelineConfig pipeline;
  std::unique_ptr<Execution> execution;

  WindowRun(const std::string& window, const std::string& trigger_type = "manual") {
    pipeline = stack.load(R"({"application": "shop", "name": "p", "stages": [
      {"refId": "1", "type": "wait", "name": "later", "waitTime": 10,
       "restrictExecutionDuringTimeWindow": true, "restrictedExecutionWindow": )" + window + "}]}");
    execution = std::make_unique<Execution>("e", pipeline, Json{{"type", trigger_type}}, stack.registry, stack.world->loop,
                                            stack.provider(), hooks, nullptr);
    stack.run(*execution, sim::Duration::hours(24 * 9));
  }
  const Stage& window_stage() const { return *execution->find_stage("later")->before.front(); }
  sim::Duration window_end() const { return window_stage().end_time.since_start(); }
};

TEST(ExecutionWindow, WaitsForTheNextWeekdayWindow) {
  // Weekdays (Monday = 2 ... Friday = 6), 18:00 to 19:30: Monday 18:00 LA is 26 hours away.
  WindowRun run(R"({"whitelist": [{"startHour": 18, "startMin": 0, "endHour": 19, "endMin": 30}], "days": [2, 3, 4, 5, 6]})");
  EXPECT_EQ(run.execution->status(), Status::kSucceeded);
  EXPECT_EQ(run.window_stage().type, "restrictExecutionDuringTimeWindow");
  EXPECT_EQ(run.window_end(), sim::Duration::hours(26));
  // Orca's WaitTask counts waitTime from the stage's start, which the window stage is part of.
  EXPECT_EQ(run.execution->find_stage("later")->end_time.since_start(), sim::Duration::hours(26));
  EXPECT_EQ(run.execution->find_stage("later")->start_time.since_start(), sim::Duration::zero());
}

TEST(ExecutionWindow, InsideTheWindowItGoesAtOnceAndWindowsMayCrossMidnight) {
  WindowRun now(R"({"whitelist": [{"startHour": 15, "startMin": 0, "endHour": 17, "endMin": 0}]})");
  EXPECT_EQ(now.window_end(), sim::Duration::zero());
  // 22:00 to 02:00: Sunday 22:00 LA, six hours after the start.
  WindowRun night(R"({"whitelist": [{"startHour": 22, "startMin": 0, "endHour": 2, "endMin": 0}]})");
  EXPECT_EQ(night.window_end(), sim::Duration::hours(6));
  // Days alone allow the whole day: Tuesday (3) starts 32 hours after Sunday 16:00.
  WindowRun tuesday(R"({"days": [3]})");
  EXPECT_EQ(tuesday.window_end(), sim::Duration::hours(32));
}

TEST(ExecutionWindow, JitterWaitsWithinItsBoundsUnlessManualIsSkipped) {
  WindowRun jittered(R"({"whitelist": [{"startHour": 15, "startMin": 0, "endHour": 17, "endMin": 0}],
                        "jitter": {"enabled": true, "minDelay": 60, "maxDelay": 120, "skipManual": true}})", "cron");
  EXPECT_GE(jittered.window_end(), sim::Duration::seconds(60));
  EXPECT_LE(jittered.window_end(), sim::Duration::seconds(120));
  WindowRun manual(R"({"whitelist": [{"startHour": 15, "startMin": 0, "endHour": 17, "endMin": 0}],
                      "jitter": {"enabled": true, "minDelay": 60, "maxDelay": 120, "skipManual": true}})", "manual");
  EXPECT_EQ(manual.window_end(), sim::Duration::zero());
}

TEST(ExecutionWindow, NoWindowAndNoDaysFails) {
  WindowRun run(R"({})");
  EXPECT_EQ(run.execution->status(), Status::kTerminal);
  EXPECT_NE(run.window_stage().message.find("neither a whitelist nor days"), std::string::npos) << run.window_stage().message;
}

}  // namespace
}  // namespace deploysim::strategies
