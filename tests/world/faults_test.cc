// Each kind of fault does to the world what the real failure does, at its time, and random faults
// arrive at their configured rate.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/world/world_test_util.h"

namespace deploysim::world {
namespace {

using testing::queueing_world;
using testing::WorldRun;

sim::TimePoint at_min(int m) { return sim::TimePoint::start() + sim::Duration::minutes(m); }

WorldConfig base(int instances = 10, double rate = 50) {
  WorldConfig c = queueing_world(instances, 4, rate, sim::Duration::millis(20), Algorithm::kRoundRobin);
  c.replace_after = sim::Duration::hours(10);  // keep crashed instances dead for counting
  return c;
}

FaultConfig fault(FaultConfig::Kind kind, int at_minute) {
  FaultConfig f;
  f.kind = kind;
  f.at = at_min(at_minute);
  f.server_group = "shop-prod-v000";
  return f;
}

int terminated(const WorldRun& run) {
  int n = 0;
  for (InstanceId i : run.group().instances) n += run.world->instance(i).state == InstanceState::kTerminated;
  return n;
}

TEST(Faults, CrashByCountAndByPercent) {
  WorldConfig c = base(10);
  c.faults.push_back(fault(FaultConfig::Kind::kCrash, 2));
  c.faults.back().count = 3;
  c.faults.push_back(fault(FaultConfig::Kind::kCrash, 4));
  c.faults.back().percent = 50;  // of the 7 still serving: ceil(3.5) = 4
  WorldRun run(c, 1);
  run.until(sim::Duration::minutes(3));
  EXPECT_EQ(terminated(run), 3);
  EXPECT_EQ(run.world->totals().crashes, 3u);
  run.until(sim::Duration::minutes(5));
  EXPECT_EQ(terminated(run), 7);
}

TEST(Faults, CrashedInstancesAreReplaced) {
  WorldConfig c = base(4);
  c.replace_after = sim::Duration::seconds(30);
  c.faults.push_back(fault(FaultConfig::Kind::kCrash, 1));
  c.faults.back().count = 2;
  WorldRun run(c, 2);
  run.until(sim::Duration::minutes(10));
  int running = 0;
  for (InstanceId i : run.group().instances) running += run.world->instance(i).state == InstanceState::kRunning;
  EXPECT_EQ(running, 4);
  EXPECT_EQ(run.group().instances.size(), 6u);
}

TEST(Faults, ZoneOutageTimesRequestsOutUntilHealthChecksReact) {
  WorldConfig c = base(6, 60);
  c.load_balancers[0].request_timeout = sim::Duration::seconds(5);
  FaultConfig f = fault(FaultConfig::Kind::kZoneOutage, 2);
  f.zone = "us-east-1b";
  f.duration = sim::Duration::minutes(3);
  c.faults.push_back(f);
  WorldRun run(c, 3);
  run.until(sim::Duration::minutes(10));
  const IntervalStats during = run.client().window(at_min(2), at_min(3));
  const IntervalStats after = run.client().window(at_min(7), at_min(10));
  EXPECT_GT(during.outcomes[static_cast<size_t>(Outcome::kTimeout)], 0u);
  EXPECT_EQ(during.outcomes[static_cast<size_t>(Outcome::kRefused)], 0u);
  EXPECT_EQ(after.errors(), 0u) << "the zone's instances came back in service";
  // Timeouts last the request timeout.
  EXPECT_GE(during.latency.quantile(0.999), sim::Duration::millis(4500));
}

TEST(Faults, HealthFlappingTakesTargetsInAndOut) {
  WorldConfig c = base(3, 10);
  c.load_balancers[0].health_check.healthy_threshold = 2;
  FaultConfig f = fault(FaultConfig::Kind::kHealthFlapping, 1);
  f.period = sim::Duration::seconds(40);
  f.duration = sim::Duration::minutes(5);
  c.faults.push_back(f);
  WorldRun run(c, 4);
  run.until(sim::Duration::minutes(1));
  const uint64_t before = run.world->totals().health_transitions;
  run.until(sim::Duration::minutes(6));
  const uint64_t during = run.world->totals().health_transitions - before;
  EXPECT_GT(during, 3u * 6) << "each target goes out and back in several times";
  run.until(sim::Duration::minutes(8));
  const uint64_t settled = run.world->totals().health_transitions;
  run.until(sim::Duration::minutes(20));
  EXPECT_EQ(run.world->totals().health_transitions, settled) << "stable again after the fault";
}

TEST(Faults, SlowBootMultipliesBootTime) {
  const auto boot_seconds = [](double factor) {
    WorldConfig c = base(1, 0);
    c.versions[0].boot_time = Distribution::constant(sim::Duration::seconds(40));
    c.launch_delay = sim::Duration::zero();
    if (factor != 1) {
      FaultConfig f = fault(FaultConfig::Kind::kSlowBoot, 0);
      f.factor = factor;
      c.faults.push_back(f);
    }
    WorldRun run(c, 5);
    run.until(sim::Duration::seconds(1));
    EXPECT_TRUE(run.world->resize(static_cast<ServerGroupId>(0), {2, 2, 2}).ok());
    const InstanceId fresh = run.group().instances[1];
    while (run.world->instance(fresh).state != InstanceState::kRunning) run.loop.step();
    return (run.loop.now() - sim::TimePoint::start()).to_seconds() - 1;
  };
  EXPECT_DOUBLE_EQ(boot_seconds(1), 40);
  EXPECT_DOUBLE_EQ(boot_seconds(3), 120);
}

TEST(Faults, MetricGapLeavesIntervalsWithoutData) {
  WorldConfig c = base(2, 20);
  FaultConfig f = fault(FaultConfig::Kind::kMetricGap, 2);
  f.duration = sim::Duration::minutes(1);
  c.faults.push_back(f);
  WorldRun run(c, 6);
  run.until(sim::Duration::minutes(5));
  const MetricSeries& m = run.group().metrics;
  EXPECT_EQ(m.window(at_min(2), at_min(3)).requests(), 0u);
  EXPECT_GT(m.window(at_min(3), at_min(4)).requests(), 0u);
  EXPECT_FALSE(m.has_data(12));  // 2:00-2:10
  EXPECT_TRUE(m.has_data(18));   // 3:00-3:10
  EXPECT_GT(run.client().window(at_min(2), at_min(3)).requests(), 0u) << "only the group's metrics";
}

TEST(Faults, VersionChangeAltersBehaviourFromItsTime) {
  WorldConfig c = base(2, 50);
  FaultConfig f = fault(FaultConfig::Kind::kVersionChange, 5);
  f.version = "v1";
  f.error_probability = 0.3;
  c.faults.push_back(f);
  WorldRun run(c, 7);
  run.until(sim::Duration::minutes(10));
  const IntervalStats before = run.group().metrics.window(at_min(0), at_min(5));
  const IntervalStats after = run.group().metrics.window(at_min(5), at_min(10));
  EXPECT_EQ(before.errors(), 0u);
  const double rate = double(after.errors()) / double(after.requests());
  EXPECT_NEAR(rate, 0.3, 4 * std::sqrt(0.3 * 0.7 / double(after.requests())));
}

TEST(Faults, RandomFaultsArriveAtTheirRate) {
  // 30 crashes an hour over 10 hours: Poisson with mean 300.
  WorldConfig c = base(50, 0);
  c.replace_after = sim::Duration::seconds(10);
  FaultConfig f = fault(FaultConfig::Kind::kCrash, 0);
  f.rate_per_hour = 30;
  f.count = 1;
  c.faults.push_back(f);
  WorldRun run(c, 8);
  run.until(sim::Duration::hours(10));
  EXPECT_NEAR(double(run.world->totals().crashes), 300, 4 * std::sqrt(300.0));
}

TEST(ErrorModels, StepRampAndLoad) {
  ErrorModel step;
  step.kind = ErrorModel::Kind::kStep;
  step.probability = 0.01;
  step.probability_after = 0.5;
  step.at = at_min(10);
  EXPECT_DOUBLE_EQ(step.at_time(at_min(9), 0), 0.01);
  EXPECT_DOUBLE_EQ(step.at_time(at_min(10), 0), 0.5);
  ErrorModel ramp;
  ramp.kind = ErrorModel::Kind::kRamp;
  ramp.probability = 0;
  ramp.probability_after = 0.4;
  ramp.at = at_min(10);
  ramp.until = at_min(20);
  EXPECT_DOUBLE_EQ(ramp.at_time(at_min(15), 0), 0.2);
  EXPECT_DOUBLE_EQ(ramp.at_time(at_min(30), 0), 0.4);
  ErrorModel load;
  load.kind = ErrorModel::Kind::kLoad;
  load.probability = 0.01;
  load.load_knee = 10;
  load.per_request_above_knee = 0.1;
  EXPECT_DOUBLE_EQ(load.at_time(at_min(0), 10), 0.01);
  EXPECT_DOUBLE_EQ(load.at_time(at_min(0), 13), 0.31);
  EXPECT_DOUBLE_EQ(load.at_time(at_min(0), 100), 1.0);
}

TEST(ErrorModels, LoadDependentErrorsAppearOnlyUnderLoad) {
  const auto error_rate = [](double rate) {
    WorldConfig c = base(1, rate);
    c.versions[0].workers = 4;
    c.versions[0].service_time = Distribution::exponential(100'000);  // 100 ms
    c.versions[0].errors.kind = ErrorModel::Kind::kLoad;
    c.versions[0].errors.load_knee = 4;
    c.versions[0].errors.per_request_above_knee = 0.05;
    WorldRun run(c, 9);
    run.until(sim::Duration::minutes(20));
    const IntervalStats s = run.group().metrics.total();
    return double(s.errors()) / double(s.requests());
  };
  EXPECT_LT(error_rate(5), 0.01);   // utilisation 0.125: rarely above 4 in flight
  EXPECT_GT(error_rate(36), 0.05);  // utilisation 0.9: often queued
}

}  // namespace
}  // namespace deploysim::world
