// Building small worlds for tests: one region, one load balancer, server groups of a chosen size,
// one traffic source. Tests adjust the returned config before constructing the world.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "sim/kernel/event_loop.h"
#include "sim/kernel/trace.h"
#include "sim/world/world.h"

namespace deploysim::world::testing {

// A world with `instances` instances of one version (exponential service with `mean_service`,
// `workers` each, a deep queue), behind load balancer "web" with `algorithm`, and Poisson traffic
// of `rate` requests per second. Initial instances start in service.
inline WorldConfig queueing_world(int instances, int workers, double rate,
                                  sim::Duration mean_service, Algorithm algorithm) {
  WorldConfig c;
  c.regions.push_back({"us-east-1", {"us-east-1a", "us-east-1b", "us-east-1c"}});
  VersionProfile v;
  v.name = "v1";
  v.service_time = Distribution::exponential(static_cast<double>(mean_service.count_micros()));
  v.workers = workers;
  v.queue_limit = 100000;
  c.versions.push_back(v);
  LoadBalancerConfig lb;
  lb.name = "web";
  lb.region = "us-east-1";
  lb.algorithm = algorithm;
  lb.request_timeout = sim::Duration::hours(24);
  c.load_balancers.push_back(lb);
  ServerGroupConfig g;
  g.application = "shop";
  g.stack = "prod";
  g.region = "us-east-1";
  g.version = "v1";
  g.capacity = {instances, instances, instances};
  g.load_balancers = {"web"};
  c.server_groups.push_back(g);
  TrafficSourceConfig t;
  t.load_balancer = "web";
  t.rate.base = rate;
  c.traffic.push_back(t);
  return c;
}

// A world and its loop, run to a time.
struct WorldRun {
  sim::EventLoop loop;
  sim::TraceWriter trace;
  std::unique_ptr<World> world;

  WorldRun(WorldConfig config, uint64_t seed) {
    world = std::make_unique<World>(std::move(config), loop, seed, &trace);
    world->start();
  }
  void until(sim::Duration d) { loop.run_until(sim::TimePoint::start() + d); }
  const ServerGroup& group(int i = 0) const {
    return world->server_group(static_cast<ServerGroupId>(i));
  }
  const MetricSeries& client() const { return world->traffic_source(0).client; }
};

}  // namespace deploysim::world::testing
