// The deploy strategy library scenarios, asserted from their traces: after every step of the
// strategy, each group's capacity, whether it is enabled, and how many of its instances are in
// service behind shop-web, against the sequences Orca's strategies give (worked by hand from
// spinnaker-semantics.md §4 for six instances); the automatic rollback of §4.6; and the negative
// scenario that proves the healthy-capacity checker trips.
#include <gtest/gtest.h>

#include <map>

#include "tests/scenarios/library_run.h"

namespace deploysim::scenarios {
namespace {

using testing::LibraryRun;
using testing::run_library;
using Steps = std::vector<std::string>;

// Folds the trace into the cluster's state and snapshots it whenever a synthetic stage succeeds.
Steps steps_of(const LibraryRun& r) {
  struct Group {
    std::string capacity;
    bool enabled = true;
    bool destroying = false;
  };
  std::map<std::string, Group> groups;
  std::map<std::string, std::string> serving;  // instance -> group
  Steps steps;
  for (const trace::Event& e : r.events) {
    if (e.has_server_group()) {
      const auto& g = e.server_group();
      Group& s = groups[g.server_group()];
      s.capacity = std::to_string(g.min()) + "/" + std::to_string(g.desired()) + "/" + std::to_string(g.max());
      s.enabled = g.enabled();
      s.destroying = s.destroying || g.action() == "destroying";
    }
    if (e.has_target()) {
      if (e.target().health() == "in_service") serving[e.target().instance()] = e.target().server_group();
      else serving.erase(e.target().instance());
    }
    if (e.has_stage() && e.stage().synthetic() && e.stage().status() == "SUCCEEDED" && e.stage().type() != "createServerGroup") {
      std::string line = e.stage().name() + ":";
      for (const auto& [name, g] : groups) {
        int n = 0;
        for (const auto& [instance, group] : serving) n += group == name ? 1 : 0;
        line += " " + name.substr(name.size() - 4) + " " + (g.destroying ? "destroyed" : g.capacity + (g.enabled ? " on" : " off") +
                                                                                            " lb=" + std::to_string(n));
      }
      steps.push_back(line);
    }
  }
  return steps;
}

void expect_checks_pass(const LibraryRun& r) {
  for (const auto& c : r.summary.checks) {
    EXPECT_TRUE(c.passed()) << c.name << (c.violations.empty() ? "" : ": " + c.violations.front().what);
  }
}

TEST(StrategyScenarios, NoStrategyServesBothVersions) {
  const LibraryRun r = run_library("strategy-none");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.execution_status(), "SUCCEEDED");
  EXPECT_TRUE(steps_of(r).empty());
  EXPECT_EQ(r.group_actions("shop-web-v001").front(), "created");
  expect_checks_pass(r);
}

TEST(StrategyScenarios, RedBlackSwitchesOnceTheNewGroupIsHealthy) {
  const LibraryRun r = run_library("strategy-redblack");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.execution_status(), "SUCCEEDED");
  EXPECT_EQ(steps_of(r), (Steps{
                             "shrinkCluster: v000 6/6/6 on lb=6 v001 6/6/6 on lb=6",
                             "disableCluster: v000 6/6/6 off lb=0 v001 6/6/6 on lb=6",
                             "scaleDown: v000 0/0/0 off lb=0 v001 6/6/6 on lb=6",
                         }));
  expect_checks_pass(r);
}

TEST(StrategyScenarios, RollingRedBlackMovesTrafficInSteps) {
  const LibraryRun r = run_library("strategy-rollingredblack");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.execution_status(), "SUCCEEDED");
  // Steps of 25%, 50%, 100% of six: the new group at ceil(1.5) = 2, 3, 6 instances; after each,
  // as many of the old group's six leave the load balancer.
  EXPECT_EQ(steps_of(r), (Steps{
                             "Pin shop-web-v000: v000 6/6/6 on lb=6 v001 0/0/0 on lb=0",
                             "Grow to 25% of Desired Size: v000 6/6/6 on lb=6 v001 2/2/2 on lb=2",
                             "Disable 25% of Traffic on shop-web-v000: v000 6/6/6 on lb=4 v001 2/2/2 on lb=2",
                             "Grow to 50% of Desired Size: v000 6/6/6 on lb=4 v001 3/3/3 on lb=3",
                             "Disable 50% of Traffic on shop-web-v000: v000 6/6/6 on lb=3 v001 3/3/3 on lb=3",
                             "Grow to 100% of Desired Size: v000 6/6/6 on lb=3 v001 6/6/6 on lb=6",
                             "Disable 100% of Traffic on shop-web-v000: v000 6/6/6 off lb=0 v001 6/6/6 on lb=6",
                             "Unpin shop-web-v000: v000 6/6/6 off lb=0 v001 6/6/6 on lb=6",
                         }));
  expect_checks_pass(r);
}

TEST(StrategyScenarios, HighlanderDestroysTheOldGroup) {
  const LibraryRun r = run_library("strategy-highlander");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.execution_status(), "SUCCEEDED");
  EXPECT_EQ(steps_of(r), (Steps{
                             "disableCluster: v000 6/6/6 off lb=0 v001 6/6/6 on lb=6",
                             "shrinkCluster: v000 destroyed v001 6/6/6 on lb=6",
                         }));
  expect_checks_pass(r);
}

TEST(StrategyScenarios, AnUnhealthyCandidateIsRolledBackOnlyWhenAskedTo) {
  const LibraryRun rolled = run_library("unhealthy-candidate-rollback");
  ASSERT_TRUE(rolled.ok);
  EXPECT_EQ(rolled.execution_status(), "TERMINAL");
  EXPECT_EQ(steps_of(rolled), (Steps{"Rollback shop-web: v000 6/6/6 on lb=6 v001 6/6/6 off lb=0"}));
  bool recorded = false;
  for (const trace::Event& e : rolled.events) {
    if (e.has_rollback()) {
      recorded = true;
      EXPECT_EQ(e.rollback().rolled_back(), "shop-web-v001");
      EXPECT_EQ(e.rollback().restored(), "shop-web-v000");
    }
  }
  EXPECT_TRUE(recorded) << "the rollback's choice is in the trace";
  expect_checks_pass(rolled);

  const LibraryRun left = run_library("unhealthy-candidate-no-rollback");
  ASSERT_TRUE(left.ok);
  EXPECT_EQ(left.execution_status(), "TERMINAL");
  EXPECT_TRUE(steps_of(left).empty()) << "no rollback stage runs";
  const std::vector<std::string> actions = left.group_actions("shop-web-v001");
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "disabled"), 0) << "the new group is left enabled";
  expect_checks_pass(left);
}

TEST(StrategyScenarios, TheCapacityCheckerCatchesARedBlackThatDisablesTooEarly) {
  const LibraryRun r = run_library("broken-redblack-negative");
  ASSERT_TRUE(r.ok);
  const auto check = std::find_if(r.summary.checks.begin(), r.summary.checks.end(),
                                  [](const auto& c) { return c.name == "healthy-capacity"; });
  ASSERT_NE(check, r.summary.checks.end());
  ASSERT_FALSE(check->violations.empty()) << "the checker must trip";
  EXPECT_NE(check->violations.front().what.find("0 instances in service, below the floor of 6"), std::string::npos)
      << check->violations.front().what;
  EXPECT_TRUE(check->passed()) << "expected by the scenario";
  EXPECT_TRUE(r.summary.checks_passed());
  // The real red/black strategy over the same world never drops below the floor.
  const LibraryRun good = run_library("strategy-redblack");
  ASSERT_TRUE(good.ok);
  for (const auto& c : good.summary.checks) EXPECT_TRUE(c.violations.empty()) << c.name;
}

TEST(StrategyScenarios, AnExpectedViolationThatNeverComesFailsTheRun) {
  const LibraryRun r = run_library("strategy-redblack", [](nlohmann::json& j) {
    j["checks"]["expect_violations"] = {"healthy-capacity"};
  });
  ASSERT_TRUE(r.ok);
  EXPECT_FALSE(r.summary.checks_passed());
}

}  // namespace
}  // namespace deploysim::scenarios
