// Several executions of one pipeline, queued and started by Orca's concurrency rules.
#include "strategies/pipeline/execution_queue.h"

#include <gtest/gtest.h>

#include "tests/strategies/engine_fixture.h"

namespace deploysim::strategies {
namespace {

// Triggers three executions of a 10-minute pipeline at 0, 1 and 2 minutes and runs 40 minutes.
struct Triggered : ExecutionHooks {
  testing::EngineStack stack{world::testing::queueing_world(1, 1, 0, sim::Duration::millis(10), world::Algorithm::kRoundRobin), 1};
  PipelineConfig config;
  std::unique_ptr<ExecutionQueue> queue;

  explicit Triggered(const std::string& flags) {
    config = stack.load(R"({"name": "p", )" + flags + R"(, "stages": [{"refId": "1", "type": "wait", "waitTime": 600}]})");
    queue = std::make_unique<ExecutionQueue>(config);
    for (int i = 0; i < 3; ++i) {
      stack.world->loop.schedule(sim::TimePoint::start() + sim::Duration::minutes(i), sim::Action::boxed([this, i] {
        queue->submit(std::make_unique<Execution>("e" + std::to_string(i + 1), config, Json::object(), stack.registry,
                                                  stack.world->loop, stack.provider(), *this, nullptr));
      }));
    }
    stack.world->until(sim::Duration::minutes(40));
  }
  void execution_changed(const Execution& e) override { queue->finished(e); }
  const Execution& e(int i) const { return *queue->executions()[static_cast<size_t>(i)]; }
  int64_t start_min(int i) const { return e(i).start_time().since_start() / sim::Duration::minutes(1); }
};

TEST(Concurrency, LimitConcurrentWithoutKeepWaitingRunsOnlyTheNewest) {
  Triggered t(R"("limitConcurrent": true, "keepWaitingPipelines": false)");
  EXPECT_EQ(t.e(0).status(), Status::kSucceeded);
  EXPECT_EQ(t.e(1).status(), Status::kCanceled) << "superseded";
  EXPECT_EQ(t.e(2).status(), Status::kSucceeded);
  EXPECT_EQ(t.start_min(2), 10) << "starts when the first finishes";
}

TEST(Concurrency, LimitConcurrentWithKeepWaitingRunsThemInTurn) {
  Triggered t(R"("limitConcurrent": true, "keepWaitingPipelines": true)");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(t.e(i).status(), Status::kSucceeded) << i;
  EXPECT_EQ(t.start_min(1), 10);
  EXPECT_EQ(t.start_min(2), 20);
}

TEST(Concurrency, MaxConcurrentExecutionsCapsTheRunning) {
  Triggered t(R"("limitConcurrent": false, "maxConcurrentExecutions": 2, "keepWaitingPipelines": true)");
  EXPECT_EQ(t.start_min(0), 0);
  EXPECT_EQ(t.start_min(1), 1);
  EXPECT_EQ(t.start_min(2), 10);
}

TEST(Concurrency, UnlimitedExecutionsRunTogether) {
  Triggered t(R"("limitConcurrent": false)");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(t.start_min(i), i);
    EXPECT_EQ(t.e(i).status(), Status::kSucceeded);
  }
}

}  // namespace
}  // namespace deploysim::strategies
