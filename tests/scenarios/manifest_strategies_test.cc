// deployManifest's rollout strategies against their server-group counterparts: the same world
// (one balancer, web-v000 of three instances serving), deployed once through a ReplicaSet with
// traffic management and once through a deploy stage with the same strategy, must show the load
// balancer the same membership sequence: which server group joins and leaves, in which order.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/scenarios/library_run.h"

namespace deploysim::scenarios {
namespace {

using nlohmann::json;
using testing::LibraryRun;
using testing::run_library;

// "+group" when the group's first instance comes in service at the balancer, "-group" when its
// last one leaves it (drains, is deregistered, or dies).
std::vector<std::string> membership(const LibraryRun& run) {
  std::map<std::string, std::string> health;   // instance -> health at the balancer
  std::map<std::string, std::string> group_of;
  std::map<std::string, int> serving;          // group -> instances in service
  std::vector<std::string> out;
  const auto set = [&](const std::string& instance, const std::string& next) {
    const std::string group = group_of[instance];
    const bool was = health[instance] == "in_service";
    const bool is = next == "in_service";
    health[instance] = next;
    if (was == is) return;
    const int before = serving[group];
    serving[group] += is ? 1 : -1;
    if (before == 0 && serving[group] == 1) out.push_back("+" + group);
    if (before == 1 && serving[group] == 0) out.push_back("-" + group);
  };
  for (const trace::Event& e : run.events) {
    if (e.has_target()) {
      group_of[e.target().instance()] = e.target().server_group();
      set(e.target().instance(), e.target().health());
    } else if (e.has_instance() && e.instance().state() == "terminated" && group_of.count(e.instance().instance())) {
      set(e.instance().instance(), "gone");
    }
  }
  return out;
}

// The same scenario with the Kubernetes objects replaced by a running server group, and the
// pipeline by one deploy stage with `strategy`.
void as_server_groups(json& s, const std::string& strategy) {
  s.erase("kubernetes");
  s["server_groups"] = json::array({json{{"application", "web"}, {"region", "prod"}, {"version", "web-v1"},
                                         {"capacity", {{"min", 3}, {"desired", 3}, {"max", 3}}},
                                         {"load_balancers", json::array({"web"})}}});
  json cluster = {{"application", "web"}, {"region", "prod"}, {"strategy", strategy}, {"artifact", "web-v2"},
                  {"capacity", {{"min", 3}, {"desired", 3}, {"max", 3}}}, {"loadBalancers", json::array({"web"})},
                  {"cloudProvider", "aws"}, {"account", "prod"}};
  s["pipeline"] = {{"application", "web"}, {"name", "deploy web"},
                   {"stages", json::array({json{{"refId", "1"}, {"type", "deploy"}, {"name", "Deploy web"},
                                                {"clusters", json::array({cluster})}}})}};
}

TEST(ManifestStrategies, RedBlackMatchesTheServerGroupRedBlack) {
  const LibraryRun manifest = run_library("kubernetes-redblack");
  const LibraryRun groups = run_library("kubernetes-redblack", [](json& s) { as_server_groups(s, "redblack"); });
  ASSERT_TRUE(manifest.ok && groups.ok);
  EXPECT_EQ(manifest.execution_status(), "SUCCEEDED");
  EXPECT_EQ(groups.execution_status(), "SUCCEEDED");
  const std::vector<std::string> expected = {"+web-v000", "+web-v001", "-web-v000"};
  EXPECT_EQ(membership(manifest), expected);
  EXPECT_EQ(membership(groups), expected);
  // Disabled, not destroyed: the old pods keep running out of the Service.
  EXPECT_EQ(manifest.group_actions("web-v000").back(), "load balancers changed");
  EXPECT_EQ(manifest.stage_status("Disable replicaSet web-v000"), "SUCCEEDED");
}

TEST(ManifestStrategies, HighlanderMatchesTheServerGroupHighlander) {
  const LibraryRun manifest = run_library("kubernetes-highlander");
  const LibraryRun groups = run_library("kubernetes-highlander", [](json& s) { as_server_groups(s, "highlander"); });
  ASSERT_TRUE(manifest.ok && groups.ok);
  const std::vector<std::string> expected = {"+web-v000", "+web-v001", "-web-v000"};
  EXPECT_EQ(membership(manifest), expected);
  EXPECT_EQ(membership(groups), expected);
  // Both destroy the old group after taking it out.
  EXPECT_EQ(manifest.group_actions("web-v000").back(), "destroying");
  EXPECT_EQ(groups.group_actions("web-v000").back(), "destroying");
  EXPECT_EQ(manifest.stage_status("Delete replicaSet web-v000"), "SUCCEEDED");
}

TEST(ManifestStrategies, NoStrategyLeavesTheOldVersionServing) {
  const LibraryRun run = run_library("kubernetes-redblack", [](json& s) {
    s["pipeline"]["stages"][0]["trafficManagement"]["options"]["strategy"] = "none";
  });
  ASSERT_TRUE(run.ok);
  EXPECT_EQ(membership(run), (std::vector<std::string>{"+web-v000", "+web-v001"}));
}

TEST(ManifestStrategies, WithoutEnableTrafficTheNewVersionStartsDark) {
  const LibraryRun run = run_library("kubernetes-redblack", [](json& s) {
    s["pipeline"]["stages"][0]["trafficManagement"]["options"]["enableTraffic"] = false;
    s["pipeline"]["stages"][0]["trafficManagement"]["options"]["strategy"] = "none";
  });
  ASSERT_TRUE(run.ok);
  EXPECT_EQ(membership(run), (std::vector<std::string>{"+web-v000"})) << "annotated, but not labelled: no traffic";
}

TEST(ManifestStrategies, RedBlackRefusesAVersionHistoryBelowTwo) {
  const LibraryRun run = run_library("kubernetes-redblack", [](json& s) {
    s["pipeline"]["stages"][0]["manifests"][0]["metadata"]["annotations"]["strategy.spinnaker.io/max-version-history"] = "1";
  });
  ASSERT_TRUE(run.ok);
  EXPECT_EQ(run.stage_status("Deploy web"), "TERMINAL");
  EXPECT_EQ(membership(run), (std::vector<std::string>{"+web-v000"}));
}

}  // namespace
}  // namespace deploysim::scenarios
