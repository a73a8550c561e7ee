// The step canary (stepCanary) against the simulated cloud: Argo Rollouts' replica split, traffic
// weights step by step with a router, a pause that waits for the operator, promotion, and an
// abort that returns all traffic to stable in one load balancer update.
#include <gtest/gtest.h>

#include "strategies/canary/canary_config.h"
#include "strategies/stages/replica_math.h"
#include "tests/strategies/engine_fixture.h"
#include "tests/support/weights_text.h"

namespace deploysim::strategies {
namespace {

TEST(ReplicaMath, ArgoSplitsWithoutATrafficRouter) {
  // Argo's documented examples: 10 replicas at 10% -> 1 / 9; at 41% -> 4 / 6.
  EXPECT_EQ(weighted_replicas(10, 10, true).canary, 1);
  EXPECT_EQ(weighted_replicas(10, 10, true).stable, 9);
  EXPECT_EQ(weighted_replicas(10, 41, true).canary, 4);
  EXPECT_EQ(weighted_replicas(10, 41, true).stable, 6);
  // 3 at 50%: 1.5 ties floor and ceiling, so the larger canary; with a surge 2 of 4 is exact.
  EXPECT_EQ(weighted_replicas(3, 50, false).canary, 2);
  EXPECT_EQ(weighted_replicas(3, 50, false).stable, 1);
  EXPECT_EQ(weighted_replicas(3, 50, true).canary, 2);
  EXPECT_EQ(weighted_replicas(3, 50, true).stable, 2);
  // Neither side goes to zero between 1% and 99% with two or more instances.
  EXPECT_EQ(weighted_replicas(5, 1, false).canary, 1);
  EXPECT_EQ(weighted_replicas(5, 99, false).stable, 1);
  EXPECT_EQ(weighted_replicas(5, 0, true).canary, 0);
  EXPECT_EQ(weighted_replicas(5, 100, true).stable, 0);
  EXPECT_EQ(weighted_replicas(0, 50, true).canary, 0);
  for (int r = 1; r <= 30; ++r) {
    for (int w = 0; w <= 100; ++w) {
      const ReplicaSplit s = weighted_replicas(r, w, true);
      ASSERT_GE(s.canary, 0);
      ASSERT_GE(s.stable, 0);
      ASSERT_TRUE(s.canary + s.stable == r || s.canary + s.stable == r + 1) << r << " " << w;
    }
  }
  EXPECT_EQ(traffic_routed_canary_replicas(10, 15), 2);
  EXPECT_EQ(traffic_routed_canary_replicas(10, 100), 10);
}

// shop-prod-v000 with 10 instances behind "web"; v2 good, v3 fails 30% of requests.
world::WorldConfig rollout_world() {
  world::WorldConfig c = world::testing::queueing_world(10, 4, 100, sim::Duration::millis(20), world::Algorithm::kRoundRobin);
  testing::quick_health_checks(c, sim::Duration::seconds(20));
  testing::add_version(c, "v2");
  testing::add_version(c, "v3").errors.probability = 0.3;
  return c;
}

// Answers judgments when asked (a "continue" after `after`), and serves one canary config.
class RolloutHooks : public ExecutionHooks {
 public:
  std::optional<sim::Duration> answer_after;
  sim::EventLoop* loop = nullptr;
  canary::StoredCanaryConfig config;
  std::vector<std::string> judged;
  void judgment_requested(Execution& e, const Stage& stage) override {
    judged.push_back(stage.name);
    if (!answer_after) return;
    Execution* execution = &e;
    const std::string name = stage.name;
    loop->schedule_after(*answer_after, sim::Action::boxed([execution, name] { execution->judge(name, "continue", ""); }));
  }
  const canary::StoredCanaryConfig* canary_config(const std::string& id) override { return id == config.id ? &config : nullptr; }
};

struct Rollout {
  testing::EngineStack stack{rollout_world(), 21};
  RolloutHooks hooks;
  std::unique_ptr<Execution> execution;
  PipelineConfig pipeline;

  std::vector<std::string> weight_changes;  // from the trace: "v000=80 v001=20"
  std::vector<sim::TimePoint> weight_times;  // when each happened

  Rollout() {
    stack.world->trace.set_observer([this](const trace::Event& e) {
      if (!e.has_weights()) return;
      weight_changes.push_back(deploysim::testing::weights_text(e.weights()));
      weight_times.push_back(sim::TimePoint::from_micros(e.time_us()));
    });
    hooks.loop = &stack.world->loop;
    hooks.config.id = "errors";
    hooks.config.config = *canary::load_canary_config(R"({"name": "errors", "metrics": [{"name": "error_rate", "groups": ["e"],
        "analysisConfigurations": {"canary": {"direction": "increase", "critical": true}}}]})", "config");
    hooks.config.series["error_rate"] = "error_rate";
    stack.world->until(sim::Duration::minutes(1));
  }
  Status run(const std::string& stage_json, const std::string& artifact, sim::Duration limit = sim::Duration::hours(3)) {
    pipeline = stack.load(R"({"application": "shop", "name": "rollout", "stages": [)" + stage_json + "]}");
    execution = std::make_unique<Execution>("e", pipeline, Json{{"artifact", artifact}}, stack.registry, stack.world->loop,
                                            stack.provider(), hooks, &stack.world->trace);
    stack.run(*execution, limit);
    return execution->status();
  }
  const world::ServerGroup& group(const char* name) const {
    return stack.world->world->server_group(*stack.world->world->find_server_group(name));
  }
  std::vector<std::pair<std::string, double>> weights() const {
    return stack.world->world->view().load_balancers.front().weights;
  }
};

const char* kSteps = R"({"refId": "1", "type": "stepCanary", "name": "canary", "application": "shop", "stack": "prod",
  "region": "us-east-1", "loadBalancer": "web", "scaleDownDelaySeconds": 30, "steps": [
    {"setWeight": 20}, {"pause": {"duration": "2m"}}, {"setCanaryScale": {"replicas": 5}}, {"setWeight": 50},
    {"pause": {}}, {"analysis": {"canaryConfig": {"canaryConfigId": "errors", "lifetimeDuration": "PT5M"}}}]})";

TEST(StepCanary, StepsWeightsAndPromotion) {
  Rollout r;
  r.hooks.answer_after = sim::Duration::minutes(3);
  EXPECT_EQ(r.run(kSteps, "v2"), Status::kSucceeded);
  std::vector<std::string> names;
  for (const auto& b : r.execution->find_stage("canary")->before) names.push_back(b->name + " " + status_name(b->status));
  EXPECT_EQ(names, (std::vector<std::string>{
                       "Create canary SUCCEEDED", "Set weight 1: 20% SUCCEEDED", "Pause #2 SUCCEEDED", "Set canary scale 3 SUCCEEDED",
                       "Set weight 4: 50% SUCCEEDED", "Pause #5 SUCCEEDED", "Analysis #6 SUCCEEDED", "Promote canary SUCCEEDED",
                       "Wait before scale down SUCCEEDED", "Scale down stable SUCCEEDED"}));
  EXPECT_EQ(r.hooks.judged, (std::vector<std::string>{"Pause #5"}));
  // The weights each step set, from the trace, in order: none to the canary before its first
  // instances join, 20%, 50%, all to the canary at promotion, then spread again once stable is gone.
  EXPECT_EQ(r.weight_changes, (std::vector<std::string>{"v000=100 v001=0", "v000=80 v001=20", "v000=50 v001=50", "v000=0 v001=100", "spread"}));
  EXPECT_EQ(r.group("shop-prod-v001").capacity.desired, 10);
  EXPECT_TRUE(r.group("shop-prod-v001").enabled);
  EXPECT_EQ(r.group("shop-prod-v000").capacity.desired, 0);
  EXPECT_FALSE(r.group("shop-prod-v000").enabled);
}

TEST(StepCanary, AFailedAnalysisSendsAllTrafficToStableInOneUpdate) {
  Rollout r;
  EXPECT_EQ(r.run(R"({"refId": "1", "type": "stepCanary", "name": "canary", "application": "shop", "stack": "prod",
    "region": "us-east-1", "loadBalancer": "web", "abortScaleDownDelaySeconds": 60, "steps": [
      {"setWeight": 30}, {"analysis": {"canaryConfig": {"canaryConfigId": "errors", "lifetimeDuration": "PT4M"}}},
      {"setWeight": 60}]})", "v3"),
            Status::kTerminal);
  const Stage& rollout = *r.execution->find_stage("canary");
  std::vector<std::string> after;
  for (const auto& a : rollout.after) after.push_back(a->name + " " + status_name(a->status));
  EXPECT_EQ(after, (std::vector<std::string>{"Abort: traffic to stable SUCCEEDED", "Wait before scaling down the canary SUCCEEDED",
                                             "Scale down canary SUCCEEDED"}));
  // 30% to the canary (held at 0 until its instances are up); then, the analysis failing, one
  // update puts everything back on stable.
  EXPECT_EQ(r.weight_changes, (std::vector<std::string>{"v000=100 v001=0", "v000=70 v001=30", "v000=100 v001=0"}));
  const Stage& analysis = *rollout.before[2];
  EXPECT_EQ(analysis.status, Status::kTerminal);
  EXPECT_EQ(rollout.before[3]->status, Status::kNotStarted) << "the 60% step never ran";
  // The abort came as soon as the analysis failed, and the canary went 60 s later.
  EXPECT_EQ(rollout.after[0]->start_time, analysis.end_time);
  EXPECT_EQ(rollout.after[2]->start_time - rollout.after[1]->start_time, sim::Duration::seconds(60));
  EXPECT_EQ(r.group("shop-prod-v001").capacity.desired, 0);
  EXPECT_EQ(r.group("shop-prod-v000").capacity.desired, 10);
  EXPECT_TRUE(r.group("shop-prod-v000").enabled);
}

TEST(StepCanary, APauseWithoutDurationWaitsForTheOperator) {
  Rollout r;
  const char* json = R"({"refId": "1", "type": "stepCanary", "name": "canary", "application": "shop", "stack": "prod",
    "region": "us-east-1", "loadBalancer": "web", "steps": [{"setWeight": 10}, {"pause": {}}, {"setWeight": 40}]})";
  EXPECT_EQ(r.run(json, "v2", sim::Duration::hours(5)), Status::kRunning) << "nobody answered in five hours";
  const Stage& pause = *r.execution->find_stage("Pause #2");
  EXPECT_EQ(pause.status, Status::kRunning);
  EXPECT_EQ(r.weight_changes, (std::vector<std::string>{"v000=100 v001=0", "v000=90 v001=10"}));
  ASSERT_TRUE(r.execution->judge("Pause #2", "continue", ""));
  while (!r.execution->finished() && r.stack.world->loop.step()) {
  }
  EXPECT_EQ(r.execution->status(), Status::kSucceeded);
  EXPECT_EQ(r.weight_changes.at(2), "v000=60 v001=40");
}

// Sizing the canary before any weight (setCanaryScale first) pins the balancer to stable first:
// the canary's instances take no requests until the first setWeight.
TEST(StepCanary, ACanaryScaledBeforeItsFirstWeightTakesNoTraffic) {
  Rollout r;
  EXPECT_EQ(r.run(R"({"refId": "1", "type": "stepCanary", "name": "canary", "application": "shop", "stack": "prod",
    "region": "us-east-1", "loadBalancer": "web",
    "steps": [{"setCanaryScale": {"replicas": 2}}, {"pause": {"duration": 60}}, {"setWeight": 20}]})", "v2"),
            Status::kSucceeded);
  ASSERT_GE(r.weight_changes.size(), 2u);
  EXPECT_EQ(r.weight_changes[0], "v000=100 v001=0");
  EXPECT_EQ(r.weight_changes[1], "v000=80 v001=20");
  const world::ServerGroup& canary = r.group("shop-prod-v001");
  ASSERT_GT(canary.users.routed, 0u);
  EXPECT_GE(canary.users.first_routed, r.weight_times[1]) << "the canary took requests before its first weight";
}

TEST(StepCanary, WithoutARouterInstancesCarryTheWeight) {
  Rollout r;
  EXPECT_EQ(r.run(R"({"refId": "1", "type": "stepCanary", "name": "canary", "application": "shop", "stack": "prod",
    "region": "us-east-1", "replicas": 10, "maxSurge": 0, "steps": [{"setWeight": 41}, {"pause": {"duration": 60}}]})", "v2"),
            Status::kSucceeded);
  EXPECT_TRUE(r.weight_changes.empty()) << "no router: no weights";
  const Stage& step = *r.execution->find_stage("Set weight 1: 41%");
  EXPECT_EQ(step.context["canaryReplicas"], 4);
  EXPECT_EQ(step.context["stableReplicas"], 6);
  EXPECT_EQ(r.group("shop-prod-v001").capacity.desired, 10);
  EXPECT_EQ(r.group("shop-prod-v000").capacity.desired, 0);
}

TEST(StepCanary, BadStepsAreNamed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"setWeight": 120})", "steps[0].setWeight: expected a whole percentage 0-100"},
      {R"({"pause": {"duration": "5 minutes"}})", "steps[0].pause.duration: expected seconds"},
      {R"({"jump": 1})", "steps[0]: unknown step jump"},
      {R"({"setWeight": 5, "pause": {}})", "steps[0]: expected an object with one of"},
  };
  for (const auto& [step, expected] : cases) {
    Rollout r;
    EXPECT_EQ(r.run(R"({"refId": "1", "type": "stepCanary", "name": "canary", "application": "shop", "stack": "prod",
      "region": "us-east-1", "loadBalancer": "web", "steps": [)" + step + "]}", "v2"),
              Status::kTerminal);
    const std::string& m = r.execution->find_stage("canary")->message;
    EXPECT_NE(m.find(expected), std::string::npos) << step << ": " << m;
  }
  Rollout r;
  EXPECT_EQ(r.run(R"({"refId": "1", "type": "stepCanary", "name": "canary", "application": "shop", "stack": "prod",
      "region": "us-east-1", "steps": [{"setCanaryScale": {"replicas": 2}}]})", "v2"), Status::kTerminal);
  EXPECT_NE(r.execution->find_stage("canary")->message.find("only with a traffic router"), std::string::npos);
}

}  // namespace
}  // namespace deploysim::strategies

namespace deploysim::strategies {
namespace {

const char* kBlueGreen = R"({"refId": "1", "type": "blueGreen", "name": "bg", "application": "shop", "stack": "prod",
  "region": "us-east-1", "activeLoadBalancer": "web", "autoPromotionEnabled": false, "previewReplicaCount": 3,
  "scaleDownDelaySeconds": 45,
  "postPromotionAnalysis": {"canaryConfig": {"canaryConfigId": "errors", "lifetimeDuration": "PT5M"}}})";

TEST(BlueGreen, PreviewWaitsForPromotionThenSwitchesInOneUpdate) {
  Rollout r;
  r.hooks.answer_after = sim::Duration::minutes(4);
  EXPECT_EQ(r.run(kBlueGreen, "v2"), Status::kSucceeded);
  std::vector<std::string> names;
  for (const auto& b : r.execution->find_stage("bg")->before) names.push_back(b->name + " " + status_name(b->status));
  EXPECT_EQ(names, (std::vector<std::string>{"Create preview SUCCEEDED", "Preview SUCCEEDED", "Promote SUCCEEDED",
                                             "Promote preview SUCCEEDED", "Post-promotion analysis SUCCEEDED",
                                             "Wait before scale down SUCCEEDED", "Scale down stable SUCCEEDED"}));
  EXPECT_EQ(r.hooks.judged, (std::vector<std::string>{"Promote"}));
  // The preview joins with no active traffic (before any of its instances is in service), then
  // one update switches everything to it; once the old group is gone, requests spread again.
  EXPECT_EQ(r.weight_changes, (std::vector<std::string>{"v000=100 v001=0", "v000=0 v001=100", "spread"}));
  const Stage& preview = *r.execution->find_stage("Preview");
  EXPECT_EQ(preview.context["canaryReplicas"], 3) << "previewReplicaCount";
  EXPECT_EQ(r.group("shop-prod-v001").capacity.desired, 10);
  EXPECT_EQ(r.group("shop-prod-v000").capacity.desired, 0);
  const Stage& down = *r.execution->find_stage("Scale down stable");
  EXPECT_GE(down.start_time - r.execution->find_stage("Post-promotion analysis")->end_time, sim::Duration::seconds(45));
}

TEST(BlueGreen, AFailedPostPromotionAnalysisSwitchesBack) {
  Rollout r;
  r.hooks.answer_after = sim::Duration::minutes(1);
  EXPECT_EQ(r.run(kBlueGreen, "v3"), Status::kTerminal);
  EXPECT_EQ(r.weight_changes, (std::vector<std::string>{"v000=100 v001=0", "v000=0 v001=100", "v000=100 v001=0"}));
  EXPECT_EQ(r.execution->find_stage("Post-promotion analysis")->status, Status::kTerminal);
  EXPECT_EQ(r.group("shop-prod-v000").capacity.desired, 10) << "the old group was never scaled down";
  EXPECT_EQ(r.group("shop-prod-v001").capacity.desired, 0);
}

TEST(BlueGreen, AutoPromotionSecondsPromotesAfterAWait) {
  Rollout r;
  EXPECT_EQ(r.run(R"({"refId": "1", "type": "blueGreen", "name": "bg", "application": "shop", "stack": "prod",
    "region": "us-east-1", "activeLoadBalancer": "web", "autoPromotionSeconds": 120})", "v2"), Status::kSucceeded);
  const Stage& wait = *r.execution->find_stage("Auto-promotion wait");
  EXPECT_EQ(wait.end_time - wait.start_time, sim::Duration::seconds(120));
  EXPECT_TRUE(r.hooks.judged.empty());
  Rollout missing;
  EXPECT_EQ(missing.run(R"({"refId": "1", "type": "blueGreen", "name": "bg", "application": "shop", "region": "us-east-1"})", "v2"),
            Status::kTerminal);
  EXPECT_NE(missing.execution->find_stage("bg")->message.find("activeLoadBalancer is required"), std::string::npos);
}

}  // namespace
}  // namespace deploysim::strategies

namespace deploysim::strategies {
namespace {

TEST(StepCanary, TheAbortHasTimeOfItsOwnAfterTheRolloutTimesOut) {
  Rollout r;
  EXPECT_EQ(r.run(R"({"refId": "1", "type": "stepCanary", "name": "canary", "application": "shop", "stack": "prod",
    "region": "us-east-1", "loadBalancer": "web", "stageTimeoutMs": 600000, "steps": [{"setWeight": 30}, {"pause": {}}]})", "v3"),
            Status::kTerminal);
  const Stage& rollout = *r.execution->find_stage("canary");
  ASSERT_EQ(rollout.after.size(), 3u);
  for (const auto& a : rollout.after) EXPECT_EQ(a->status, Status::kSucceeded) << a->name << ": " << a->message;
  EXPECT_EQ(r.weight_changes, (std::vector<std::string>{"v000=100 v001=0", "v000=70 v001=30", "v000=100 v001=0"}));
  EXPECT_EQ(r.group("shop-prod-v001").capacity.desired, 0);
}

TEST(StepCanary, WithoutARouterTheAbortBringsStableBackBeforeTheCanaryGoes) {
  Rollout r;
  EXPECT_EQ(r.run(R"({"refId": "1", "type": "stepCanary", "name": "canary", "application": "shop", "stack": "prod",
    "region": "us-east-1", "replicas": 10, "maxSurge": 0, "abortScaleDownDelaySeconds": 0, "steps": [{"setWeight": 40},
    {"analysis": {"canaryConfig": {"canaryConfigId": "errors", "lifetimeDuration": "PT3M"}}}]})", "v3"),
            Status::kTerminal);
  const Stage& rollout = *r.execution->find_stage("canary");
  std::vector<std::string> after;
  for (const auto& a : rollout.after) after.push_back(a->name + " " + status_name(a->status));
  // No delay without a router: requests follow instances, so the canary goes once stable is back.
  EXPECT_EQ(after, (std::vector<std::string>{"Abort: traffic to stable SUCCEEDED", "Scale down canary SUCCEEDED"}));
  EXPECT_EQ(r.group("shop-prod-v000").capacity.desired, 10);
  EXPECT_EQ(r.group("shop-prod-v001").capacity.desired, 0);
}

TEST(StepCanary, CanaryStepsRunOnlyInsideARollout) {
  Rollout r;
  EXPECT_EQ(r.run(R"({"refId": "1", "type": "canaryStep", "name": "alone", "kind": "setWeight", "weight": 10})", "v2"),
            Status::kTerminal);
  EXPECT_NE(r.execution->find_stage("alone")->message.find("only inside stepCanary and blueGreen"), std::string::npos);
}

}  // namespace
}  // namespace deploysim::strategies
