// The provider layer: Orca/clouddriver target resolution, the simulated provider's view of the
// world (health as clouddriver reports it, metrics), and fault injection by wrapping.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "providers/faulty_provider.h"
#include "providers/sim/sim_provider.h"
#include "providers/target.h"
#include "tests/world/world_test_util.h"

namespace deploysim::providers {
namespace {

ServerGroupInfo group(const std::string& name, int created_s, int instances, bool disabled = false,
                      const std::string& region = "r1") {
  ServerGroupInfo g;
  g.name = name;
  g.region = region;
  g.disabled = disabled;
  g.created_at = sim::TimePoint::start() + sim::Duration::seconds(created_s);
  g.instances.resize(static_cast<size_t>(instances));
  return g;
}

TEST(Target, ResolvedByCreationTimeNotByEnabledState) {
  ClusterInfo c;
  c.name = "shop-prod";
  // Listed out of order; v002 is the newest but disabled.
  c.server_groups = {group("shop-prod-v001", 20, 5), group("shop-prod-v000", 10, 9),
                     group("shop-prod-v002", 30, 2, true), group("shop-prod-v009", 40, 7, false, "r2")};
  EXPECT_EQ(resolve_target(c, "r1", Target::kCurrent).server_group->name, "shop-prod-v002");
  EXPECT_EQ(resolve_target(c, "r1", Target::kPrevious).server_group->name, "shop-prod-v001");
  EXPECT_EQ(resolve_target(c, "r1", Target::kOldest).server_group->name, "shop-prod-v000");
  EXPECT_EQ(resolve_target(c, "r1", Target::kLargest).server_group->name, "shop-prod-v000");
  EXPECT_EQ(resolve_target(c, "r1", Target::kCurrent, /*only_enabled=*/true).server_group->name, "shop-prod-v001");
  EXPECT_EQ(resolve_target(c, "", Target::kCurrent).server_group->name, "shop-prod-v009");
  EXPECT_EQ(resolve_target(c, "r2", Target::kPrevious).result.code, ErrorCode::kNotFound);
  EXPECT_EQ(resolve_target(c, "r1", Target::kFail).result.code, ErrorCode::kInvalid);
  EXPECT_EQ(resolve_target(c, "r3", Target::kCurrent).result.code, ErrorCode::kNotFound);
}

TEST(Target, LargestTiesGoToTheNewest) {
  ClusterInfo c;
  c.server_groups = {group("a-v000", 1, 4), group("a-v001", 2, 4)};
  EXPECT_EQ(resolve_target(c, "", Target::kLargest).server_group->name, "a-v001");
}

TEST(Target, ServerGroupNamesGiveTheirCluster) {
  // Frigga: a trailing -v and 3 to 6 digits is the sequence; a detail may hold hyphens.
  EXPECT_EQ(cluster_of_server_group("shop-prod-v003"), "shop-prod");
  EXPECT_EQ(cluster_of_server_group("shop--canary-v012345"), "shop--canary");
  EXPECT_EQ(cluster_of_server_group("shop-v000"), "shop");
  EXPECT_EQ(cluster_of_server_group("shop-prod"), std::nullopt) << "a cluster";
  EXPECT_EQ(cluster_of_server_group("shop-v12"), std::nullopt) << "two digits are no sequence";
  EXPECT_EQ(cluster_of_server_group("shop-v1234567"), std::nullopt);
  EXPECT_EQ(cluster_of_server_group("shop-v00a"), std::nullopt);
  EXPECT_EQ(cluster_of_server_group("-v001"), std::nullopt);
}

TEST(Target, ParsesPipelineNames) {
  EXPECT_EQ(*parse_target("current_asg_dynamic"), Target::kCurrent);
  EXPECT_EQ(*parse_target("ancestor_asg_dynamic"), Target::kPrevious);
  EXPECT_EQ(*parse_target("oldest_asg_dynamic"), Target::kOldest);
  EXPECT_FALSE(parse_target("newest_please").ok());
}

// A world with one cluster "shop-prod" (v000, 3 instances) behind load balancer "web", traffic,
// and a provider over it.
struct Fixture {
  std::unique_ptr<world::testing::WorldRun> run;
  std::unique_ptr<world::CloudApi> api;
  std::unique_ptr<SimProvider> provider;

  explicit Fixture(world::CloudApiConfig api_config = {}) {
    world::WorldConfig c = world::testing::queueing_world(3, 4, 30, sim::Duration::millis(20),
                                                          world::Algorithm::kRoundRobin);
    c.api = api_config;
    c.load_balancers[0].health_check.healthy_threshold = 3;
    c.versions.push_back(c.versions[0]);
    c.versions.back().name = "v2";
    run = std::make_unique<world::testing::WorldRun>(c, 1);
    api = std::make_unique<world::CloudApi>(*run->world, run->loop, 1);
    api->start();
    provider = std::make_unique<SimProvider>(*run->world, *api, run->loop);
  }
  ClusterInfo describe() {
    ClusterInfo got;
    provider->describe_cluster("shop-prod", [&](const OpResult& r, const ClusterInfo& c) {
      EXPECT_TRUE(r.ok()) << r.message;
      got = c;
    });
    run->until(run->loop.now().since_start() + sim::Duration::seconds(2));
    return got;
  }
};

const Health* health_of(const InstanceInfo& i, const std::string& provider) {
  for (const Health& h : i.health) {
    if (h.provider == provider) return &h;
  }
  return nullptr;
}

TEST(SimProvider, CreatedGroupsComeUpAndReportHealthLikeClouddriver) {
  Fixture f;
  std::string created;
  f.provider->create_server_group(
      {"shop", "prod", "", "us-east-1", {}, "v2", {2, 2, 2}, {"web"}, true},
      [&](const OpResult& r, const std::string& name) {
        ASSERT_TRUE(r.ok()) << r.message;
        created = name;
      });
  f.run->until(sim::Duration::seconds(1));
  EXPECT_EQ(created, "shop-prod-v001");
  // Booting: the machine runs (Amazon: Unknown), the load balancer has not seen it yet.
  f.run->until(sim::Duration::seconds(10));
  ClusterInfo c = f.describe();
  ASSERT_EQ(c.server_groups.size(), 2u);
  const ServerGroupInfo& fresh = c.server_groups[1];
  EXPECT_EQ(fresh.name, "shop-prod-v001");
  EXPECT_EQ(fresh.artifact, "v2");
  ASSERT_EQ(fresh.instances.size(), 2u);
  EXPECT_EQ(health_of(fresh.instances[0], "Amazon")->state, HealthState::kUnknown);
  EXPECT_TRUE(health_of(fresh.instances[0], "Amazon")->platform);
  EXPECT_EQ(health_of(fresh.instances[0], "LoadBalancer"), nullptr) << "not registered while booting";
  // Booted and registered (30 s boot after 5 s launch): Starting until 3 passing checks.
  f.run->until(sim::Duration::seconds(40));
  c = f.describe();
  EXPECT_EQ(health_of(c.server_groups[1].instances[0], "LoadBalancer")->state, HealthState::kStarting);
  f.run->until(sim::Duration::minutes(2));
  c = f.describe();
  for (const InstanceInfo& i : c.server_groups[1].instances) {
    EXPECT_EQ(health_of(i, "LoadBalancer")->state, HealthState::kUp);
  }
  // Disabled: deregistered from the load balancer.
  f.provider->disable_server_group("shop-prod-v000", [](const OpResult& r) { EXPECT_TRUE(r.ok()); });
  f.run->until(sim::Duration::minutes(8));
  c = f.describe();
  EXPECT_TRUE(c.server_groups[0].disabled);
  EXPECT_EQ(health_of(c.server_groups[0].instances[0], "LoadBalancer")->state, HealthState::kOutOfService);
}

TEST(SimProvider, CloneCopiesTheSourceWithOverrides) {
  Fixture f;
  std::string created;
  f.provider->clone_server_group("shop-prod-v000", "v2", Capacity{1, 1, 1},
                                 [&](const OpResult& r, const std::string& name) {
                                   EXPECT_TRUE(r.ok()) << r.message;
                                   created = name;
                                 });
  f.run->until(sim::Duration::seconds(1));
  EXPECT_EQ(created, "shop-prod-v001");
  const ClusterInfo c = f.describe();
  EXPECT_EQ(c.server_groups[1].artifact, "v2");
  EXPECT_EQ(c.server_groups[1].capacity, (Capacity{1, 1, 1}));
  EXPECT_EQ(c.server_groups[1].load_balancers, std::vector<std::string>{"web"});
  OpResult missing;
  f.provider->clone_server_group("shop-prod-v404", "", std::nullopt,
                                 [&](const OpResult& r, const std::string&) { missing = r; });
  f.run->until(sim::Duration::seconds(5));
  EXPECT_EQ(missing.code, ErrorCode::kNotFound);
}

TEST(SimProvider, MetricsMatchTheWorldsSeries) {
  Fixture f;
  f.run->until(sim::Duration::minutes(5));
  MetricsSeries requests, p99, missing_rate;
  OpResult unknown;
  const sim::TimePoint from = sim::TimePoint::start() + sim::Duration::minutes(1);
  const sim::TimePoint to = sim::TimePoint::start() + sim::Duration::minutes(4);
  f.provider->query_metrics({"shop-prod-v000", "requests", from, to, sim::Duration::minutes(1)},
                            [&](const OpResult& r, const MetricsSeries& s) { ASSERT_TRUE(r.ok()); requests = s; });
  f.provider->query_metrics({"shop-prod-v000", "latency_p99", from, to, sim::Duration::minutes(1)},
                            [&](const OpResult& r, const MetricsSeries& s) { ASSERT_TRUE(r.ok()); p99 = s; });
  f.provider->query_metrics({"shop-prod-v404", "requests", from, to, sim::Duration::minutes(1)},
                            [&](const OpResult& r, const MetricsSeries&) { unknown = r; });
  f.run->until(sim::Duration::minutes(5) + sim::Duration::seconds(1));
  ASSERT_EQ(requests.values.size(), 3u);
  const world::MetricSeries& truth = f.run->group().metrics;
  for (int k = 0; k < 3; ++k) {
    const sim::TimePoint a = from + sim::Duration::minutes(k);
    EXPECT_EQ(*requests.values[static_cast<size_t>(k)], double(truth.window(a, a + sim::Duration::minutes(1)).requests()));
    EXPECT_NEAR(*requests.values[static_cast<size_t>(k)], 30 * 60, 4 * std::sqrt(30.0 * 60));
  }
  EXPECT_GT(*p99.values[0], 20.0) << "milliseconds, above the mean service time";
  EXPECT_EQ(unknown.code, ErrorCode::kNotFound);
}

TEST(SimProvider, ApiFailuresBecomeProviderErrors) {
  world::CloudApiConfig api;
  api.failure_probability = 1;
  Fixture f(api);
  OpResult got;
  f.provider->resize_server_group("shop-prod-v000", {1, 1, 1}, [&](const OpResult& r) { got = r; });
  f.run->until(sim::Duration::seconds(5));
  EXPECT_EQ(got.code, ErrorCode::kTransient);
  EXPECT_TRUE(got.retryable());
  EXPECT_EQ(f.run->group().capacity.desired, 3);
}

TEST(FaultyProvider, InjectsErrorsByRuleThenPassesThrough) {
  Fixture f;
  FaultRule rule;
  rule.operation = "resize";
  rule.error = ErrorCode::kThrottled;
  rule.times = 2;
  rule.latency = sim::Duration::seconds(3);
  FaultyProvider faulty(*f.provider, f.run->loop, sim::Rng::stream(1, "faulty"), {rule});
  std::vector<std::pair<sim::TimePoint, ErrorCode>> results;
  for (int i = 0; i < 3; ++i) {
    faulty.resize_server_group("shop-prod-v000", {2, 2, 2}, [&](const OpResult& r) {
      results.emplace_back(f.run->loop.now(), r.code);
    });
  }
  bool described = false;
  faulty.describe_cluster("shop-prod", [&](const OpResult& r, const ClusterInfo& c) {
    described = r.ok() && c.server_groups.size() == 1;
  });
  f.run->until(sim::Duration::seconds(10));
  // The third call passes through (the cloud API's 200 ms); the first two wait the rule's 3 s.
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].second, ErrorCode::kOk);
  EXPECT_EQ(results[0].first, sim::TimePoint::start() + sim::Duration::millis(200));
  EXPECT_EQ(results[1].second, ErrorCode::kThrottled);
  EXPECT_EQ(results[2].second, ErrorCode::kThrottled);
  EXPECT_EQ(results[1].first, sim::TimePoint::start() + sim::Duration::seconds(3)) << "after the added latency";
  EXPECT_TRUE(described) << "other operations are untouched";
  EXPECT_EQ(faulty.injected(), 2);
  EXPECT_EQ(f.run->group().capacity.desired, 2);
}

}  // namespace
}  // namespace deploysim::providers
