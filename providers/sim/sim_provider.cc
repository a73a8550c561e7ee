// Translating between the provider interface and the simulated world.
#include "providers/sim/sim_provider.h"

#include <algorithm>

#include "providers/metric_series.h"

namespace deploysim::providers {
namespace {

OpResult from_api(const world::ApiResult& r) {
  switch (r.status) {
    case world::ApiStatus::kOk: return {};
    case world::ApiStatus::kThrottled: return {ErrorCode::kThrottled, r.message};
    case world::ApiStatus::kTransient: return {ErrorCode::kTransient, r.message};
    case world::ApiStatus::kNotFound: return {ErrorCode::kNotFound, r.message};
    case world::ApiStatus::kInvalid: return {ErrorCode::kInvalid, r.message};
  }
  return {ErrorCode::kPermanent, r.message};
}

world::Capacity to_world(const Capacity& c) { return {c.min, c.desired, c.max}; }

HealthState target_health(world::TargetHealth h) {
  switch (h) {
    case world::TargetHealth::kInitial: return HealthState::kStarting;
    case world::TargetHealth::kInService: return HealthState::kUp;
    case world::TargetHealth::kUnhealthy: return HealthState::kDown;
    case world::TargetHealth::kDraining: return HealthState::kDraining;
    case world::TargetHealth::kUnregistered: return HealthState::kOutOfService;
  }
  return HealthState::kUnknown;
}

}  // namespace

ClusterInfo cluster_info(const world::WorldView& view, const std::string& cluster) {
  ClusterInfo info;
  info.name = cluster;
  for (const world::ServerGroupView& g : view.server_groups) {
    if (g.moniker.cluster() != cluster) continue;
    ServerGroupInfo sg;
    sg.name = g.name;
    sg.cluster = cluster;
    sg.region = g.region;
    sg.artifact = g.version;
    sg.capacity = {g.capacity.min, g.capacity.desired, g.capacity.max};
    sg.disabled = !g.enabled;
    sg.created_at = g.created_at;
    sg.load_balancers = g.load_balancers;
    for (const world::InstanceView& i : g.instances) {
      InstanceInfo inst;
      inst.name = i.name;
      inst.zone = i.zone;
      inst.launched_at = i.launched_at;
      // A pod behind a Service is Ready once it is among the Service's endpoints: here, once the
      // balancer's checks put it in service (a disabled pod, deregistered, stays Ready).
      inst.ready = i.ready && std::none_of(i.load_balancers.begin(), i.load_balancers.end(), [](const auto& lb) {
        return lb.second == world::TargetHealth::kInitial || lb.second == world::TargetHealth::kUnhealthy;
      });
      // AWS: a running machine's platform health is Unknown (it knows nothing of the app).
      const bool machine_running = i.state != world::InstanceState::kPending &&
                                   i.platform != world::PlatformHealth::kDown;
      inst.health.push_back({"Amazon", machine_running ? HealthState::kUnknown : HealthState::kDown, true});
      if (!i.load_balancers.empty()) {
        std::vector<HealthState> states;
        for (const auto& [lb, h] : i.load_balancers) states.push_back(target_health(h));
        inst.health.push_back({"LoadBalancer", aggregate_load_balancer_health(states), false});
      }
      sg.instances.push_back(std::move(inst));
    }
    info.server_groups.push_back(std::move(sg));
  }
  return info;
}

SimProvider::SimProvider(world::World& world, world::CloudApi& api, sim::EventLoop& loop)
    : world_(world), api_(api), loop_(loop) {}

void SimProvider::create_server_group(const ServerGroupSpec& spec, Created done) {
  world::ServerGroupConfig c;
  c.application = spec.application;
  c.stack = spec.stack;
  c.detail = spec.detail;
  c.region = spec.region;
  c.zones = spec.zones;
  c.version = spec.artifact;
  c.capacity = to_world(spec.capacity);
  c.enabled = spec.enabled;
  c.load_balancers = spec.load_balancers;
  api_.create_server_group(c, [done = std::move(done)](const world::ApiResult& r) {
    done(from_api(r), r.server_group);
  });
}

void SimProvider::clone_server_group(const std::string& source, const std::string& artifact,
                                     std::optional<Capacity> capacity, Created done) {
  const std::optional<world::ServerGroupId> id = world_.find_server_group(source);
  if (!id || world_.server_group(*id).destroyed) {
    loop_.schedule_after(sim::Duration::zero(), sim::Action::boxed([done = std::move(done), source] {
      done({ErrorCode::kNotFound, "clone: source server group " + source + " not found"}, "");
    }));
    return;
  }
  const world::ServerGroup& g = world_.server_group(*id);
  ServerGroupSpec spec;
  spec.application = g.moniker.app;
  spec.stack = g.moniker.stack;
  spec.detail = g.moniker.detail;
  spec.region = world_.config().regions[g.region].name;
  for (uint32_t z : g.zones) spec.zones.push_back(world_.zone_name(z));
  spec.artifact = artifact.empty() ? world_.version(g.version).name : artifact;
  spec.capacity = capacity ? *capacity : Capacity{g.capacity.min, g.capacity.desired, g.capacity.max};
  for (world::LoadBalancerId lb : g.load_balancers) spec.load_balancers.push_back(world_.load_balancer(lb).config.name);
  create_server_group(spec, std::move(done));
}

void SimProvider::resize_server_group(const std::string& server_group, const Capacity& capacity, Done done) {
  api_.resize(server_group, to_world(capacity), [done = std::move(done)](const world::ApiResult& r) { done(from_api(r)); });
}

void SimProvider::enable_server_group(const std::string& server_group, Done done) {
  api_.enable(server_group, [done = std::move(done)](const world::ApiResult& r) { done(from_api(r)); });
}

void SimProvider::disable_server_group(const std::string& server_group, Done done) {
  api_.disable(server_group, [done = std::move(done)](const world::ApiResult& r) { done(from_api(r)); });
}

void SimProvider::set_instances_enabled(const std::string& server_group, const std::vector<std::string>& instances,
                                        bool enabled, Done done) {
  api_.set_in_service(server_group, instances, enabled,
                      [done = std::move(done)](const world::ApiResult& r) { done(from_api(r)); });
}

void SimProvider::destroy_server_group(const std::string& server_group, Done done) {
  api_.destroy(server_group, [done = std::move(done)](const world::ApiResult& r) { done(from_api(r)); });
}

void SimProvider::set_load_balancers(const std::string& server_group, const std::vector<std::string>& load_balancers,
                                     Done done) {
  api_.set_load_balancers(server_group, load_balancers,
                          [done = std::move(done)](const world::ApiResult& r) { done(from_api(r)); });
}

void SimProvider::set_traffic_weights(const std::string& load_balancer,
                                      const std::vector<std::pair<std::string, double>>& weights, Done done) {
  api_.set_weights(load_balancer, weights, [done = std::move(done)](const world::ApiResult& r) { done(from_api(r)); });
}

void SimProvider::describe_cluster(const std::string& cluster, Described done) {
  api_.describe([cluster, done = std::move(done)](const world::ApiResult& r,
                                                   std::shared_ptr<const world::WorldView> view) {
    if (!r.ok()) {
      done(from_api(r), ClusterInfo{});
      return;
    }
    done({}, cluster_info(*view, cluster));
  });
}

void SimProvider::query_metrics(const MetricsQuery& query, Measured done) {
  // Metrics come from a monitoring system, not the cloud API: answered on the next turn of the
  // loop, from the series the world keeps.
  OpResult result;
  MetricsSeries series;
  const world::MetricSeries* source = nullptr;
  if (query.scope.rfind("client:", 0) == 0) {
    for (size_t i = 0; i < world_.traffic_source_count(); ++i) {
      if ("client:" + world_.traffic_source(i).config.name == query.scope) source = &world_.traffic_source(i).client;
    }
  } else if (const std::optional<world::ServerGroupId> id = world_.find_server_group(query.scope)) {
    source = &world_.server_group(*id).metrics;
  }
  result = read_series(source, query, series);
  loop_.schedule_after(sim::Duration::zero(),
                       sim::Action::boxed([result, series, done = std::move(done)] { done(result, series); }));
}

}  // namespace deploysim::providers
