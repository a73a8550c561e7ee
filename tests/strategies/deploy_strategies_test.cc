// Deploy strategies against the simulated cloud: after each step of a strategy, the capacities,
// enabled flags and load balancer membership of every group of the cluster, against the step
// sequences of Orca's strategies worked out by hand from spinnaker-semantics.md §4 (RedBlackStrategy,
// HighlanderStrategy, RollingRedBlackStrategy) and the cluster tasks' drop counts; and §4.6's
// automatic rollback of a deploy whose new instances never become healthy.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/strategies/engine_fixture.h"

namespace deploysim::strategies {
namespace {

// A cluster shop-prod in us-east-1 behind load balancer "web" (health checks every 10 s, 3 passes
// to go in service), versions v1 (running), v2 (good) and v3 (its health check always fails).
world::WorldConfig cluster_world(world::Capacity first) {
  world::WorldConfig c = world::testing::queueing_world(first.desired, 4, 20, sim::Duration::millis(20),
                                                        world::Algorithm::kRoundRobin);
  c.server_groups[0].capacity = first;
  testing::quick_health_checks(c, sim::Duration::seconds(30));
  testing::add_version(c, "v2");
  world::VersionProfile& v3 = testing::add_version(c, "v3");
  v3.bad = true;
  v3.health.kind = world::HealthBehaviour::Kind::kFailing;
  return c;
}

// Records the cluster after every step of a deploy: each synthetic stage that ends, as
// "<stage>: <group> <min>/<desired>/<max> <on|off> lb=<instances in service>, ...".
class StepRecorder : public ExecutionHooks {
 public:
  explicit StepRecorder(const world::World& w) : world_(w) {}
  // Strategy pipelines for custom strategies, started as children.
  std::vector<PipelineConfig> library;
  testing::EngineStack* stack = nullptr;
  std::vector<std::unique_ptr<Execution>> children;
  bool monitor_fails = false;  // what the deployment monitor of a monitored deploy answers

  Execution* start_child(const Execution& parent, const Stage& stage, const std::string&, const std::string& pipeline,
                         const Json& parameters) override {
    for (const PipelineConfig& p : library) {
      if (p.id != pipeline) continue;
      children.push_back(std::make_unique<Execution>(parent.id() + "/c", p,
                                                     Json{{"parameters", parameters}, {"artifact", parent.trigger()["artifact"]}},
                                                     stack->registry, stack->world->loop, stack->provider(), *this, nullptr));
      children.back()->set_parent_stage(&stage);
      children.back()->start();
      return children.back().get();
    }
    return nullptr;
  }
  ExternalOutcome external_stage(const Stage& stage) override {
    ExternalOutcome o;
    o.succeeds = !(stage.type == "evaluateDeploymentHealth" && monitor_fails);
    return o;
  }
  void stage_changed(const Execution&, const Stage& stage) override {
    if (!is_complete(stage.status) || stage.parent == nullptr) return;
    const bool strategy_step = stage.parent->type == "createServerGroup";
    if (!strategy_step && stage.type != "createServerGroup") return;
    steps.push_back(stage.name + " " + status_name(stage.status) + ": " + cluster());
  }
  std::string cluster() const {
    std::string out;
    const world::LoadBalancer& lb = world_.load_balancer(*world_.find_load_balancer("web"));
    for (size_t i = 0; i < world_.server_group_count(); ++i) {
      const world::ServerGroup& g = world_.server_group(static_cast<world::ServerGroupId>(i));
      if (!out.empty()) out += ", ";
      out += g.name.substr(g.name.size() - 4) + " ";
      if (g.destroyed) {
        out += "destroyed";
        continue;
      }
      size_t serving = 0;
      for (const world::LbGroup& m : lb.groups) {
        if (m.group == g.id) serving = m.in_service.size();
      }
      out += std::to_string(g.capacity.min) + "/" + std::to_string(g.capacity.desired) + "/" + std::to_string(g.capacity.max) +
             (g.enabled ? " on" : " off") + " lb=" + std::to_string(serving);
    }
    return out;
  }
  std::vector<std::string> steps;

 private:
  const world::World& world_;
};

struct Deploy {
  testing::EngineStack stack;
  StepRecorder recorder;
  std::unique_ptr<Execution> execution;

  explicit Deploy(world::Capacity first) : stack(cluster_world(first), 11), recorder(*stack.world->world) {
    recorder.stack = &stack;
    stack.world->until(sim::Duration::minutes(1));
  }
  // A second group, v001, beside the world's v000, which is disabled first when `disable_older`.
  void add_group(world::Capacity capacity, bool disable_older) {
    world::World& w = *stack.world->world;
    world::ServerGroupConfig g = w.config().server_groups[0];
    g.capacity = capacity;
    const sim::Result<world::ServerGroupId> id = w.create_server_group(g);
    ASSERT_TRUE(id.ok());
    if (disable_older) {
      ASSERT_TRUE(w.disable(w.find_server_group("shop-prod-v000").value()).ok());
    }
    stack.world->until(sim::Duration::minutes(5));
  }
  // Deploys `artifact` with this cluster entry (strategy, capacity, options).
  Status run(const std::string& cluster, const std::string& artifact = "v2", const std::string& stage_extra = "") {
    const PipelineConfig p = stack.load(R"({"application": "shop", "name": "ship", "stages": [
      {"refId": "1", "type": "deploy", "name": "deploy")" + stage_extra + R"(, "clusters": [
        {"application": "shop", "stack": "prod", "region": "us-east-1", "loadBalancers": ["web"], )" + cluster + "}]}]}");
    configs.push_back(p);
    execution = std::make_unique<Execution>("e", configs.back(), Json{{"artifact", artifact}}, stack.registry,
                                            stack.world->loop, stack.provider(), recorder, nullptr);
    stack.run(*execution, sim::Duration::hours(4));
    return execution->status();
  }
  const Stage& create() const { return *execution->find_stage("deploy")->before.front(); }
  std::vector<std::string> after_types() const {
    std::vector<std::string> out;
    for (const auto& a : create().after) out.push_back(a->name + " (" + a->type + ")");
    return out;
  }
  std::vector<PipelineConfig> configs;
};

using Steps = std::vector<std::string>;

TEST(DeployStrategies, NoneLeavesTheOldGroupServing) {
  Deploy d({4, 4, 4});
  EXPECT_EQ(d.run(R"("strategy": "", "capacity": {"min": 2, "desired": 2, "max": 2})"), Status::kSucceeded);
  EXPECT_EQ(d.recorder.steps, (Steps{"Deploy in us-east-1 SUCCEEDED: v000 4/4/4 on lb=4, v001 2/2/2 on lb=2"}));
}

TEST(DeployStrategies, RedBlackDisablesEveryOtherGroupOnceTheNewOneIsUp) {
  Deploy d({4, 4, 4});
  EXPECT_EQ(d.run(R"("strategy": "redblack", "maxRemainingAsgs": 2, "capacity": {"min": 4, "desired": 4, "max": 4})"),
            Status::kSucceeded);
  // maxRemainingAsgs 2 (what Deck writes) with two groups destroys nothing; the disable keeps one
  // enabled group, and the new one counts as it.
  EXPECT_EQ(d.recorder.steps, (Steps{
                                  "shrinkCluster SUCCEEDED: v000 4/4/4 on lb=4, v001 4/4/4 on lb=4",
                                  "disableCluster SUCCEEDED: v000 4/4/4 off lb=0, v001 4/4/4 on lb=4",
                                  "Deploy in us-east-1 SUCCEEDED: v000 4/4/4 off lb=0, v001 4/4/4 on lb=4",
                              }));
}

TEST(DeployStrategies, RedBlackWithoutMaxRemainingAsgsShrinksNothing) {
  Deploy d({2, 2, 2});
  d.add_group({2, 2, 2}, /*disable_older=*/true);
  EXPECT_EQ(d.run(R"("strategy": "redblack", "capacity": {"min": 2, "desired": 2, "max": 2})"), Status::kSucceeded);
  EXPECT_EQ(d.after_types(), (Steps{"disableCluster (disableCluster)"}));
  EXPECT_EQ(d.recorder.cluster(), "v000 2/2/2 off lb=0, v001 2/2/2 off lb=0, v002 2/2/2 on lb=2") << "every group kept";
}

TEST(DeployStrategies, RedBlackShrinksThenScalesDownOlderGroups) {
  Deploy d({3, 3, 3});
  d.add_group({3, 3, 3}, /*disable_older=*/true);
  EXPECT_EQ(d.run(R"("strategy": "redblack", "scaleDown": true, "maxRemainingAsgs": "2", "delayBeforeDisableSec": 30,
                     "capacity": {"min": 3, "desired": 3, "max": 3})"),
            Status::kSucceeded);
  // Three groups; two may remain. The new v002 counts as remaining and the active v001 may not be
  // deleted, so it counts too: the inactive v000 goes. Then v001 is disabled and scaled to zero.
  EXPECT_EQ(d.recorder.steps, (Steps{
                                  "shrinkCluster SUCCEEDED: v000 destroyed, v001 3/3/3 on lb=3, v002 3/3/3 on lb=3",
                                  "Wait Before Disable SUCCEEDED: v000 destroyed, v001 3/3/3 on lb=3, v002 3/3/3 on lb=3",
                                  "disableCluster SUCCEEDED: v000 destroyed, v001 3/3/3 off lb=0, v002 3/3/3 on lb=3",
                                  "scaleDown SUCCEEDED: v000 destroyed, v001 0/0/0 off lb=0, v002 3/3/3 on lb=3",
                                  "Deploy in us-east-1 SUCCEEDED: v000 destroyed, v001 0/0/0 off lb=0, v002 3/3/3 on lb=3",
                              }));
}

TEST(DeployStrategies, HighlanderDestroysEveryOtherGroup) {
  Deploy d({3, 3, 3});
  d.add_group({2, 2, 2}, /*disable_older=*/false);
  EXPECT_EQ(d.run(R"("strategy": "highlander", "capacity": {"min": 2, "desired": 2, "max": 2})"), Status::kSucceeded);
  ASSERT_EQ(d.create().after.size(), 1u);
  ASSERT_EQ(d.create().after[0]->before.size(), 1u) << "the shrink disables active groups first";
  EXPECT_EQ(d.recorder.steps, (Steps{
                                  "shrinkCluster SUCCEEDED: v000 destroyed, v001 destroyed, v002 2/2/2 on lb=2",
                                  "Deploy in us-east-1 SUCCEEDED: v000 destroyed, v001 destroyed, v002 2/2/2 on lb=2",
                              }));
}

TEST(DeployStrategies, RollingRedBlackGrowsAndMovesTrafficStepByStep) {
  Deploy d({2, 4, 6});
  EXPECT_EQ(d.run(R"("strategy": "rollingredblack", "targetPercentages": [25, 50],
                     "capacity": {"min": 2, "desired": 4, "max": 6})"),
            Status::kSucceeded);
  // The new group starts at 0/0/0. Pinning v000 sets its min to its desired (4). Each step grows
  // v001 to ceil(p% of 4) with min = max = desired, then takes ceil(p% of v000's 4 instances) out
  // of the load balancer. At 100% v001 gets savedCapacity's min back, and v000 is unpinned to its
  // original min of 2.
  EXPECT_EQ(d.recorder.steps, (Steps{
                                  "Pin shop-prod-v000 SUCCEEDED: v000 4/4/6 on lb=4, v001 0/0/0 on lb=0",
                                  "Grow to 25% of Desired Size SUCCEEDED: v000 4/4/6 on lb=4, v001 1/1/1 on lb=1",
                                  "Disable 25% of Traffic on shop-prod-v000 SUCCEEDED: v000 4/4/6 on lb=3, v001 1/1/1 on lb=1",
                                  "Grow to 50% of Desired Size SUCCEEDED: v000 4/4/6 on lb=3, v001 2/2/2 on lb=2",
                                  "Disable 50% of Traffic on shop-prod-v000 SUCCEEDED: v000 4/4/6 on lb=2, v001 2/2/2 on lb=2",
                                  "Grow to 100% of Desired Size SUCCEEDED: v000 4/4/6 on lb=2, v001 2/4/6 on lb=4",
                                  "Disable 100% of Traffic on shop-prod-v000 SUCCEEDED: v000 4/4/6 off lb=0, v001 2/4/6 on lb=4",
                                  "Unpin shop-prod-v000 SUCCEEDED: v000 2/4/6 off lb=0, v001 2/4/6 on lb=4",
                                  "Deploy in us-east-1 SUCCEEDED: v000 2/4/6 off lb=0, v001 2/4/6 on lb=4",
                              }));
}

TEST(DeployStrategies, RollingRedBlackWithScaleDownEndsWithTheSourceAtZero) {
  Deploy d({2, 2, 2});
  EXPECT_EQ(d.run(R"("strategy": "rollingredblack", "scaleDown": true, "capacity": {"min": 2, "desired": 2, "max": 2})"),
            Status::kSucceeded);
  EXPECT_EQ(d.after_types(), (Steps{
                                 "Pin shop-prod-v000 (pinServerGroup)",
                                 "Grow to 50% of Desired Size (resizeServerGroup)",
                                 "Disable 50% of Traffic on shop-prod-v000 (disableServerGroup)",
                                 "Grow to 100% of Desired Size (resizeServerGroup)",
                                 "Disable 100% of Traffic on shop-prod-v000 (disableServerGroup)",
                                 "scaleDown (scaleDownCluster)",
                             }));
  EXPECT_EQ(d.recorder.cluster(), "v000 0/0/0 off lb=0, v001 2/2/2 on lb=2");
}

TEST(DeployStrategies, CustomRunsTheStrategyPipelineOnThisCluster) {
  Deploy d({2, 2, 2});
  d.recorder.library = *load_pipelines(R"({"id": "strategy-1", "name": "Deployment Strategy", "strategy": true, "stages": [
      {"refId": "1", "type": "deploy", "name": "Create New ASG", "clusters": []},
      {"refId": "2", "requisiteStageRefIds": ["1"], "type": "disableCluster", "name": "disable old",
       "cluster": "shop-prod", "regions": ["us-east-1"], "remainingEnabledServerGroups": 1}]})",
                                       "strategies", [](const std::string&) { return true; });
  EXPECT_EQ(d.run(R"("strategy": "custom", "strategyPipeline": "strategy-1", "capacity": {"min": 3, "desired": 3, "max": 3})"),
            Status::kSucceeded);
  EXPECT_EQ(d.create().task_statuses.size(), 1u) << "only the source lookup: the strategy pipeline deploys";
  EXPECT_EQ(d.after_types(), (Steps{"pipeline (pipeline)"}));
  ASSERT_EQ(d.recorder.children.size(), 1u);
  const Execution& child = *d.recorder.children[0];
  EXPECT_EQ(child.status(), Status::kSucceeded);
  EXPECT_EQ(child.trigger()["parameters"]["cluster"], "shop-prod");
  EXPECT_EQ(child.trigger()["parameters"]["strategy"], true);
  // The child's deploy used the parent's cluster (capacity 3) with no strategy of its own.
  EXPECT_EQ(d.recorder.cluster(), "v000 2/2/2 off lb=0, v001 3/3/3 on lb=3");
}

TEST(DeployStrategies, MonitoredChecksEachStepAndRollsBackAutomatically) {
  Deploy good({2, 2, 2});
  EXPECT_EQ(good.run(R"("strategy": "monitored", "deploySteps": [50], "deploymentMonitor": {"id": "health"}, "maxRemainingAsgs": 2,
                        "failureActions": {"rollback": "Automatic"}, "capacity": {"min": 2, "desired": 2, "max": 2})"),
            Status::kSucceeded);
  EXPECT_EQ(good.after_types(), (Steps{
                                    "Pin shop-prod-v000 (pinServerGroup)",
                                    "Grow to 50% of Desired Size (resizeServerGroup)",
                                    "Evaluate health of deployed instances (evaluateDeploymentHealth)",
                                    "Disable 50% of Traffic on shop-prod-v000 (disableServerGroup)",
                                    "Grow to 100% of Desired Size (resizeServerGroup)",
                                    "Evaluate health of deployed instances (evaluateDeploymentHealth)",
                                    "Disable 100% of Traffic on shop-prod-v000 (disableServerGroup)",
                                    "Unpin shop-prod-v000 (pinServerGroup)",
                                    "shrinkCluster (shrinkCluster)",
                                }));
  Deploy bad({2, 2, 2});
  bad.recorder.monitor_fails = true;
  EXPECT_EQ(bad.run(R"("strategy": "monitored", "deploySteps": [50], "deploymentMonitor": {"id": "health"},
                       "failureActions": {"rollback": "Automatic"}, "capacity": {"min": 2, "desired": 2, "max": 2})"),
            Status::kTerminal);
  EXPECT_EQ(bad.after_types(), (Steps{
                                   "Pin shop-prod-v000 (pinServerGroup)",
                                   "Grow to 50% of Desired Size (resizeServerGroup)",
                                   "Evaluate health of deployed instances (evaluateDeploymentHealth)",
                                   "Rollback shop-prod (rollbackCluster)",
                                   "Unpin shop-prod-v000 (pinServerGroup)",
                               }));
  EXPECT_EQ(bad.recorder.cluster(), "v000 2/2/2 on lb=2, v001 1/1/1 off lb=0");
}

TEST(DeployStrategies, UseSourceCapacityCopiesTheLargestGroup) {
  Deploy d({3, 3, 5});
  EXPECT_EQ(d.run(R"("strategy": "redblack", "useSourceCapacity": true, "capacity": {"min": 1, "desired": 1, "max": 1})"),
            Status::kSucceeded);
  EXPECT_EQ(d.recorder.cluster(), "v000 3/3/5 off lb=0, v001 3/3/5 on lb=3");
}

TEST(DeployStrategies, UnknownStrategiesAndBadStepsAreNamed) {
  Deploy d({2, 2, 2});
  EXPECT_EQ(d.run(R"("strategy": "bluegreen", "capacity": {"min": 1, "desired": 1, "max": 1})"), Status::kTerminal);
  EXPECT_NE(d.create().message.find("unknown deploy strategy \"bluegreen\""), std::string::npos) << d.create().message;
  Deploy e({2, 2, 2});
  EXPECT_EQ(e.run(R"("strategy": "rollingredblack", "targetPercentages": [50, 20], "capacity": {"min": 1, "desired": 1, "max": 1})"),
            Status::kTerminal);
  EXPECT_NE(e.create().message.find("targetPercentages must increase"), std::string::npos) << e.create().message;
}

// §4.6: a candidate whose instances never pass their health checks.
TEST(AutomaticRollback, RedBlackDisablesTheNewGroupWhenItNeverComesUp) {
  Deploy d({2, 2, 2});
  EXPECT_EQ(d.run(R"("strategy": "redblack", "rollback": {"onFailure": true}, "capacity": {"min": 2, "desired": 2, "max": 2})",
                  "v3", R"(, "stageTimeoutMs": 600000)"),
            Status::kTerminal);
  EXPECT_EQ(d.after_types(), (Steps{"Rollback shop-prod (rollbackCluster)"}));
  EXPECT_EQ(d.create().after[0]->status, Status::kSucceeded);
  EXPECT_EQ(d.recorder.cluster(), "v000 2/2/2 on lb=2, v001 2/2/2 off lb=0") << "the old group never stopped serving";
  EXPECT_EQ(d.create().status, Status::kTerminal);
  EXPECT_NE(d.create().message.find("timeout"), std::string::npos) << d.create().message;
}

TEST(AutomaticRollback, NothingIsRolledBackWhenOnFailureIsFalse) {
  Deploy d({2, 2, 2});
  EXPECT_EQ(d.run(R"("strategy": "redblack", "rollback": {"onFailure": false}, "capacity": {"min": 2, "desired": 2, "max": 2})",
                  "v3", R"(, "stageTimeoutMs": 600000)"),
            Status::kTerminal);
  EXPECT_TRUE(d.create().after.empty());
  EXPECT_EQ(d.recorder.cluster(), "v000 2/2/2 on lb=2, v001 2/2/2 on lb=0") << "left enabled, taking no traffic";
}

TEST(AutomaticRollback, RedBlackDoesNotRollBackAFailureAfterTheGroupCameUp) {
  // The new group comes up, then a strategy step fails: the cloud refuses to disable the old group.
  providers::FaultRule refuse_disable;
  refuse_disable.operation = "disable";
  refuse_disable.error = providers::ErrorCode::kPermanent;
  refuse_disable.message = "refused";
  testing::EngineStack stack(cluster_world({2, 2, 2}), 3, {refuse_disable});
  StepRecorder recorder(*stack.world->world);
  stack.world->until(sim::Duration::minutes(1));
  const PipelineConfig p = stack.load(R"({"application": "shop", "name": "ship", "stages": [
      {"refId": "1", "type": "deploy", "name": "deploy", "clusters": [
        {"application": "shop", "stack": "prod", "region": "us-east-1", "loadBalancers": ["web"], "strategy": "redblack",
         "rollback": {"onFailure": true}, "capacity": {"min": 2, "desired": 2, "max": 2}}]}]})");
  Execution e("e", p, Json{{"artifact", "v2"}}, stack.registry, stack.world->loop, stack.provider(), recorder, nullptr);
  stack.run(e);
  EXPECT_EQ(e.status(), Status::kTerminal);
  const Stage& create = *e.find_stage("deploy")->before.front();
  std::vector<std::string> types;
  for (const auto& a : create.after) types.push_back(a->type + " " + status_name(a->status));
  EXPECT_EQ(types, (Steps{"disableCluster TERMINAL"})) << "no rollback stage";
}

TEST(AutomaticRollback, RollingRedBlackReenablesTheSourceAndUnpinsIt) {
  Deploy d({2, 4, 6});
  EXPECT_EQ(d.run(R"("strategy": "rollingredblack", "rollback": {"onFailure": true}, "capacity": {"min": 2, "desired": 4, "max": 6})",
                  "v3", R"(, "stageTimeoutMs": 600000)"),
            Status::kTerminal);
  // The empty new group comes up at once; growing it to 50% never gets healthy instances. The
  // steps not started are dropped, the cluster is rolled back (enable v000, disable v001), and
  // v000 gets its min back.
  EXPECT_EQ(d.after_types(), (Steps{
                                 "Pin shop-prod-v000 (pinServerGroup)",
                                 "Grow to 50% of Desired Size (resizeServerGroup)",
                                 "Rollback shop-prod (rollbackCluster)",
                                 "Unpin shop-prod-v000 (pinServerGroup)",
                             }));
  EXPECT_EQ(d.create().after[1]->status, Status::kTerminal);
  EXPECT_EQ(d.create().after[2]->status, Status::kSucceeded);
  EXPECT_EQ(d.create().after[3]->status, Status::kSucceeded);
  EXPECT_EQ(d.recorder.cluster(), "v000 2/4/6 on lb=4, v001 2/2/2 off lb=0");
}

TEST(AutomaticRollback, AFailingValidationPipelineRollsBackARollingDeploy) {
  Deploy d({4, 4, 4});
  // The validation pipeline passes below 50% and fails from 50% on.
  d.recorder.library = *load_pipelines(R"({"id": "validate", "name": "validate", "stages": [
      {"refId": "1", "type": "checkPreconditions", "name": "check", "preconditions": [
        {"type": "expression", "context": {"expression": "${ parameters.percentageComplete < 50 }"}}]}]})",
                                       "validation", [](const std::string&) { return true; });
  EXPECT_EQ(d.run(R"("strategy": "rollingredblack", "targetPercentages": [25, 50], "rollback": {"onFailure": true},
                     "pipelineBeforeCleanup": {"application": "shop", "pipelineId": "validate", "pipelineParameters": {"env": "prod"}},
                     "capacity": {"min": 4, "desired": 4, "max": 4})"),
            Status::kTerminal);
  EXPECT_EQ(d.after_types(), (Steps{
                                 "Pin shop-prod-v000 (pinServerGroup)",
                                 "Grow to 25% of Desired Size (resizeServerGroup)",
                                 "Run Validation Pipeline (pipeline)",
                                 "Disable 25% of Traffic on shop-prod-v000 (disableServerGroup)",
                                 "Grow to 50% of Desired Size (resizeServerGroup)",
                                 "Run Validation Pipeline (pipeline)",
                                 "Rollback shop-prod (rollbackCluster)",
                                 "Unpin shop-prod-v000 (pinServerGroup)",
                             }));
  ASSERT_EQ(d.recorder.children.size(), 2u);
  const Json& parameters = d.recorder.children[1]->trigger()["parameters"];
  EXPECT_EQ(parameters["percentageComplete"], 50);
  EXPECT_EQ(parameters["env"], "prod");
  EXPECT_EQ(parameters["deployedServerGroup"]["serverGroupName"], "shop-prod-v001");
  EXPECT_EQ(parameters["sourceServerGroup"]["serverGroupName"], "shop-prod-v000");
  // The source is whole again, and the new group out of service.
  EXPECT_EQ(d.recorder.cluster(), "v000 4/4/4 on lb=4, v001 2/2/2 off lb=0");
}

TEST(AutomaticRollback, DestroyLatestAlsoDestroysTheNewGroup) {
  Deploy d({2, 2, 2});
  EXPECT_EQ(d.run(R"("strategy": "redblack", "rollback": {"onFailure": true, "destroyLatest": true},
                     "capacity": {"min": 2, "desired": 2, "max": 2})",
                  "v3", R"(, "stageTimeoutMs": 600000)"),
            Status::kTerminal);
  EXPECT_EQ(d.after_types(), (Steps{"Rollback shop-prod (rollbackCluster)", "destroyServerGroup (destroyServerGroup)"}));
  EXPECT_EQ(d.recorder.cluster(), "v000 2/2/2 on lb=2, v001 destroyed");
}

}  // namespace
}  // namespace deploysim::strategies
