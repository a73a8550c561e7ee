// Cluster-wide stages and cloning, against a cluster with three server groups.
#include <gtest/gtest.h>

#include "tests/strategies/engine_fixture.h"

namespace deploysim::strategies {
namespace {

// shop-prod-v000, -v001 and -v002, all enabled, 2 instances each.
struct ThreeGroups {
  testing::EngineStack stack;
  ExecutionHooks hooks;
  ThreeGroups() : stack(world::testing::queueing_world(2, 4, 10, sim::Duration::millis(20), world::Algorithm::kRoundRobin), 5) {
    world::ServerGroupConfig g = stack.world->world->config().server_groups[0];
    for (int i = 0; i < 2; ++i) {
      stack.world->until(sim::Duration::seconds(10 * (i + 1)));
      EXPECT_TRUE(stack.world->world->create_server_group(g).ok());
    }
    stack.world->until(sim::Duration::minutes(1));
  }
  const world::ServerGroup& group(const char* name) {
    return stack.world->world->server_group(*stack.world->world->find_server_group(name));
  }
  Status run(const std::string& json) {
    const PipelineConfig p = stack.load(json);
    Execution e("e", p, Json{{"artifact", "v1"}}, stack.registry, stack.world->loop, stack.provider(), hooks, nullptr);
    stack.run(e);
    for (const Stage* s : e.all_stages()) EXPECT_TRUE(s->message.empty() || s->status == Status::kSucceeded) << s->name << ": " << s->message;
    return e.status();
  }
};

TEST(ClusterStages, DisableScaleDownAndShrinkLeaveTheNewestAlone) {
  ThreeGroups t;
  const Status s = t.run(R"({"application": "shop", "name": "tidy", "stages": [
    {"refId": "1", "type": "disableCluster", "name": "disable", "cluster": "shop-prod", "regions": ["us-east-1"], "remainingEnabledServerGroups": 1},
    {"refId": "2", "requisiteStageRefIds": ["1"], "type": "scaleDownCluster", "name": "scale down", "cluster": "shop-prod", "regions": ["us-east-1"], "remainingFullSizeServerGroups": 1},
    {"refId": "3", "requisiteStageRefIds": ["2"], "type": "shrinkCluster", "name": "shrink", "cluster": "shop-prod", "regions": ["us-east-1"], "shrinkToSize": 1}]})");
  EXPECT_EQ(s, Status::kSucceeded);
  EXPECT_TRUE(t.group("shop-prod-v002").enabled);
  EXPECT_EQ(t.group("shop-prod-v002").capacity.desired, 2);
  // The shrink keeps shrinkToSize groups in all, and the active v002 is one of them (it may not be
  // deleted, so it counts as kept): both inactive groups go (ShrinkClusterTask's dropCount).
  EXPECT_TRUE(t.group("shop-prod-v001").destroyed);
  EXPECT_TRUE(t.group("shop-prod-v000").destroyed);
}

TEST(ClusterStages, ScaleDownKeepsTheNewestInactiveGroupAtFullSize) {
  ThreeGroups t;
  const Status s = t.run(R"({"application": "shop", "name": "tidy", "stages": [
    {"refId": "1", "type": "disableCluster", "name": "disable", "cluster": "shop-prod", "regions": ["us-east-1"], "remainingEnabledServerGroups": 1},
    {"refId": "2", "requisiteStageRefIds": ["1"], "type": "scaleDownCluster", "name": "scale down", "cluster": "shop-prod", "regions": ["us-east-1"], "remainingFullSizeServerGroups": 2},
    {"refId": "3", "requisiteStageRefIds": ["2"], "type": "shrinkCluster", "name": "shrink", "cluster": "shop-prod", "regions": ["us-east-1"], "shrinkToSize": 2}]})");
  EXPECT_EQ(s, Status::kSucceeded);
  // Two full-size groups remain: the active v002 and the newest inactive, v001; v000 goes to 0.
  // Then two groups in all: v002 and v001; v000 is destroyed.
  EXPECT_TRUE(t.group("shop-prod-v002").enabled);
  EXPECT_FALSE(t.group("shop-prod-v001").enabled);
  EXPECT_FALSE(t.group("shop-prod-v001").destroyed);
  EXPECT_EQ(t.group("shop-prod-v001").capacity.desired, 2) << "the newest inactive group keeps its size";
  EXPECT_TRUE(t.group("shop-prod-v000").destroyed);
}

TEST(ClusterStages, AnUpstreamCreateServerGroupIsLeftAloneAndCounted) {
  // A strategy pipeline's pattern: createServerGroup, then disableCluster. The new, smaller group
  // would be disabled first with preferLargerOverNewer, but an upstream deploy's group is not a
  // candidate (Orca's ancestors() include upstream stages) and counts as the one remaining.
  ThreeGroups t;
  const Status s = t.run(R"({"application": "shop", "name": "strategy", "stages": [
    {"refId": "1", "type": "createServerGroup", "name": "Create New ASG", "application": "shop", "stack": "prod",
     "region": "us-east-1", "capacity": {"min": 1, "desired": 1, "max": 1}, "loadBalancers": ["web"]},
    {"refId": "2", "requisiteStageRefIds": ["1"], "type": "disableCluster", "name": "disable", "cluster": "shop-prod",
     "regions": ["us-east-1"], "remainingEnabledServerGroups": "1", "preferLargerOverNewer": true}]})");
  EXPECT_EQ(s, Status::kSucceeded);
  EXPECT_TRUE(t.group("shop-prod-v003").enabled);
  for (const char* old : {"shop-prod-v000", "shop-prod-v001", "shop-prod-v002"}) EXPECT_FALSE(t.group(old).enabled) << old;
}

TEST(ClusterStages, DisableClusterWaitsForDraining) {
  ThreeGroups t;
  const PipelineConfig p = t.stack.load(R"({"application": "shop", "name": "d", "stages": [
    {"refId": "1", "type": "disableCluster", "name": "disable", "cluster": "shop-prod", "regions": ["us-east-1"], "remainingEnabledServerGroups": 2}]})");
  Execution e("e", p, Json::object(), t.stack.registry, t.stack.world->loop, t.stack.provider(), t.hooks, nullptr);
  t.stack.run(e);
  const Stage* d = e.find_stage("disable");
  EXPECT_EQ(d->status, Status::kSucceeded);
  EXPECT_GE(d->end_time - d->start_time, sim::Duration::seconds(90));
  EXPECT_FALSE(t.group("shop-prod-v000").enabled);
  EXPECT_TRUE(t.group("shop-prod-v001").enabled);
}

TEST(ClusterStages, CloneCopiesTheCurrentGroupWithANewArtifact) {
  ThreeGroups t;
  const Status s = t.run(R"({"application": "shop", "name": "clone", "stages": [
    {"refId": "1", "type": "cloneServerGroup", "name": "clone", "targetCluster": "shop-prod", "target": "current_asg_dynamic",
     "region": "us-east-1", "capacity": {"min": 3, "desired": 3, "max": 3}}]})");
  EXPECT_EQ(s, Status::kSucceeded);
  const world::ServerGroup& clone = t.group("shop-prod-v003");
  EXPECT_EQ(clone.capacity.desired, 3);
  EXPECT_TRUE(clone.enabled);
}

TEST(ClusterStages, RollbackClusterRestoresThePreviousGroup) {
  // After a red/black: v000 (2 instances) disabled, v001 (3 instances) enabled and bad.
  testing::EngineStack stack(world::testing::queueing_world(2, 4, 10, sim::Duration::millis(20), world::Algorithm::kRoundRobin), 6);
  world::World& w = *stack.world->world;
  world::ServerGroupConfig g = w.config().server_groups[0];
  g.capacity = {3, 3, 3};
  stack.world->until(sim::Duration::seconds(30));
  ASSERT_TRUE(w.create_server_group(g).ok());
  ASSERT_TRUE(w.disable(*w.find_server_group("shop-prod-v000")).ok());
  stack.world->until(sim::Duration::minutes(5));
  ExecutionHooks hooks;
  const PipelineConfig p = stack.load(R"({"application": "shop", "name": "rb", "stages": [
    {"refId": "1", "type": "rollbackCluster", "name": "rollback", "cluster": "shop-prod", "regions": ["us-east-1"]}]})");
  Execution e("e", p, Json::object(), stack.registry, stack.world->loop, stack.provider(), hooks, nullptr);
  stack.run(e);
  const Stage* rb = e.find_stage("rollback");
  EXPECT_EQ(rb->status, Status::kSucceeded) << rb->message;
  EXPECT_EQ(rb->outputs["rollbackServerGroupName"], "shop-prod-v001");
  EXPECT_EQ(rb->outputs["restoreServerGroupName"], "shop-prod-v000");
  EXPECT_EQ(rb->context["targetHealthyRollbackPercentage"], 100) << "below 10 instances";
  const world::ServerGroup& restored = w.server_group(*w.find_server_group("shop-prod-v000"));
  EXPECT_TRUE(restored.enabled);
  EXPECT_EQ(restored.capacity.desired, 3) << "the larger of the two";
  EXPECT_EQ(restored.capacity.min, 2) << "its own min restored after the rollback";
  EXPECT_FALSE(w.server_group(*w.find_server_group("shop-prod-v001")).enabled);
}

TEST(ClusterStages, RollbackOfASingleGroupClusterIsSkipped) {
  testing::EngineStack stack(world::testing::queueing_world(2, 4, 10, sim::Duration::millis(20), world::Algorithm::kRoundRobin), 7);
  ExecutionHooks hooks;
  const PipelineConfig p = stack.load(R"({"application": "shop", "name": "rb", "stages": [
    {"refId": "1", "type": "rollbackCluster", "name": "rollback", "cluster": "shop-prod", "regions": ["us-east-1"]}]})");
  Execution e("e", p, Json::object(), stack.registry, stack.world->loop, stack.provider(), hooks, nullptr);
  stack.run(e);
  EXPECT_EQ(e.find_stage("rollback")->status, Status::kSucceeded);
  EXPECT_TRUE(e.find_stage("rollback")->outputs.contains("rollbackSkipped"));
  EXPECT_TRUE(stack.world->group().enabled);
}

}  // namespace
}  // namespace deploysim::strategies
