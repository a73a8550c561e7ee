// A run driven a piece at a time, and people acting on it: the session gives the same run as
// run_world; an operator's actions take effect, are recorded where they happened, are refused
// (with nothing recorded) when they make no sense, and a run given the recorded actions again is
// the same run.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "scenarios/loader.h"
#include "scenarios/world_run.h"
#include "scenarios/world_session.h"
#include "sim/kernel/trace.h"

namespace deploysim::scenarios {
namespace {

namespace fs = std::filesystem;

LoadedScenario library(const std::string& name) {
  sim::Result<LoadedScenario> s = load_scenario(fs::path(DEPLOYSIM_LIBRARY) / (name + ".json"));
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return *s;
}

std::vector<trace::Event> read_all(const fs::path& path) {
  std::vector<trace::Event> events;
  sim::Result<std::unique_ptr<sim::TraceReader>> reader = sim::TraceReader::open(path);
  EXPECT_TRUE(reader.ok()) << (reader.ok() ? "" : reader.error().message);
  if (!reader.ok()) return events;
  trace::Event e;
  while (true) {
    sim::Result<bool> more = (*reader)->next(&e);
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) break;
    events.push_back(e);
  }
  return events;
}

std::vector<OperatorAction> recorded_actions(const std::vector<trace::Event>& events) {
  std::vector<OperatorAction> actions;
  for (const trace::Event& e : events) {
    if (!e.has_operator_action()) continue;
    sim::Result<OperatorAction> a = from_trace(e.operator_action(), sim::TimePoint::from_micros(e.time_us()));
    EXPECT_TRUE(a.ok());
    if (a.ok()) actions.push_back(*a);
  }
  return actions;
}

sim::TimePoint at(sim::Duration d) { return sim::TimePoint::start() + d; }

class Session : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("deploysim-session-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(Session, DrivenInPiecesIsTheSameRunAsRunWorld) {
  const LoadedScenario s = library("redblack-good-candidate");
  sim::Result<WorldRunSummary> whole = run_world(s, WorldRunOptions{});
  ASSERT_TRUE(whole.ok());
  sim::Result<std::unique_ptr<WorldSession>> session = WorldSession::open(s, WorldRunOptions{});
  ASSERT_TRUE(session.ok());
  // Uneven pieces and single steps: none of it may change the run.
  for (int i = 0; i < 50; ++i) ASSERT_TRUE((*session)->step());
  ASSERT_TRUE((*session)->run_until(at(sim::Duration::seconds(97))).ok());
  for (int i = 0; i < 20; ++i) (*session)->step();
  ASSERT_TRUE((*session)->run_until(at(sim::Duration::minutes(7))).ok());
  sim::Result<WorldRunSummary> pieces = (*session)->finish();
  ASSERT_TRUE(pieces.ok());
  EXPECT_EQ(pieces->trace_hash, whole->trace_hash);
  EXPECT_EQ(pieces->scorecard.outcome, "promoted");
}

TEST_F(Session, StepStopsAtEachNewRecordedEvent) {
  const LoadedScenario s = library("redblack-good-candidate");
  sim::Result<std::unique_ptr<WorldSession>> session = WorldSession::open(s, WorldRunOptions{});
  ASSERT_TRUE(session.ok());
  std::vector<int64_t> times;
  (*session)->set_listener([&](const trace::Event& e) { times.push_back(e.time_us()); });
  for (int i = 0; i < 30; ++i) {
    const size_t before = times.size();
    ASSERT_TRUE((*session)->step());
    ASSERT_GT(times.size(), before);
    // It stops as soon as something is recorded: at the time of what it recorded.
    EXPECT_EQ((*session)->now().micros_since_start(), times.back());
  }
}

TEST_F(Session, ActionsAreRecordedAndReplayedAtTheSamePoints) {
  const LoadedScenario s = library("redblack-good-candidate");
  WorldRunOptions options;
  options.trace_path = dir_ / "live.trace";
  sim::Result<std::unique_ptr<WorldSession>> session = WorldSession::open(s, options);
  ASSERT_TRUE(session.ok());
  WorldSession& live = **session;
  ASSERT_TRUE(live.run_until(at(sim::Duration::seconds(30))).ok());
  for (int i = 0; i < 7; ++i) live.step();  // act between events, mid-moment
  const std::string group = live.world().server_group(world::ServerGroupId{0}).name;
  ASSERT_TRUE(live.act(OperatorAction::crash(group, 2)).ok());
  ASSERT_TRUE(live.run_until(at(sim::Duration::minutes(3))).ok());
  // The group serving now (the candidate, once red/black has switched over).
  std::string serving;
  for (size_t g = 0; g < live.world().server_group_count(); ++g) {
    const world::ServerGroup& sg = live.world().server_group(static_cast<world::ServerGroupId>(g));
    if (sg.enabled && !sg.destroyed) serving = sg.name;
  }
  ASSERT_TRUE(live.act(OperatorAction::health_failure(serving, sim::Duration::seconds(60))).ok());
  ASSERT_TRUE(live.act(OperatorAction::error_rate(s.world.versions.front().name, 0.5)).ok());
  sim::Result<WorldRunSummary> recorded = live.finish();
  ASSERT_TRUE(recorded.ok());

  const std::vector<trace::Event> events = read_all(options.trace_path);
  std::vector<OperatorAction> actions = recorded_actions(events);
  ASSERT_EQ(actions.size(), 3u);
  EXPECT_EQ(actions[0].kind, OperatorAction::Kind::kCrash);
  EXPECT_EQ(actions[0].count, 2);
  EXPECT_EQ(actions[1].kind, OperatorAction::Kind::kHealthFailure);
  EXPECT_EQ(actions[1].duration, sim::Duration::seconds(60));
  EXPECT_EQ(actions[1].at, at(sim::Duration::minutes(3)));
  // Their effects follow them in the trace: the crash, and the failing health checks.
  const auto crash = std::find_if(events.begin(), events.end(), [](const trace::Event& e) {
    return e.has_fault() && e.fault().kind() == "crash";
  });
  ASSERT_NE(crash, events.end());
  EXPECT_EQ(crash->fault().detail(), "2 of 6 instances");  // the scenario runs 6
  const auto unhealthy = std::find_if(events.begin(), events.end(), [&](const trace::Event& e) {
    return e.has_target() && e.target().server_group() == serving && e.target().health() == "unhealthy" &&
           e.time_us() > at(sim::Duration::minutes(3)).micros_since_start();
  });
  EXPECT_NE(unhealthy, events.end());
  EXPECT_EQ(recorded->crashes, 2u);

  // The same actions given back: the same run. Without them: a different one.
  WorldRunOptions replay;
  replay.actions = actions;
  sim::Result<WorldRunSummary> again = run_world(s, replay);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->trace_hash, recorded->trace_hash);
  sim::Result<WorldRunSummary> without = run_world(s, WorldRunOptions{});
  ASSERT_TRUE(without.ok());
  EXPECT_NE(without->trace_hash, recorded->trace_hash);
}

TEST_F(Session, ActionsThatMakeNoSenseAreRefusedAndNotRecorded) {
  const LoadedScenario s = library("redblack-good-candidate");
  sim::Result<std::unique_ptr<WorldSession>> session = WorldSession::open(s, WorldRunOptions{});
  ASSERT_TRUE(session.ok());
  WorldSession& live = **session;
  size_t recorded = 0;
  live.set_listener([&](const trace::Event& e) { recorded += e.has_operator_action(); });
  ASSERT_TRUE(live.run_until(at(sim::Duration::minutes(2))).ok());
  const auto refused = [&](const OperatorAction& a, const std::string& says) {
    const sim::Status status = live.act(a);
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.error().message.find(says), std::string::npos) << status.error().message;
  };
  refused(OperatorAction::crash("no-such-group", 1), "no live server group \"no-such-group\"");
  refused(OperatorAction::error_rate("v999", 0.1), "no version \"v999\"");
  refused(OperatorAction::error_rate(s.world.versions.front().name, 1.5), "between 0 and 1");
  refused(OperatorAction::judgment("execution-1", "nowhere", "continue", ""), "no judgment is waiting");
  refused(OperatorAction::rollback("other-cluster", ""), "no live cluster");
  EXPECT_EQ(recorded, 0u);
}

TEST_F(Session, AJudgmentAnsweredByHandDecidesThePath) {
  // The scenario's operator would look at the metrics after 3 minutes and roll back; a person
  // answers "continue" first, so the bad candidate is promoted.
  const LoadedScenario s = library("rolling-blue-green-bad-candidate");
  sim::Result<std::unique_ptr<WorldSession>> session = WorldSession::open(s, WorldRunOptions{});
  ASSERT_TRUE(session.ok());
  WorldSession& live = **session;
  while (live.pending_judgments().empty() && !live.at_end()) ASSERT_TRUE(live.run_until(live.now() + sim::Duration::seconds(5)).ok());
  ASSERT_EQ(live.pending_judgments().size(), 1u);
  const PipelineDriver::PendingJudgment p = live.pending_judgments().front();
  EXPECT_EQ(p.stage, "judge");
  EXPECT_EQ(p.inputs, (std::vector<std::string>{"continue", "rollback"}));
  ASSERT_TRUE(live.act(OperatorAction::judgment(p.execution, p.stage_id, "continue", "continue")).ok());
  // Answered: a second answer is refused, and the scenario's operator, 3 minutes on, does nothing.
  EXPECT_FALSE(live.act(OperatorAction::judgment(p.execution, p.stage_id, "continue", "rollback")).ok());
  EXPECT_TRUE(live.pending_judgments().empty());
  sim::Result<WorldRunSummary> summary = live.finish();
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->scorecard.outcome, "promoted");
  EXPECT_FALSE(summary->scorecard.verdict_correct);
}

TEST_F(Session, OneClickRollbackRestoresThePreviousGroup) {
  const LoadedScenario s = library("redblack-good-candidate");
  WorldRunOptions options;
  options.trace_path = dir_ / "rollback.trace";
  sim::Result<std::unique_ptr<WorldSession>> session = WorldSession::open(s, options);
  ASSERT_TRUE(session.ok());
  WorldSession& live = **session;
  // Wait until the candidate group serves, then roll back by hand.
  const std::string original = live.world().server_group(world::ServerGroupId{0}).name;
  bool candidate_serves = false;
  live.set_listener([&](const trace::Event& e) {
    candidate_serves = candidate_serves || (e.has_target() && e.target().health() == "in_service" && e.target().server_group() != original);
  });
  while (!candidate_serves && !live.at_end()) ASSERT_TRUE(live.run_until(live.now() + sim::Duration::seconds(10)).ok());
  ASSERT_TRUE(candidate_serves);
  ASSERT_EQ(live.clusters().size(), 1u);
  const WorldSession::Cluster cluster = live.clusters().front();
  ASSERT_TRUE(live.act(OperatorAction::rollback(cluster.name, cluster.region)).ok());
  sim::Result<WorldRunSummary> summary = live.finish();
  ASSERT_TRUE(summary.ok());
  ASSERT_TRUE(summary->pipeline.has_value());
  const auto& executions = summary->pipeline->executions;
  ASSERT_EQ(executions.size(), 2u);
  EXPECT_EQ(executions[0].status, "CANCELED");
  EXPECT_EQ(executions[1].id, "operator-rollback-1");
  EXPECT_EQ(executions[1].status, "SUCCEEDED");
  EXPECT_EQ(summary->scorecard.outcome, "rolled_back");
  const std::vector<trace::Event> events = read_all(options.trace_path);
  const auto rollback = std::find_if(events.begin(), events.end(), [](const trace::Event& e) { return e.has_rollback(); });
  ASSERT_NE(rollback, events.end());
  EXPECT_EQ(rollback->rollback().restored(), live.world().server_group(world::ServerGroupId{0}).name);
  EXPECT_EQ(rollback->rollback().rolled_back(), live.world().server_group(world::ServerGroupId{1}).name);
  // The last events: the scorecard, saying the same.
  ASSERT_TRUE(events.back().has_scorecard());
  EXPECT_EQ(events.back().scorecard().outcome(), "rolled_back");
}

}  // namespace
}  // namespace deploysim::scenarios
