// Resize actions beyond scale_up / scale_down (scale_to_cluster, scale_to_server_group, the pinning
// options) and the partial disable (desiredPercentage), against hand-computed results of Orca's and
// clouddriver's formulas.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "tests/strategies/engine_fixture.h"

namespace deploysim::strategies {
namespace {

// shop-prod-v000 {1, 4, 6}, -v001 {3, 3, 5}, -v002 {2, 2, 2}, all enabled.
struct Cluster {
  testing::EngineStack stack;
  ExecutionHooks hooks;
  std::string message;

  Cluster() : stack(world::testing::queueing_world(2, 4, 10, sim::Duration::millis(20), world::Algorithm::kRoundRobin), 9) {
    world::World& w = *stack.world->world;
    const world::ServerGroupConfig g = w.config().server_groups[0];
    for (int i = 0; i < 2; ++i) {
      stack.world->until(sim::Duration::seconds(10 * (i + 1)));
      EXPECT_TRUE(w.create_server_group(g).ok());
    }
    EXPECT_TRUE(w.resize(*w.find_server_group("shop-prod-v000"), {1, 4, 6}).ok());
    EXPECT_TRUE(w.resize(*w.find_server_group("shop-prod-v001"), {3, 3, 5}).ok());
    stack.world->until(sim::Duration::minutes(2));
  }
  world::Capacity capacity(const char* name) {
    return stack.world->world->server_group(*stack.world->world->find_server_group(name)).capacity;
  }
  Status run(const std::string& stage_fields) {
    const PipelineConfig p = stack.load(R"({"application": "shop", "name": "p", "stages": [
      {"refId": "1", "name": "stage", "cluster": "shop-prod", "regions": ["us-east-1"], )" + stage_fields + "}]}");
    Execution e("e", p, Json::object(), stack.registry, stack.world->loop, stack.provider(), hooks, nullptr);
    stack.run(e);
    message = e.find_stage("stage")->message;
    return e.status();
  }
};

std::string capacity_text(const world::Capacity& c) {
  return std::to_string(c.min) + "/" + std::to_string(c.desired) + "/" + std::to_string(c.max);
}

TEST(ResizeActions, MatchOrcasFormulas) {
  struct Case {
    const char* what;
    std::string fields;
    const char* expected;  // min/desired/max of shop-prod-v002 afterwards
  };
  const std::string resize = R"("type": "resizeServerGroup", "target": "current_asg_dynamic", )";
  const std::vector<Case> cases = {
      // Largest fields of the cluster: {3, 4, 6}; +50% of 4 is 2, capped by max 6.
      {"scale_to_cluster by percent", resize + R"("action": "scale_to_cluster", "scalePct": 50)", "3/6/6"},
      {"scale_to_cluster by number", resize + R"("action": "scale_to_cluster", "scaleNum": 1)", "3/5/6"},
      {"scale_to_cluster by number, capped at max", resize + R"("action": "scale_to_cluster", "scaleNum": 5)", "3/6/6"},
      {"scale_to_cluster alone", resize + R"("action": "scale_to_cluster")", "3/4/6"},
      // Source {3, 3, 5}: 50% -> ceil(1.5) = 2, min widened down to 2, max stays 5.
      {"scale_to_server_group 50%",
       resize + R"("action": "scale_to_server_group", "scalePct": 50, "source": {"serverGroupName": "shop-prod-v001"})", "2/2/5"},
      {"scale_to_server_group 50% pinned",
       resize + R"("action": "scale_to_server_group", "scalePct": 50, "pinCapacity": true, "source": {"serverGroupName": "shop-prod-v001"})",
       "2/2/2"},
      // 200% -> 6: max widened up to 6; pinning the minimum raises min to 6.
      {"scale_to_server_group 200% pinned minimum",
       resize + R"("action": "scale_to_server_group", "scalePct": 200, "pinMinimumCapacity": true, "source": {"asgName": "shop-prod-v001"})",
       "6/6/6"},
      {"scale_to_server_group without a percent copies the source",
       resize + R"("action": "scale_to_server_group", "source": {"serverGroupName": "shop-prod-v000"})", "1/4/6"},
      {"scale_exact with a pinned minimum", resize + R"("action": "scale_exact", "capacity": {"desired": 4, "max": 5}, "pinMinimumCapacity": true)",
       "4/4/5"},
      {"scale_exact unpinning from originalCapacity",
       resize + R"("action": "scale_exact", "capacity": {"desired": 3, "max": 4}, "unpinMinimumCapacity": true,
                   "originalCapacity": {"shop-prod-v002": {"min": 1, "desired": 2, "max": 2}})", "1/3/4"},
      {"scale_exact unpinning from savedCapacity",
       resize + R"("action": "scale_exact", "capacity": {"desired": 3, "max": 4}, "unpinMinimumCapacity": true, "savedCapacity": {"min": 0})",
       "0/3/4"},
  };
  for (const Case& c : cases) {
    Cluster cluster;
    EXPECT_EQ(cluster.run(c.fields), Status::kSucceeded) << c.what << ": " << cluster.message;
    EXPECT_EQ(capacity_text(cluster.capacity("shop-prod-v002")), c.expected) << c.what;
  }
}

TEST(ResizeActions, BadActionsFailWithAMessage) {
  Cluster unknown;
  EXPECT_EQ(unknown.run(R"("type": "resizeServerGroup", "action": "scale_sideways")"), Status::kTerminal);
  EXPECT_NE(unknown.message.find("unknown resize action scale_sideways"), std::string::npos) << unknown.message;
  Cluster no_source;
  EXPECT_EQ(no_source.run(R"("type": "resizeServerGroup", "action": "scale_to_server_group", "source": {"serverGroupName": "shop-prod-v042"})"),
            Status::kTerminal);
  EXPECT_NE(no_source.message.find("source.serverGroupName"), std::string::npos) << no_source.message;
}

// A cluster of one group of eight instances, for partial disables.
struct Eight {
  testing::EngineStack stack{world::testing::queueing_world(8, 4, 10, sim::Duration::millis(20), world::Algorithm::kRoundRobin), 4};
  ExecutionHooks hooks;
  Eight() { stack.world->until(sim::Duration::minutes(1)); }
  std::unique_ptr<Execution> run(const std::string& stages) {
    pipelines.push_back(stack.load(R"({"application": "shop", "name": "p", "stages": [)" + stages + "]}"));
    auto e = std::make_unique<Execution>("e", pipelines.back(), Json::object(), stack.registry, stack.world->loop,
                                         stack.provider(), hooks, nullptr);
    stack.run(*e);
    return e;
  }
  std::vector<std::string> out_of_service() {
    const world::World& w = *stack.world->world;
    std::vector<std::string> out;
    for (world::InstanceId i : w.server_group(*w.find_server_group("shop-prod-v000")).instances) {
      const world::Instance& inst = w.instance(i);
      if (inst.state == world::InstanceState::kTerminated) continue;
      bool serving = false;
      for (const world::Target& t : inst.targets) serving = serving || t.health == world::TargetHealth::kInService;
      if (!serving) out.push_back(inst.name);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  bool enabled() {
    const world::World& w = *stack.world->world;
    return w.server_group(*w.find_server_group("shop-prod-v000")).enabled;
  }
  std::vector<PipelineConfig> pipelines;
};

std::string disable(const char* ref, const char* percent) {
  return std::string(R"({"refId": ")") + ref + R"(", "type": "disableServerGroup", "name": "disable )" + ref +
         R"(", "cluster": "shop-prod", "regions": ["us-east-1"], "target": "current_asg_dynamic", "desiredPercentage": )" + percent + "}";
}

TEST(PartialDisable, TakesOutCeilOfThePercentageCountingThoseAlreadyOut) {
  Eight t;
  // 30% of 8 -> ceil(2.4) = 3 instances, the first three by name.
  auto first = t.run(disable("1", "30"));
  EXPECT_EQ(first->status(), Status::kSucceeded);
  EXPECT_TRUE(t.enabled()) << "a partial disable leaves the group enabled";
  const std::vector<std::string> three = {"shop-prod-v000-i0", "shop-prod-v000-i1", "shop-prod-v000-i2"};
  EXPECT_EQ(t.out_of_service(), three);
  EXPECT_EQ(first->find_stage("disable 1")->outputs["instanceIdsToDisable"].size(), 3u);
  // 50% -> 4 in all: the three already out count, so one more.
  auto second = t.run(disable("1", "\"50\""));
  EXPECT_EQ(second->status(), Status::kSucceeded);
  EXPECT_EQ(second->find_stage("disable 1")->outputs["instanceIdsToDisable"], Json::array({"shop-prod-v000-i3"}));
  EXPECT_EQ(t.out_of_service().size(), 4u);
  // 100% disables the whole group; enabling it puts every instance back.
  auto all = t.run(disable("1", "100") + R"(, {"refId": "2", "requisiteStageRefIds": ["1"], "type": "enableServerGroup", "name": "enable",
      "cluster": "shop-prod", "regions": ["us-east-1"], "target": "current_asg_dynamic"})");
  EXPECT_EQ(all->status(), Status::kSucceeded) << all->find_stage("enable")->message;
  EXPECT_TRUE(t.enabled());
  EXPECT_TRUE(t.out_of_service().empty());
}

}  // namespace
}  // namespace deploysim::strategies
