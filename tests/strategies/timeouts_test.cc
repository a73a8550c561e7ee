// Timeouts and pausing as Orca's RunTaskHandler applies them: a stageTimeoutMs bounds the stage's
// synthetic stages too (the nearest ancestor with a timeout), replaces the own timeout of an
// overridable task, and excludes the time the execution spent paused; WaitForUpInstances slows
// its polling as the wait grows.
#include <gtest/gtest.h>

#include <string>

#include "tests/strategies/engine_fixture.h"

namespace deploysim::strategies {
namespace {

// A world whose version v1 boots in `boot`, with the shop-prod cluster (one group, 1 instance).
world::WorldConfig slow_boot_world(sim::Duration boot) {
  world::WorldConfig c = world::testing::queueing_world(1, 1, 0, sim::Duration::millis(10), world::Algorithm::kRoundRobin);
  c.versions[0].boot_time = world::Distribution::constant(boot);
  return c;
}

std::string deploy_pipeline(const std::string& extra) {
  return R"({"application": "shop", "name": "deploy", "stages": [
    {"refId": "1", "type": "deploy", "name": "deploy")" + extra + R"(, "clusters": [
      {"application": "shop", "stack": "prod", "availabilityZones": {"us-east-1": ["us-east-1a"]},
       "capacity": {"min": 1, "desired": 1, "max": 1}, "loadBalancers": ["web"]}]}]})";
}

struct DeployRun {
  testing::EngineStack stack;
  ExecutionHooks hooks;
  PipelineConfig pipeline;
  std::unique_ptr<Execution> execution;

  DeployRun(sim::Duration boot, const std::string& extra) : stack(slow_boot_world(boot), 3) {
    pipeline = stack.load(deploy_pipeline(extra));
    // Let the existing group come up before the pipeline starts.
    stack.world->until(boot + sim::Duration::minutes(5));
    execution = std::make_unique<Execution>("e", pipeline, Json{{"artifact", "v1"}}, stack.registry, stack.world->loop,
                                            stack.provider(), hooks, nullptr);
  }
  const Stage& child() const { return *execution->find_stage("deploy")->before.front(); }
};

TEST(Timeouts, ADeploysStageTimeoutBoundsItsSyntheticCreateStage) {
  DeployRun run(sim::Duration::minutes(30), R"(, "stageTimeoutMs": 300000)");
  const sim::TimePoint started = run.stack.world->loop.now();
  run.stack.run(*run.execution);
  EXPECT_EQ(run.execution->status(), Status::kTerminal);
  EXPECT_EQ(run.child().status, Status::kTerminal);
  EXPECT_NE(run.child().message.find("exceeded its timeout of 5m"), std::string::npos) << run.child().message;
  EXPECT_EQ(run.execution->find_stage("deploy")->status, Status::kTerminal);
  // Noticed at the first health poll (every 10 s) after five minutes.
  EXPECT_GT(run.child().end_time - started, sim::Duration::minutes(5));
  EXPECT_LE(run.child().end_time - started, sim::Duration::minutes(5) + sim::Duration::seconds(11));
}

TEST(Timeouts, WaitForUpInstancesGivesUpAfterTwoHours) {
  DeployRun run(sim::Duration::hours(3), "");
  const sim::TimePoint started = run.stack.world->loop.now();
  run.stack.run(*run.execution, sim::Duration::hours(8));
  EXPECT_EQ(run.execution->status(), Status::kTerminal);
  EXPECT_NE(run.child().message.find("waitForUpInstances timed out after 2h"), std::string::npos) << run.child().message;
  // Past an hour the task polls every two minutes, so the timeout is noticed within two minutes.
  EXPECT_GT(run.child().end_time - started, sim::Duration::hours(2));
  EXPECT_LE(run.child().end_time - started, sim::Duration::hours(2) + sim::Duration::minutes(2) + sim::Duration::seconds(5));
}

TEST(Timeouts, AnAncestorsStageTimeoutReplacesTheTwoHourWait) {
  // Four hours on the deploy stage: its child's waitForUpInstances may wait past its own two hours.
  DeployRun run(sim::Duration::hours(3), R"(, "stageTimeoutMs": 14400000)");
  run.stack.run(*run.execution, sim::Duration::hours(8));
  EXPECT_EQ(run.execution->status(), Status::kSucceeded) << run.child().message;
  EXPECT_GT(run.child().end_time - run.child().start_time, sim::Duration::hours(3));
}

// Counts describe_cluster calls, to see how often health is polled.
class CountingProvider : public providers::ProviderWrapper {
 public:
  CountingProvider(providers::CloudProvider& target, sim::EventLoop& loop) : ProviderWrapper(target), loop_(loop) {}
  void describe_cluster(const std::string& cluster, Described done) override {
    calls.push_back(loop_.now());
    ProviderWrapper::describe_cluster(cluster, std::move(done));
  }
  int between(sim::TimePoint from, sim::TimePoint to) const {
    int n = 0;
    for (sim::TimePoint t : calls) n += t >= from && t < to ? 1 : 0;
    return n;
  }
  std::vector<sim::TimePoint> calls;

 private:
  sim::EventLoop& loop_;
};

TEST(Timeouts, WaitForUpInstancesPollsLessOftenAsTheWaitGrows) {
  testing::EngineStack stack(slow_boot_world(sim::Duration::minutes(100)), 3);
  const PipelineConfig pipeline = stack.load(deploy_pipeline(""));
  stack.world->until(sim::Duration::minutes(105));
  CountingProvider counting(stack.provider(), stack.world->loop);
  ExecutionHooks hooks;
  Execution e("e", pipeline, Json{{"artifact", "v1"}}, stack.registry, stack.world->loop, counting, hooks, nullptr);
  stack.run(e, sim::Duration::hours(6));
  ASSERT_EQ(e.status(), Status::kSucceeded);
  const sim::TimePoint t0 = e.find_stage("deploy")->before.front()->start_time;
  const auto window = [&](int from_min, int to_min) {
    return counting.between(t0 + sim::Duration::minutes(from_min), t0 + sim::Duration::minutes(to_min));
  };
  EXPECT_NEAR(window(10, 20), 60, 1) << "every 10 s in the first half hour";
  EXPECT_NEAR(window(40, 50), 10, 1) << "every minute after 30 minutes";
  EXPECT_NEAR(window(70, 90), 10, 1) << "every two minutes after an hour";
}

// --- Pausing ---------------------------------------------------------------------------------------

struct WaitRun {
  testing::EngineStack stack{world::testing::queueing_world(1, 1, 0, sim::Duration::millis(10), world::Algorithm::kRoundRobin), 1};
  ExecutionHooks hooks;
  PipelineConfig pipeline;
  std::unique_ptr<Execution> execution;

  explicit WaitRun(const std::string& wait_fields) {
    pipeline = stack.load(R"({"name": "p", "stages": [
      {"refId": "1", "type": "wait", "name": "w", )" + wait_fields + R"(},
      {"refId": "2", "requisiteStageRefIds": ["1"], "type": "wait", "name": "after", "waitTime": 10}]})");
    execution = std::make_unique<Execution>("e", pipeline, Json::object(), stack.registry, stack.world->loop,
                                            stack.provider(), hooks, nullptr);
    execution->start();
  }
  void until(int seconds) { stack.world->until(sim::Duration::seconds(seconds)); }
  Status stage(const char* name) const { return execution->find_stage(name)->status; }
};

TEST(Pausing, APausedExecutionParksItsStagesUntilResumed) {
  WaitRun run(R"("waitTime": 600)");
  run.until(60);
  run.execution->pause();
  EXPECT_EQ(run.execution->status(), Status::kPaused);
  run.until(300);
  EXPECT_EQ(run.stage("w"), Status::kRunning) << "a stage parks only when its task next runs";
  run.until(700);
  EXPECT_EQ(run.stage("w"), Status::kPaused);
  EXPECT_EQ(run.execution->find_stage("w")->task_statuses[0], Status::kPaused);
  EXPECT_EQ(run.stage("after"), Status::kNotStarted);
  run.until(1000);
  run.execution->resume();
  EXPECT_EQ(run.execution->status(), Status::kRunning);
  run.until(1100);
  EXPECT_EQ(run.stage("w"), Status::kSucceeded);
  EXPECT_EQ(run.execution->find_stage("w")->end_time, sim::TimePoint::start() + sim::Duration::seconds(1000));
  EXPECT_EQ(run.execution->find_stage("w")->start_time, sim::TimePoint::start()) << "resuming keeps the start time";
  EXPECT_EQ(run.execution->status(), Status::kSucceeded);
}

TEST(Pausing, PausedTimeDoesNotCountTowardTheStageTimeout) {
  // 15 minutes allowed; the wait of 10 minutes spends 19 minutes paused.
  WaitRun paused(R"("waitTime": 600, "stageTimeoutMs": 900000)");
  paused.until(60);
  paused.execution->pause();
  paused.until(1200);
  paused.execution->resume();
  paused.until(1300);
  EXPECT_EQ(paused.stage("w"), Status::kSucceeded) << paused.execution->find_stage("w")->message;

  // The same wall of time without the pause exceeds the timeout.
  WaitRun late(R"("waitTime": 1200, "stageTimeoutMs": 900000)");
  late.until(1300);
  EXPECT_EQ(late.stage("w"), Status::kTerminal);
  EXPECT_EQ(late.execution->status(), Status::kTerminal);
}

TEST(Pausing, CancelingAPausedExecutionCancelsItsStages) {
  WaitRun run(R"("waitTime": 100)");
  run.execution->pause();
  run.until(200);
  ASSERT_EQ(run.stage("w"), Status::kPaused);
  run.execution->cancel("operator canceled");
  EXPECT_EQ(run.stage("w"), Status::kCanceled);
  EXPECT_EQ(run.execution->status(), Status::kCanceled);
  run.execution->resume();
  EXPECT_EQ(run.execution->status(), Status::kCanceled) << "a finished execution does not resume";
}

}  // namespace
}  // namespace deploysim::strategies
