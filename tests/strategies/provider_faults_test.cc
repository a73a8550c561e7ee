// Cloud errors meet pipelines as they meet them in production: throttling and transient errors are
// retried with backoff and the pipeline completes; a permanent error fails the stage TERMINAL with
// the provider's message.
#include <gtest/gtest.h>

#include "tests/strategies/engine_fixture.h"

namespace deploysim::strategies {
namespace {

const char* kResize = R"({"application": "shop", "name": "grow", "stages": [
  {"refId": "1", "type": "resizeServerGroup", "name": "grow", "cluster": "shop-prod", "regions": ["us-east-1"],
   "target": "current_asg_dynamic", "action": "scale_up", "resizeType": "pct", "scalePct": 50}]})";

world::WorldConfig small_world() {
  world::WorldConfig c = world::testing::queueing_world(2, 4, 5, sim::Duration::millis(20), world::Algorithm::kRoundRobin);
  c.load_balancers[0].health_check.healthy_threshold = 2;
  return c;
}

TEST(ProviderFaults, ThrottlingAndTransientErrorsAreRetriedUntilThePipelineCompletes) {
  providers::FaultRule throttled;
  throttled.operation = "resize";
  throttled.error = providers::ErrorCode::kThrottled;
  throttled.times = 2;
  providers::FaultRule flaky;
  flaky.operation = "describe";
  flaky.error = providers::ErrorCode::kTransient;
  flaky.times = 3;
  testing::EngineStack stack(small_world(), 1, {throttled, flaky});
  ExecutionHooks hooks;
  const PipelineConfig p = stack.load(kResize);
  Execution e("e", p, Json::object(), stack.registry, stack.world->loop, stack.provider(), hooks, nullptr);
  stack.run(e);
  EXPECT_EQ(status_name(e.status()), std::string("SUCCEEDED")) << e.find_stage("grow")->message;
  EXPECT_EQ(stack.world->group().capacity.desired, 3) << "2 +50% -> 3";
  EXPECT_EQ(stack.faulty->injected(), 5);
  // Two throttled attempts cost at least two 5 s backoffs.
  EXPECT_GE(e.find_stage("grow")->end_time - e.find_stage("grow")->start_time, sim::Duration::seconds(10));
}

TEST(ProviderFaults, APermanentErrorFailsTheStageWithTheProvidersMessage) {
  providers::FaultRule refused;
  refused.operation = "resize";
  refused.error = providers::ErrorCode::kPermanent;
  refused.message = "account limit reached for instances";
  testing::EngineStack stack(small_world(), 2, {refused});
  ExecutionHooks hooks;
  const PipelineConfig p = stack.load(kResize);
  Execution e("e", p, Json::object(), stack.registry, stack.world->loop, stack.provider(), hooks, nullptr);
  stack.run(e);
  const Stage* grow = e.find_stage("grow");
  EXPECT_EQ(status_name(grow->status), std::string("TERMINAL"));
  EXPECT_NE(grow->message.find("account limit reached for instances"), std::string::npos) << grow->message;
  EXPECT_EQ(status_name(e.status()), std::string("TERMINAL"));
  EXPECT_EQ(stack.world->group().capacity.desired, 2) << "nothing changed";
}

TEST(ProviderFaults, AMissingTargetFailsAfterOrcasRetries) {
  testing::EngineStack stack(small_world(), 3);
  ExecutionHooks hooks;
  std::string json = kResize;
  json.replace(json.find("current_asg_dynamic"), 19, "ancestor_asg_dynamic");  // there is no previous group
  const PipelineConfig p = stack.load(json);
  Execution e("e", p, Json::object(), stack.registry, stack.world->loop, stack.provider(), hooks, nullptr);
  stack.run(e);
  const Stage* grow = e.find_stage("grow");
  EXPECT_EQ(status_name(grow->status), std::string("TERMINAL"));
  EXPECT_NE(grow->message.find("no previous server group"), std::string::npos) << grow->message;
  EXPECT_GE(grow->end_time - grow->start_time, sim::Duration::seconds(15)) << "resolution is retried for 15 s";
}

}  // namespace
}  // namespace deploysim::strategies
