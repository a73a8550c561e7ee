// The cloud API model: calls take their latency, fail and throttle as configured, change the world
// only when they complete, and describe answers from the past when reads lag.
#include "sim/world/cloud_api.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/world/world_test_util.h"

namespace deploysim::world {
namespace {

using testing::queueing_world;
using testing::WorldRun;

WorldConfig api_world(CloudApiConfig api) {
  WorldConfig c = queueing_world(2, 4, 0, sim::Duration::millis(20), Algorithm::kRoundRobin);
  c.api = api;
  return c;
}

TEST(CloudApi, CallsTakeTheirLatencyAndChangeTheWorldOnlyWhenTheyComplete) {
  CloudApiConfig api;
  api.latency = Distribution::constant(sim::Duration::millis(700));
  WorldRun run(api_world(api), 1);
  CloudApi cloud(*run.world, run.loop, 1);
  cloud.start();
  std::vector<std::pair<sim::TimePoint, ApiResult>> results;
  cloud.resize("shop-prod-v000", {1, 5, 5}, [&](const ApiResult& r) { results.emplace_back(run.loop.now(), r); });
  run.until(sim::Duration::millis(699));
  EXPECT_TRUE(results.empty());
  EXPECT_EQ(run.group().capacity.desired, 2) << "not applied before the call completes";
  run.until(sim::Duration::millis(700));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].second.ok()) << results[0].second.message;
  EXPECT_EQ(run.group().capacity.desired, 5);

  cloud.resize("shop-prod-v404", {1, 1, 1}, [&](const ApiResult& r) { results.emplace_back(run.loop.now(), r); });
  cloud.resize("shop-prod-v000", {3, 2, 1}, [&](const ApiResult& r) { results.emplace_back(run.loop.now(), r); });
  run.until(sim::Duration::seconds(2));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[1].second.status, ApiStatus::kNotFound);
  EXPECT_EQ(results[2].second.status, ApiStatus::kInvalid);
}

TEST(CloudApi, CreateNamesTheNextServerGroupOfTheCluster) {
  WorldRun run(api_world({}), 2);
  CloudApi cloud(*run.world, run.loop, 2);
  ServerGroupConfig g = run.world->config().server_groups[0];
  std::vector<std::string> created;
  for (int i = 0; i < 2; ++i) {
    cloud.create_server_group(g, [&](const ApiResult& r) { created.push_back(r.server_group); });
  }
  run.until(sim::Duration::seconds(5));
  EXPECT_EQ(created, (std::vector<std::string>{"shop-prod-v001", "shop-prod-v002"}));
}

TEST(CloudApi, FailuresChangeNothing) {
  CloudApiConfig api;
  api.failure_probability = 1;
  WorldRun run(api_world(api), 3);
  CloudApi cloud(*run.world, run.loop, 3);
  ApiResult got;
  cloud.disable("shop-prod-v000", [&](const ApiResult& r) { got = r; });
  run.until(sim::Duration::seconds(5));
  EXPECT_EQ(got.status, ApiStatus::kTransient);
  EXPECT_TRUE(run.group().enabled);
}

TEST(CloudApi, ATokenBucketThrottlesBursts) {
  CloudApiConfig api;
  api.rate_limit_per_s = 1;
  api.burst = 2;
  WorldRun run(api_world(api), 4);
  CloudApi cloud(*run.world, run.loop, 4);
  std::vector<ApiStatus> statuses;
  for (int i = 0; i < 5; ++i) cloud.enable("shop-prod-v000", [&](const ApiResult& r) { statuses.push_back(r.status); });
  run.until(sim::Duration::millis(1500));
  // One second later the bucket holds one token again.
  cloud.enable("shop-prod-v000", [&](const ApiResult& r) { statuses.push_back(r.status); });
  cloud.enable("shop-prod-v000", [&](const ApiResult& r) { statuses.push_back(r.status); });
  run.until(sim::Duration::seconds(3));
  EXPECT_EQ(statuses, (std::vector<ApiStatus>{ApiStatus::kOk, ApiStatus::kOk, ApiStatus::kThrottled,
                                              ApiStatus::kThrottled, ApiStatus::kThrottled,
                                              ApiStatus::kOk, ApiStatus::kThrottled}));
}

TEST(CloudApi, DescribeSeesTheWorldAsItWasReadLagAgo) {
  CloudApiConfig api;
  api.latency = Distribution::constant(sim::Duration::millis(100));
  api.read_lag = sim::Duration::seconds(30);
  WorldRun run(api_world(api), 5);
  CloudApi cloud(*run.world, run.loop, 5);
  cloud.start();
  run.until(sim::Duration::minutes(1));
  cloud.resize("shop-prod-v000", {1, 4, 4}, nullptr);
  run.until(sim::Duration::seconds(61));
  int seen_desired = -1;
  const auto look = [&] {
    cloud.describe([&](const ApiResult& r, std::shared_ptr<const WorldView> view) {
      ASSERT_TRUE(r.ok());
      seen_desired = view->find("shop-prod-v000")->capacity.desired;
    });
  };
  look();
  run.until(sim::Duration::seconds(62));
  EXPECT_EQ(seen_desired, 2) << "10 s after the resize, a 30 s lag still shows the old capacity";
  run.until(sim::Duration::seconds(91));
  look();
  run.until(sim::Duration::seconds(92));
  EXPECT_EQ(seen_desired, 4) << "31 s after the resize the new capacity shows";
  EXPECT_EQ(run.world->view().find("shop-prod-v000")->instances.size(), 4u) << "the world itself is current";
}

TEST(CloudApi, AnApiErrorsFaultFailsCallsDuringItsWindow) {
  CloudApiConfig api;
  WorldConfig config = api_world(api);
  FaultConfig f;
  f.kind = FaultConfig::Kind::kApiErrors;
  f.at = sim::TimePoint::start() + sim::Duration::minutes(1);
  f.duration = sim::Duration::minutes(1);
  f.probability = 1;
  config.faults.push_back(f);
  WorldRun run(config, 6);
  CloudApi cloud(*run.world, run.loop, 6);
  std::vector<ApiStatus> statuses;
  for (int minute : {0, 1, 2}) {
    run.until(sim::Duration::minutes(minute) + sim::Duration::seconds(30));
    cloud.enable("shop-prod-v000", [&](const ApiResult& r) { statuses.push_back(r.status); });
  }
  run.until(sim::Duration::minutes(3));
  EXPECT_EQ(statuses, (std::vector<ApiStatus>{ApiStatus::kOk, ApiStatus::kTransient, ApiStatus::kOk}));
}

}  // namespace
}  // namespace deploysim::world
