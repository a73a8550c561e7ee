// Health checks and draining: how long a load balancer keeps sending requests to a dead instance
// (the window the thresholds imply), how many requests that loses, and that draining loses none.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/world/world_test_util.h"

namespace deploysim::world {
namespace {

using testing::queueing_world;
using testing::WorldRun;

const Target* target_of(const World& world, InstanceId id) {
  const Instance& inst = world.instance(id);
  return inst.targets.empty() ? nullptr : &inst.targets.front();
}

TEST(HealthChecks, ACrashIsDetectedWithinTheWindowTheThresholdsImply) {
  const sim::Duration interval = sim::Duration::seconds(10);
  const int unhealthy_threshold = 3;
  const int k = 4;
  const double rate = 40;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    WorldConfig config =
        queueing_world(k, 4, rate, sim::Duration::millis(20), Algorithm::kRoundRobin);
    config.load_balancers[0].health_check.interval = interval;
    config.load_balancers[0].health_check.unhealthy_threshold = unhealthy_threshold;
    config.replace_after = sim::Duration::hours(1);  // keep the dead instance registered
    WorldRun run(config, seed);
    run.until(sim::Duration::minutes(5) + sim::Duration::millis(static_cast<int64_t>(seed) * 317));
    const InstanceId victim = run.group().instances[1];
    const sim::TimePoint crashed_at = run.loop.now();
    run.world->crash(victim, "test");
    // Step event by event until the load balancer takes it out of service.
    while (target_of(*run.world, victim)->health == TargetHealth::kInService) run.loop.step();
    const sim::Duration detection = run.loop.now() - crashed_at;
    // Probes keep their phase; a dead process refuses at once. The first failing probe comes
    // within one interval, and threshold-1 more intervals make it unhealthy.
    EXPECT_GE(detection, (unhealthy_threshold - 1) * interval) << "seed " << seed;
    EXPECT_LT(detection, unhealthy_threshold * interval) << "seed " << seed;

    // Round robin hands the dead instance every k-th request of the window.
    const IntervalStats client = run.client().total();
    const double refused = static_cast<double>(client.outcomes[static_cast<size_t>(Outcome::kRefused)]);
    const double expected = rate / k * detection.to_seconds();
    // Arrivals in the window are Poisson (variance rate * window); a k-th of them, +-1 for where
    // the rotation stood.
    EXPECT_NEAR(refused, expected, 4 * std::sqrt(rate * detection.to_seconds()) / k + 1)
        << "seed " << seed;
    const double reset = static_cast<double>(client.outcomes[static_cast<size_t>(Outcome::kReset)]);
    EXPECT_EQ(client.errors(), refused + reset) << "no other failures";
  }
}

TEST(HealthChecks, AnUnreachableInstanceIsDetectedOneTimeoutLater) {
  WorldConfig config = queueing_world(2, 4, 10, sim::Duration::millis(20), Algorithm::kRoundRobin);
  config.regions[0].zones = {"us-east-1a"};
  config.load_balancers[0].health_check.interval = sim::Duration::seconds(10);
  config.load_balancers[0].health_check.timeout = sim::Duration::seconds(4);
  config.load_balancers[0].health_check.unhealthy_threshold = 2;
  WorldRun run(config, 3);
  run.until(sim::Duration::minutes(2));
  const sim::TimePoint down_at = run.loop.now();
  run.world->set_zone_down(0, true);
  const InstanceId first = run.group().instances[0];
  while (target_of(*run.world, first)->health == TargetHealth::kInService) run.loop.step();
  const sim::Duration detection = run.loop.now() - down_at;
  EXPECT_GE(detection, sim::Duration::seconds(10 + 4));
  EXPECT_LT(detection, sim::Duration::seconds(20 + 4));
  // Requests sent meanwhile were not refused: they waited out the request timeout.
  const IntervalStats client = run.client().total();
  EXPECT_EQ(client.outcomes[static_cast<size_t>(Outcome::kRefused)], 0u);
}

TEST(HealthChecks, ANewInstanceNeedsHealthyThresholdPassesBeforeTraffic) {
  WorldConfig config = queueing_world(1, 4, 10, sim::Duration::millis(20), Algorithm::kRoundRobin);
  config.load_balancers[0].health_check.interval = sim::Duration::seconds(10);
  config.load_balancers[0].health_check.healthy_threshold = 5;
  config.versions[0].boot_time = Distribution::constant(sim::Duration::seconds(40));
  config.launch_delay = sim::Duration::seconds(5);
  WorldRun run(config, 4);
  run.until(sim::Duration::minutes(1));
  ASSERT_TRUE(run.world->resize(static_cast<ServerGroupId>(0), {2, 2, 2}).ok());
  const InstanceId fresh = run.group().instances[1];
  const sim::TimePoint resized_at = run.loop.now();
  while (target_of(*run.world, fresh) == nullptr ||
         target_of(*run.world, fresh)->health != TargetHealth::kInService) {
    run.loop.step();
  }
  // 5s launch + 40s boot, then 5 passing probes: the first within one interval, four more after.
  const sim::Duration ready = run.loop.now() - resized_at;
  EXPECT_GE(ready, sim::Duration::seconds(45 + 40));
  EXPECT_LT(ready, sim::Duration::seconds(45 + 50));
}

TEST(HealthChecks, AFailingHealthEndpointNeverGetsTraffic) {
  WorldConfig config = queueing_world(2, 4, 10, sim::Duration::millis(20), Algorithm::kRoundRobin);
  VersionProfile broken = config.versions[0];
  broken.name = "broken";
  broken.health.kind = HealthBehaviour::Kind::kFailing;
  config.versions.push_back(broken);
  WorldRun run(config, 5);
  ServerGroupConfig g = config.server_groups[0];
  g.version = "broken";
  g.start_running = false;
  const sim::Result<ServerGroupId> id = run.world->create_server_group(g);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(run.world->server_group(*id).name, "shop-prod-v001");
  run.until(sim::Duration::minutes(20));
  EXPECT_EQ(run.world->server_group(*id).metrics.total().requests(), 0u);
}

TEST(HealthChecks, ASecurityGroupBlockingTheHealthPortKeepsAGroupOutForever) {
  WorldConfig config = queueing_world(2, 4, 10, sim::Duration::millis(20), Algorithm::kRoundRobin);
  WorldRun run(config, 6);
  ServerGroupConfig g = config.server_groups[0];
  g.start_running = false;
  g.security.allowed_ports = {config.load_balancers[0].traffic_port + 1};  // not the health port
  config.load_balancers[0].health_check.port = config.load_balancers[0].traffic_port;
  const sim::Result<ServerGroupId> id = run.world->create_server_group(g);
  ASSERT_TRUE(id.ok());
  run.until(sim::Duration::minutes(30));
  for (InstanceId i : run.world->server_group(*id).instances) {
    EXPECT_EQ(run.world->instance(i).state, InstanceState::kRunning);
    EXPECT_NE(target_of(*run.world, i)->health, TargetHealth::kInService);
  }
  EXPECT_EQ(run.world->server_group(*id).metrics.total().requests(), 0u);
}

// Disables one of two server groups under steady traffic and counts what users lost.
IntervalStats disable_under_load(sim::Duration deregistration_delay) {
  // 15 requests/s of 0.1 s .. 2 s each: about 16 busy workers, of 24 per group.
  WorldConfig config = queueing_world(3, 8, 15, sim::Duration::millis(200), Algorithm::kRoundRobin);
  config.versions[0].service_time = Distribution::uniform(100'000, 2'000'000);
  config.load_balancers[0].deregistration_delay = deregistration_delay;
  config.server_groups.push_back(config.server_groups[0]);  // a second group, v001
  WorldRun run(config, 8);
  run.until(sim::Duration::minutes(5));
  EXPECT_TRUE(run.world->disable(static_cast<ServerGroupId>(0)).ok());
  run.until(sim::Duration::minutes(10));
  EXPECT_EQ(run.group(0).metrics.window(sim::TimePoint::start() + sim::Duration::minutes(6),
                                        sim::TimePoint::start() + sim::Duration::minutes(10))
                .requests(),
            0u)
      << "a disabled group gets no new requests";
  return run.client().total();
}

TEST(Draining, NoRequestIsDroppedWhenTheDelayOutlastsTheLongestRequest) {
  const IntervalStats users = disable_under_load(sim::Duration::seconds(5));
  EXPECT_GT(users.requests(), 8000u);
  EXPECT_EQ(users.errors(), 0u);
}

TEST(Draining, AShortDelayCutsRequestsOff) {
  // The check above can fail: with a delay shorter than the requests, some are reset.
  const IntervalStats users = disable_under_load(sim::Duration::millis(300));
  EXPECT_GT(users.outcomes[static_cast<size_t>(Outcome::kReset)], 0u);
}

TEST(Determinism, SameSeedSameTraceDifferentSeedDifferentTrace) {
  const auto hash = [](uint64_t seed) {
    WorldConfig config = queueing_world(3, 2, 5, sim::Duration::millis(300), Algorithm::kRandom);
    config.faults.push_back(FaultConfig{});
    config.faults.back().kind = FaultConfig::Kind::kCrash;
    config.faults.back().server_group = "shop-prod-v000";
    config.faults.back().count = 1;
    config.faults.back().at = sim::TimePoint::start() + sim::Duration::minutes(3);
    WorldRun run(config, seed);
    run.until(sim::Duration::minutes(15));
    return run.trace.hash();
  };
  EXPECT_EQ(hash(11), hash(11));
  EXPECT_NE(hash(11), hash(12));
}

}  // namespace
}  // namespace deploysim::world
