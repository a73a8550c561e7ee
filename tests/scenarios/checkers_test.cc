// Each invariant checker on small hand-written event streams: one that keeps the invariant and
// one that breaks it, so every checker is shown to be able to fail.
#include "scenarios/checkers.h"

#include <gtest/gtest.h>

namespace deploysim::scenarios {
namespace {

trace::Event at(int seconds) {
  trace::Event e;
  e.set_time_us(int64_t{seconds} * 1000000);
  return e;
}

trace::Event target(int seconds, const std::string& instance, const std::string& group, const std::string& health) {
  trace::Event e = at(seconds);
  e.mutable_target()->set_load_balancer("web");
  e.mutable_target()->set_instance(instance);
  e.mutable_target()->set_server_group(group);
  e.mutable_target()->set_health(health);
  return e;
}

trace::Event group(int seconds, const std::string& name, const std::string& action, const std::string& version = "") {
  trace::Event e = at(seconds);
  e.mutable_server_group()->set_server_group(name);
  e.mutable_server_group()->set_action(action);
  e.mutable_server_group()->set_version(version);
  return e;
}

trace::Event stage(int seconds, const std::string& id, const std::string& status) {
  trace::Event e = at(seconds);
  e.mutable_stage()->set_execution("e1");
  e.mutable_stage()->set_stage_id(id);
  e.mutable_stage()->set_status(status);
  return e;
}

trace::Event rollback(int seconds, const std::string& from, const std::string& to) {
  trace::Event e = at(seconds);
  e.mutable_rollback()->set_execution("e1");
  e.mutable_rollback()->set_stage_id("r");
  e.mutable_rollback()->set_rolled_back(from);
  e.mutable_rollback()->set_restored(to);
  return e;
}

trace::Event execution(int seconds, const std::string& status) {
  trace::Event e = at(seconds);
  e.mutable_execution()->set_execution("e1");
  e.mutable_execution()->set_pipeline("ship");
  e.mutable_execution()->set_status(status);
  return e;
}

std::vector<Violation> run(const char* checker, const std::vector<trace::Event>& events, int floor = 2) {
  CheckOptions options;
  options.healthy_floor = floor;
  for (const auto& c : make_checkers(options)) {
    if (std::string(c->name()) != checker) continue;
    for (const trace::Event& e : events) c->observe(e);
    c->finish(sim::TimePoint::from_micros(3600000000));
    return c->violations();
  }
  ADD_FAILURE() << "no checker " << checker;
  return {};
}

TEST(Checkers, HealthyCapacityCountsTheStateAfterEachMoment) {
  const std::vector<trace::Event> base = {target(0, "a", "g0", "in_service"), target(0, "b", "g0", "in_service")};
  // A swap within one moment (one out, one in at the same time) never dips below the floor.
  std::vector<trace::Event> swap = base;
  swap.push_back(target(60, "a", "g0", "draining"));
  swap.push_back(target(60, "c", "g1", "in_service"));
  EXPECT_TRUE(run("healthy-capacity", swap).empty());
  // One leaving for ten seconds does.
  std::vector<trace::Event> dip = base;
  dip.push_back(target(60, "a", "g0", "draining"));
  dip.push_back(target(70, "c", "g1", "in_service"));
  const std::vector<Violation> v = run("healthy-capacity", dip);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].at, sim::TimePoint::from_micros(60000000));
  EXPECT_EQ(v[0].what, "web: 1 instance in service, below the floor of 2");
  // Before the floor is first reached (a cold start) nothing counts; a floor of 0 never trips.
  EXPECT_TRUE(run("healthy-capacity", {target(0, "a", "g0", "in_service")}).empty());
  EXPECT_TRUE(run("healthy-capacity", dip, 0).empty());
}

TEST(Checkers, RollbackRestoresWantsOnlyTheRestoredVersionServing) {
  const std::vector<trace::Event> base = {group(0, "shop-v000", "created", "v1"), group(0, "shop-v001", "created", "v2"),
                                          target(0, "a", "shop-v000", "in_service"), target(0, "b", "shop-v001", "in_service"),
                                          rollback(100, "shop-v001", "shop-v000")};
  std::vector<trace::Event> clean = base;
  clean.push_back(target(110, "b", "shop-v001", "draining"));
  clean.push_back(stage(120, "r", "SUCCEEDED"));
  EXPECT_TRUE(run("rollback-restores", clean).empty());
  std::vector<trace::Event> still = base;
  still.push_back(stage(120, "r", "SUCCEEDED"));
  const std::vector<Violation> v = run("rollback-restores", still);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].what, "after rolling back to shop-v000 (v1), b of shop-v001 (v2) is still in service behind web");
  std::vector<trace::Event> nothing = {group(0, "shop-v000", "created", "v1"), group(0, "shop-v001", "created", "v2"),
                                       target(0, "b", "shop-v001", "in_service"), rollback(100, "shop-v001", "shop-v000"),
                                       target(110, "b", "shop-v001", "draining"), stage(120, "r", "SUCCEEDED")};
  // Another cluster behind the same load balancer (a canary's baseline) is not this rollback's.
  std::vector<trace::Event> other = clean;
  other.insert(other.begin(), group(0, "shop-baseline-v000", "created", "v9"));
  other.insert(other.begin() + 1, target(0, "z", "shop-baseline-v000", "in_service"));
  EXPECT_TRUE(run("rollback-restores", other).empty());
  ASSERT_EQ(run("rollback-restores", nothing).size(), 1u);
  EXPECT_EQ(run("rollback-restores", nothing)[0].what, "after rolling back shop-v001, the restored shop-v000 has no instance in service");
}

TEST(Checkers, NoDestroyWhileServing) {
  EXPECT_TRUE(run("no-destroy-serving", {target(0, "a", "g0", "in_service"), target(10, "a", "g0", "draining"),
                                         group(20, "g0", "destroying")})
                  .empty());
  const std::vector<Violation> v =
      run("no-destroy-serving", {target(0, "a", "g0", "in_service"), group(20, "g0", "destroying")});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].what, "g0 destroyed with 1 instance in service");
}

TEST(Checkers, PipelinesFinish) {
  EXPECT_TRUE(run("pipelines-finish", {execution(0, "RUNNING"), execution(10, "TERMINAL")}).empty());
  const std::vector<Violation> v = run("pipelines-finish", {execution(0, "RUNNING")});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].what, "e1 (ship) is still RUNNING when the scenario ends");
}

}  // namespace
}  // namespace deploysim::scenarios

namespace deploysim::scenarios {
namespace {

// A load balancer only test traffic reaches (a blue-green preview) may empty; one users reach may not.
TEST(Checkers, HealthyCapacityWatchesTheLoadBalancersUsersReach) {
  std::vector<trace::Event> events = {target(0, "a", "g0", "in_service"), target(0, "b", "g0", "in_service")};
  trace::Event preview = target(0, "p", "g1", "in_service");
  preview.mutable_target()->set_load_balancer("preview");
  events.push_back(preview);
  trace::Event gone = target(60, "p", "g1", "draining");
  gone.mutable_target()->set_load_balancer("preview");
  events.push_back(gone);
  const auto violations = [&](std::set<std::string> watched) {
    for (const auto& c : make_checkers(CheckOptions{1, std::move(watched)})) {
      if (std::string(c->name()) != "healthy-capacity") continue;
      for (const trace::Event& e : events) c->observe(e);
      c->finish(sim::TimePoint::from_micros(3600000000));
      return c->violations().size();
    }
    return size_t{99};
  };
  EXPECT_EQ(violations({"web"}), 0u);
  EXPECT_EQ(violations({}), 1u);  // no traffic in the scenario: every balancer is watched
  EXPECT_EQ(violations({"web", "preview"}), 1u);
}

}  // namespace
}  // namespace deploysim::scenarios
