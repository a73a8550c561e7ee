// World set-up, server group operations, metrics publication and trace records.
#include "sim/world/world.h"

#include <algorithm>
#include <cmath>

#include "sim/kernel/check.h"
#include "sim/world/faults.h"

namespace deploysim::world {

const char* state_name(InstanceState s) {
  switch (s) {
    case InstanceState::kPending: return "pending";
    case InstanceState::kBooting: return "booting";
    case InstanceState::kRunning: return "running";
    case InstanceState::kDraining: return "draining";
    case InstanceState::kTerminated: return "terminated";
  }
  return "unknown";
}

const char* platform_health_name(PlatformHealth h) {
  switch (h) {
    case PlatformHealth::kStarting: return "starting";
    case PlatformHealth::kUp: return "up";
    case PlatformHealth::kDown: return "down";
  }
  return "unknown";
}

const char* target_health_name(TargetHealth h) {
  switch (h) {
    case TargetHealth::kUnregistered: return "unregistered";
    case TargetHealth::kInitial: return "initial";
    case TargetHealth::kInService: return "in_service";
    case TargetHealth::kUnhealthy: return "unhealthy";
    case TargetHealth::kDraining: return "draining";
  }
  return "unknown";
}

sim::Rng world_stream(uint64_t seed, std::string_view what) {
  return sim::Rng::stream(seed, "world").derive(what);
}

World::World(WorldConfig config, sim::EventLoop& loop, uint64_t seed, sim::TraceWriter* trace)
    : config_(std::move(config)), loop_(loop), seed_(seed), trace_(trace) {
  for (uint32_t r = 0; r < config_.regions.size(); ++r) {
    for (const std::string& zone : config_.regions[r].zones) zones_.push_back({zone, r, false});
  }
  versions_ = config_.versions;
  for (const LoadBalancerConfig& c : config_.load_balancers) {
    lbs_.emplace_back(world_stream(seed_, "lb/" + c.name + "/routing"));
    lbs_.back().config = c;
  }
  for (const TrafficSourceConfig& c : config_.traffic) {
    sources_.emplace_back(c, world_stream(seed_, "traffic/" + c.name), config_.metrics_interval);
    TrafficSource& s = sources_.back();
    const std::optional<LoadBalancerId> lb = find_load_balancer(c.load_balancer);
    DEPLOYSIM_CHECK(lb.has_value(), "traffic source " + c.name + " names unknown load balancer " +
                                        c.load_balancer + " (validate the config first)");
    s.lb = *lb;
    s.constant = c.rate.kind == RateProfile::Kind::kConstant && c.rate.spikes.empty();
  }
  faults_ = std::make_unique<FaultSchedule>(*this);
}

World::~World() = default;

void World::start() {
  for (const ServerGroupConfig& c : config_.server_groups) {
    sim::Result<ServerGroupId> created = create_server_group(c);
    DEPLOYSIM_CHECK(created.ok(), "initial server group: " +
                                      (created.ok() ? std::string() : created.error().message));
  }
  for (uint32_t l = 0; l < lbs_.size(); ++l) {
    std::vector<std::pair<ServerGroupId, double>> weights;
    for (const auto& [name, weight] : lbs_[l].config.initial_weights) {
      const std::optional<ServerGroupId> group = find_server_group(name);
      DEPLOYSIM_CHECK(group.has_value(), "initial weight for unknown server group " + name);
      weights.emplace_back(*group, weight);
    }
    if (!weights.empty()) {
      const sim::Status set = set_weights(static_cast<LoadBalancerId>(l), weights);
      DEPLOYSIM_CHECK(set.ok(), "initial weights: " + (set.ok() ? std::string() : set.error().message));
    }
  }
  for (uint32_t i = 0; i < sources_.size(); ++i) {
    sources_[i].max_rate = sources_[i].config.rate.max_rate();
    schedule_arrival(i);
  }
  schedule_metrics_tick();
  faults_->schedule_all();
}

std::optional<ServerGroupId> World::find_server_group(std::string_view name) const {
  // Newest first: a destroyed group's name can come back with a new group only after 1000 more.
  for (size_t i = groups_.size(); i-- > 0;) {
    if (groups_[i].name == name) return static_cast<ServerGroupId>(i);
  }
  return std::nullopt;
}

std::optional<LoadBalancerId> World::find_load_balancer(std::string_view name) const {
  for (size_t i = 0; i < lbs_.size(); ++i) {
    if (lbs_[i].config.name == name) return static_cast<LoadBalancerId>(i);
  }
  return std::nullopt;
}

std::optional<uint32_t> World::find_zone(std::string_view name) const {
  for (uint32_t i = 0; i < zones_.size(); ++i) {
    if (zones_[i].name == name) return i;
  }
  return std::nullopt;
}

sim::Result<ServerGroupId> World::create_server_group(const ServerGroupConfig& c) {
  Moniker moniker{c.application, c.stack, c.detail, std::nullopt};
  if (sim::Status s = validate_moniker(moniker); !s.ok()) return s.error();
  uint32_t region = UINT32_MAX;
  for (uint32_t r = 0; r < config_.regions.size(); ++r) {
    if (config_.regions[r].name == c.region) region = r;
  }
  if (region == UINT32_MAX) return sim::invalid_argument("unknown region \"" + c.region + "\"");
  uint32_t version = UINT32_MAX;
  for (uint32_t v = 0; v < versions_.size() && version == UINT32_MAX; ++v) {
    const std::vector<std::string>& images = versions_[v].images;
    if (versions_[v].name == c.version || std::find(images.begin(), images.end(), c.version) != images.end()) version = v;
  }
  if (version == UINT32_MAX) return sim::invalid_argument("unknown version \"" + c.version + "\"");
  if (c.capacity.min < 0 || c.capacity.min > c.capacity.desired ||
      c.capacity.desired > c.capacity.max) {
    return sim::invalid_argument("capacity must satisfy 0 <= min <= desired <= max");
  }
  std::vector<uint32_t> zones;
  for (const std::string& z : c.zones) {
    const std::optional<uint32_t> zone = find_zone(z);
    if (!zone || zones_[*zone].region != region) {
      return sim::invalid_argument("zone \"" + z + "\" is not in region " + c.region);
    }
    zones.push_back(*zone);
  }
  if (zones.empty()) {
    for (uint32_t z = 0; z < zones_.size(); ++z) {
      if (zones_[z].region == region) zones.push_back(z);
    }
  }
  std::vector<LoadBalancerId> lbs;
  for (const std::string& name : c.load_balancers) {
    const std::optional<LoadBalancerId> lb = find_load_balancer(name);
    if (!lb) return sim::invalid_argument("unknown load balancer \"" + name + "\"");
    lbs.push_back(*lb);
  }
  // Spinnaker's sequence: one past the cluster's most recently created group. Spinnaker counts
  // per region, so one name can exist in two regions; here the count spans every region, so that
  // a name always means one group (every operation and metric scope names a group by name).
  std::vector<int> existing;
  for (const ServerGroup& g : groups_) {
    if (!g.destroyed && g.moniker.cluster() == moniker.cluster()) {
      existing.push_back(*g.moniker.sequence);
    }
  }
  sim::Result<int> sequence = next_sequence(existing);
  if (!sequence.ok()) return sequence.error();
  moniker.sequence = *sequence;

  const auto id = static_cast<ServerGroupId>(groups_.size());
  groups_.emplace_back(world_stream(seed_, "server-group/" + moniker.server_group()),
                       config_.metrics_interval);
  ServerGroup& g = groups_.back();
  g.id = id;
  g.moniker = moniker;
  g.name = moniker.server_group();
  g.region = region;
  g.zones = std::move(zones);
  g.version = version;
  g.capacity = c.capacity;
  g.enabled = c.enabled;
  g.created_at = loop_.now();
  g.load_balancers = std::move(lbs);
  g.security = c.security;
  attach_to_load_balancers(g);
  trace_group(g, "created");
  for (int i = 0; i < c.capacity.desired; ++i) launch(g, c.start_running);
  return id;
}

ServerGroup* World::live_group(ServerGroupId id, sim::Status* error) {
  if (index_of(id) >= groups_.size()) {
    *error = sim::invalid_argument("no such server group");
    return nullptr;
  }
  ServerGroup& g = groups_[index_of(id)];
  if (g.destroyed) {
    *error = sim::invalid_argument("server group " + g.name + " has been destroyed");
    return nullptr;
  }
  return &g;
}

sim::Status World::resize(ServerGroupId id, Capacity capacity) {
  sim::Status error;
  ServerGroup* g = live_group(id, &error);
  if (g == nullptr) return error;
  if (capacity.min < 0 || capacity.min > capacity.desired || capacity.desired > capacity.max) {
    return sim::invalid_argument("capacity must satisfy 0 <= min <= desired <= max");
  }
  g->capacity = capacity;
  trace_group(*g, "resized");
  apply_capacity(*g);
  return sim::Status();
}

int World::live_instance_count(const ServerGroup& group) const {
  int live = 0;
  for (InstanceId i : group.instances) {
    const Instance& inst = instances_[index_of(i)];
    if (inst.state != InstanceState::kTerminated && inst.state != InstanceState::kDraining) ++live;
  }
  return live;
}

void World::apply_capacity(ServerGroup& group) {
  int live = live_instance_count(group);
  while (live < group.capacity.desired) {
    launch(group, false);
    ++live;
  }
  // Scale in: instances that are not serving yet go first, then the newest.
  while (live > group.capacity.desired) {
    Instance* victim = nullptr;
    for (size_t k = group.instances.size(); k-- > 0;) {
      Instance& inst = instances_[index_of(group.instances[k])];
      if (inst.state == InstanceState::kTerminated || inst.state == InstanceState::kDraining) continue;
      if (victim == nullptr || (victim->state == InstanceState::kRunning &&
                                inst.state != InstanceState::kRunning)) {
        victim = &inst;
      }
    }
    terminate(*victim, "scaled down");
    --live;
  }
}

sim::Status World::enable(ServerGroupId id) {
  sim::Status error;
  ServerGroup* g = live_group(id, &error);
  if (g == nullptr) return error;
  if (g->enabled) {
    // An enabled group may still have instances a partial disable took out: put them back.
    std::vector<std::string> out;
    for (InstanceId i : g->instances) {
      if (instances_[index_of(i)].out_of_service) out.push_back(instances_[index_of(i)].name);
    }
    return out.empty() ? sim::Status() : set_in_service(id, out, true);
  }
  g->enabled = true;
  trace_group(*g, "enabled");
  for (InstanceId i : g->instances) {
    Instance& inst = instances_[index_of(i)];
    inst.out_of_service = false;
    if (inst.state != InstanceState::kRunning) continue;
    for (LoadBalancerId lb : g->load_balancers) register_target(inst, lb, false);
  }
  return sim::Status();
}

sim::Status World::set_in_service(ServerGroupId id, const std::vector<std::string>& names, bool in_service) {
  sim::Status error;
  ServerGroup* g = live_group(id, &error);
  if (g == nullptr) return error;
  std::vector<Instance*> chosen;
  for (const std::string& name : names) {
    Instance* found = nullptr;
    for (InstanceId i : g->instances) {
      Instance& inst = instances_[index_of(i)];
      if (inst.name == name && inst.state != InstanceState::kTerminated) found = &inst;
    }
    if (found == nullptr) return sim::invalid_argument("instance " + name + " is not in server group " + g->name);
    chosen.push_back(found);
  }
  for (Instance* inst : chosen) {
    if (inst->out_of_service == !in_service) continue;
    inst->out_of_service = !in_service;
    if (!in_service) {
      for (Target& t : inst->targets) {
        if (t.health != TargetHealth::kUnregistered && t.health != TargetHealth::kDraining) deregister_target(*inst, t);
      }
    } else if (g->enabled && inst->state == InstanceState::kRunning) {
      for (LoadBalancerId lb : g->load_balancers) register_target(*inst, lb, false);
    }
  }
  trace_group(*g, in_service ? "instances enabled" : "instances disabled");
  return sim::Status();
}

sim::Status World::disable(ServerGroupId id) {
  sim::Status error;
  ServerGroup* g = live_group(id, &error);
  if (g == nullptr) return error;
  if (!g->enabled) return sim::Status();
  g->enabled = false;
  trace_group(*g, "disabled");
  for (InstanceId i : g->instances) {
    Instance& inst = instances_[index_of(i)];
    for (Target& t : inst.targets) {
      if (t.health != TargetHealth::kUnregistered && t.health != TargetHealth::kDraining) {
        deregister_target(inst, t);
      }
    }
  }
  return sim::Status();
}

sim::Status World::destroy(ServerGroupId id) {
  sim::Status error;
  ServerGroup* g = live_group(id, &error);
  if (g == nullptr) return error;
  g->destroyed = true;
  g->capacity = Capacity{};
  trace_group(*g, "destroying");
  for (InstanceId i : g->instances) {
    Instance& inst = instances_[index_of(i)];
    if (inst.state != InstanceState::kTerminated && inst.state != InstanceState::kDraining) {
      terminate(inst, "server group destroyed");
    }
  }
  detach_from_load_balancers(*g);
  return sim::Status();
}

sim::Status World::set_load_balancers(ServerGroupId id, const std::vector<LoadBalancerId>& lbs) {
  sim::Status error;
  ServerGroup* g = live_group(id, &error);
  if (g == nullptr) return error;
  for (LoadBalancerId lb : lbs) {
    if (index_of(lb) >= lbs_.size()) return sim::invalid_argument("no such load balancer");
  }
  const std::vector<LoadBalancerId> before = g->load_balancers;
  const auto has = [](const std::vector<LoadBalancerId>& v, LoadBalancerId lb) {
    return std::find(v.begin(), v.end(), lb) != v.end();
  };
  for (LoadBalancerId lb : before) {
    if (has(lbs, lb)) continue;
    for (InstanceId i : g->instances) {
      Instance& inst = instances_[index_of(i)];
      for (Target& t : inst.targets) {
        if (t.lb == lb && t.health != TargetHealth::kUnregistered && t.health != TargetHealth::kDraining) deregister_target(inst, t);
      }
    }
  }
  g->load_balancers = lbs;
  for (LoadBalancerId lb : lbs) {
    if (has(before, lb)) continue;
    LoadBalancer& balancer = lbs_[index_of(lb)];
    const bool known = std::any_of(balancer.groups.begin(), balancer.groups.end(),
                                   [&](const LbGroup& entry) { return entry.group == id; });
    if (!known) balancer.groups.push_back(LbGroup{id, balancer.weighted ? 0.0 : -1.0, {}, 0});
    if (!g->enabled) continue;
    for (InstanceId i : g->instances) {
      Instance& inst = instances_[index_of(i)];
      if (inst.state == InstanceState::kRunning && !inst.out_of_service) register_target(inst, lb, false);
    }
  }
  trace_group(*g, "load balancers changed");
  return sim::Status();
}

void World::set_zone_down(uint32_t zone, bool down) { zones_[zone].down = down; }

void World::inject_fault(FaultConfig fault) { faults_->inject(std::move(fault)); }

sim::Status World::set_weights(LoadBalancerId id,
                               const std::vector<std::pair<ServerGroupId, double>>& weights) {
  if (index_of(id) >= lbs_.size()) return sim::invalid_argument("no such load balancer");
  LoadBalancer& lb = lbs_[index_of(id)];
  for (const std::pair<ServerGroupId, double>& entry : weights) {
    if (!std::isfinite(entry.second) || entry.second < 0) {
      return sim::invalid_argument("weights must be finite and >= 0");
    }
    const bool behind = std::any_of(lb.groups.begin(), lb.groups.end(),
                                    [&](const LbGroup& g) { return g.group == entry.first; });
    if (!behind) {
      return sim::invalid_argument("server group is not behind load balancer " + lb.config.name);
    }
  }
  lb.weighted = !weights.empty();
  for (LbGroup& g : lb.groups) {
    g.weight = lb.weighted ? 0 : -1;
    for (const auto& [group, weight] : weights) {
      if (g.group == group) g.weight = weight;
    }
  }
  trace_weights(lb);
  return sim::Status();
}

void World::attach_to_load_balancers(ServerGroup& group) {
  for (LoadBalancerId id : group.load_balancers) {
    LoadBalancer& lb = lbs_[index_of(id)];
    // A new group behind a weighted load balancer gets no traffic until it is given a weight.
    lb.groups.push_back(LbGroup{group.id, lb.weighted ? 0.0 : -1.0, {}, 0});
  }
}

void World::detach_from_load_balancers(ServerGroup& group) {
  for (LoadBalancerId id : group.load_balancers) {
    LoadBalancer& lb = lbs_[index_of(id)];
    std::erase_if(lb.groups, [&](const LbGroup& g) {
      return g.group == group.id && g.in_service.empty();
    });
  }
}

// --- Metrics ------------------------------------------------------------------------------------

void World::schedule_metrics_tick() {
  const sim::TimePoint next = metrics_published_until_ + config_.metrics_interval;
  loop_.schedule(next, [this] {
    publish_metrics(metrics_published_until_);
    metrics_published_until_ += config_.metrics_interval;
    schedule_metrics_tick();
  });
}

namespace {


}  // namespace

void World::publish_metrics(sim::TimePoint interval_start) {
  if (trace_ == nullptr) return;
  const auto index = static_cast<size_t>(interval_start.since_start() / config_.metrics_interval);
  const auto emit = [&](const char* kind, const std::string& scope, const MetricSeries& series) {
    trace::Event e;
    trace::IntervalMetrics* m = e.mutable_interval_metrics();
    m->set_scope_kind(kind);
    m->set_scope(scope);
    m->set_start_us(interval_start.micros_since_start());
    m->set_duration_us(config_.metrics_interval.count_micros());
    static const IntervalStats kEmpty;
    fill_interval_metrics(m, index < series.interval_count() ? series.at_interval(index) : kEmpty,
                  series.has_data(index));
    trace_->append(loop_.now(), e);
  };
  for (const ServerGroup& g : groups_) {
    if (g.destroyed && live_instance_count(g) == 0 && g.created_at < interval_start &&
        index >= g.metrics.interval_count()) {
      continue;  // long gone
    }
    emit("server_group", g.name, g.metrics);
  }
  for (const TrafficSource& s : sources_) emit("client", s.config.name, s.client);
}

// --- Views --------------------------------------------------------------------------------------

const ServerGroupView* WorldView::find(const std::string& server_group) const {
  for (const ServerGroupView& g : server_groups) {
    if (g.name == server_group) return &g;
  }
  return nullptr;
}

WorldView World::view() const {
  WorldView v;
  v.as_of = loop_.now();
  for (const ServerGroup& g : groups_) {
    if (g.destroyed && live_instance_count(g) == 0) {
      bool any_draining = false;
      for (InstanceId i : g.instances) {
        any_draining = any_draining || instances_[index_of(i)].state == InstanceState::kDraining;
      }
      if (!any_draining) continue;  // gone
    }
    ServerGroupView sg;
    sg.name = g.name;
    sg.moniker = g.moniker;
    sg.region = config_.regions[g.region].name;
    sg.version = versions_[g.version].name;
    sg.capacity = g.capacity;
    sg.enabled = g.enabled;
    sg.created_at = g.created_at;
    for (LoadBalancerId lb : g.load_balancers) sg.load_balancers.push_back(lbs_[index_of(lb)].config.name);
    for (InstanceId i : g.instances) {
      const Instance& inst = instances_[index_of(i)];
      if (inst.state == InstanceState::kTerminated) continue;
      InstanceView iv;
      iv.name = inst.name;
      iv.zone = zones_[inst.zone].name;
      iv.state = inst.state;
      iv.platform = inst.platform;
      iv.ready = inst.state == InstanceState::kRunning && inst.process_alive && health_endpoint_ok(inst);
      iv.launched_at = inst.launched_at;
      for (const Target& t : inst.targets) iv.load_balancers.emplace_back(lbs_[index_of(t.lb)].config.name, t.health);
      sg.instances.push_back(std::move(iv));
    }
    v.server_groups.push_back(std::move(sg));
  }
  for (const LoadBalancer& lb : lbs_) {
    LoadBalancerView lv;
    lv.name = lb.config.name;
    lv.region = lb.config.region;
    if (lb.weighted) {
      for (const LbGroup& g : lb.groups) lv.weights.emplace_back(groups_[index_of(g.group)].name, g.weight);
    }
    v.load_balancers.push_back(std::move(lv));
  }
  return v;
}

// --- Trace records ------------------------------------------------------------------------------

void World::trace_instance(const Instance& inst, const char* reason) {
  ++changes_;
  if (trace_ == nullptr) return;
  trace::Event e;
  trace::InstanceChange* c = e.mutable_instance();
  c->set_instance(inst.name);
  c->set_server_group(groups_[index_of(inst.group)].name);
  c->set_zone(zones_[inst.zone].name);
  c->set_state(state_name(inst.state));
  c->set_platform_health(platform_health_name(inst.platform));
  c->set_reason(reason);
  trace_->append(loop_.now(), e);
}

void World::trace_target(const Instance& inst, const Target& target) {
  ++changes_;
  if (trace_ == nullptr) return;
  trace::Event e;
  trace::TargetChange* c = e.mutable_target();
  c->set_load_balancer(lbs_[index_of(target.lb)].config.name);
  c->set_instance(inst.name);
  c->set_server_group(groups_[index_of(inst.group)].name);
  c->set_health(target_health_name(target.health));
  trace_->append(loop_.now(), e);
}

void World::trace_group(const ServerGroup& group, const char* action) {
  ++changes_;
  if (trace_ == nullptr) return;
  trace::Event e;
  trace::ServerGroupChange* c = e.mutable_server_group();
  c->set_server_group(group.name);
  c->set_action(action);
  c->set_min(group.capacity.min);
  c->set_desired(group.capacity.desired);
  c->set_max(group.capacity.max);
  c->set_enabled(group.enabled);
  c->set_version(versions_[group.version].name);
  c->set_region(config_.regions[group.region].name);
  trace_->append(loop_.now(), e);
}

void append_fault_event(sim::TraceWriter& trace, sim::TimePoint at, const std::string& kind, const std::string& target,
                        const std::string& detail, bool ended) {
  trace::Event e;
  trace::FaultInjected* f = e.mutable_fault();
  f->set_kind(kind);
  f->set_target(target);
  f->set_detail(detail);
  f->set_ended(ended);
  trace.append(at, e);
}

void World::trace_fault(const char* kind, const std::string& target, const std::string& detail,
                        bool ended) {
  if (trace_ != nullptr) append_fault_event(*trace_, loop_.now(), kind, target, detail, ended);
}

void World::trace_weights(const LoadBalancer& lb) {
  ++changes_;
  if (trace_ == nullptr) return;
  trace::Event e;
  trace::WeightsChange* w = e.mutable_weights();
  w->set_load_balancer(lb.config.name);
  for (const LbGroup& g : lb.groups) {
    trace::WeightsChange::Weight* entry = w->add_weights();
    entry->set_server_group(groups_[index_of(g.group)].name);
    entry->set_weight(g.weight);
  }
  trace_->append(loop_.now(), e);
}

}  // namespace deploysim::world
