// Load balancer membership and health checks: registration, probes against thresholds,
// deregistration with connection draining. The window between an instance dying and its probes
// marking it unhealthy is where rollouts lose requests, so probe timing follows the configured
// interval, timeout and thresholds exactly.
#include <algorithm>

#include "sim/world/world.h"

namespace deploysim::world {

Target* World::find_target(Instance& inst, LoadBalancerId lb) {
  for (Target& t : inst.targets) {
    if (t.lb == lb) return &t;
  }
  return nullptr;
}

bool World::reachable(const Instance& inst, int port) const {
  return !zones_[inst.zone].down && groups_[index_of(inst.group)].security.allows(port);
}

void World::register_target(Instance& inst, LoadBalancerId lb, bool in_service_now) {
  Target* t = find_target(inst, lb);
  if (t == nullptr) {
    Target fresh;
    fresh.lb = lb;
    inst.targets.push_back(fresh);
    t = &inst.targets.back();
  }
  if (t->health != TargetHealth::kUnregistered && t->health != TargetHealth::kDraining) return;
  loop_.cancel(t->drain_deadline);
  t->passes = 0;
  t->failures = 0;
  set_target_health(inst, *t, in_service_now ? TargetHealth::kInService : TargetHealth::kInitial);
  // Probes start at a random phase of the interval, as independent health checkers do.
  const sim::Duration interval = lbs_[index_of(lb)].config.health_check.interval;
  loop_.cancel(t->next_probe);
  schedule_probe(inst.id, lb,
                 sim::Duration::micros(sim::uniform_int(inst.health_rng, 0, interval.count_micros() - 1)));
}

void World::deregister_target(Instance& inst, Target& target) {
  loop_.cancel(target.next_probe);
  set_target_health(inst, target, TargetHealth::kDraining);
  if (inst.in_flight() == 0 || !inst.process_alive) {
    finish_drain(inst, target);
    return;
  }
  // Connection draining: in-flight requests get until the deregistration delay to finish.
  const InstanceId id = inst.id;
  const LoadBalancerId lb = target.lb;
  target.drain_deadline = loop_.schedule_after(
      lbs_[index_of(lb)].config.deregistration_delay, [this, id, lb] {
        Instance& i = instances_[index_of(id)];
        if (Target* t = find_target(i, lb); t != nullptr && t->health == TargetHealth::kDraining) {
          reset_in_flight(i);  // the load balancer closes what is still open
          finish_drain(i, *t);
        }
      });
}

void World::finish_drain(Instance& inst, Target& target) {
  loop_.cancel(target.drain_deadline);
  set_target_health(inst, target, TargetHealth::kUnregistered);
  if (inst.state != InstanceState::kDraining) return;
  const bool still_draining = std::any_of(inst.targets.begin(), inst.targets.end(), [](const Target& t) {
    return t.health == TargetHealth::kDraining;
  });
  if (!still_draining) finish_termination(inst, "terminated");
}

void World::check_drains(Instance& inst) {
  if (inst.in_flight() != 0) return;
  for (Target& t : inst.targets) {
    if (t.health == TargetHealth::kDraining) finish_drain(inst, t);
  }
}

void World::schedule_probe(InstanceId id, LoadBalancerId lb, sim::Duration delay) {
  Target* t = find_target(instances_[index_of(id)], lb);
  t->next_probe = loop_.schedule_after(delay, [this, id, lb] { probe(id, lb); });
}

bool World::health_endpoint_ok(const Instance& inst) const {
  const ServerGroup& group = groups_[index_of(inst.group)];
  const HealthBehaviour& h = versions_[group.version].health;
  const sim::Duration up_for = loop_.now() - inst.running_at;
  if (group.health_failing) return false;
  if (group.flapping) return (up_for / group.flapping_period) % 2 == 0;
  switch (h.kind) {
    case HealthBehaviour::Kind::kOk: return true;
    case HealthBehaviour::Kind::kFailing: return false;
    case HealthBehaviour::Kind::kFlapping: return (up_for / h.period) % 2 == 0;
    case HealthBehaviour::Kind::kFailingAfter: return up_for < h.after;
  }
  return true;
}

void World::probe(InstanceId id, LoadBalancerId lb) {
  Instance& inst = instances_[index_of(id)];
  const HealthCheckConfig& hc = lbs_[index_of(lb)].config.health_check;
  // The next probe is due one interval on, whatever this one finds.
  schedule_probe(id, lb, hc.interval);
  // An unreachable instance (zone down, or the health port blocked by its security group) does not
  // answer: the probe fails when its timeout runs out. A dead process refuses at once.
  if (!reachable(inst, hc.port)) {
    loop_.schedule_after(hc.timeout, [this, id, lb] { probe_result(id, lb, false); });
    return;
  }
  const bool passed = inst.process_alive && inst.state != InstanceState::kBooting &&
                      inst.state != InstanceState::kPending && health_endpoint_ok(inst);
  probe_result(id, lb, passed);
}

void World::probe_result(InstanceId id, LoadBalancerId lb, bool passed) {
  Instance& inst = instances_[index_of(id)];
  Target* t = find_target(inst, lb);
  // A probe answered after its target was deregistered no longer counts.
  if (t == nullptr || t->health == TargetHealth::kUnregistered || t->health == TargetHealth::kDraining) {
    return;
  }
  const HealthCheckConfig& hc = lbs_[index_of(lb)].config.health_check;
  if (passed) {
    ++t->passes;
    t->failures = 0;
    if (t->health != TargetHealth::kInService && t->passes >= hc.healthy_threshold) {
      set_target_health(inst, *t, TargetHealth::kInService);
    }
  } else {
    ++t->failures;
    t->passes = 0;
    if (t->health != TargetHealth::kUnhealthy && t->failures >= hc.unhealthy_threshold) {
      set_target_health(inst, *t, TargetHealth::kUnhealthy);
    }
  }
}

void World::set_target_health(Instance& inst, Target& target, TargetHealth health) {
  if (target.health == health) return;
  LoadBalancer& lb = lbs_[index_of(target.lb)];
  if (target.health == TargetHealth::kInService) remove_in_service(lb, inst.id, inst.group);
  if (health == TargetHealth::kInService) add_in_service(lb, inst.id, inst.group);
  target.health = health;
  ++totals_.health_transitions;
  trace_target(inst, target);
}

void World::add_in_service(LoadBalancer& lb, InstanceId id, ServerGroupId group) {
  lb.in_service.push_back(id);
  for (LbGroup& g : lb.groups) {
    if (g.group == group) g.in_service.push_back(id);
  }
}

void World::remove_in_service(LoadBalancer& lb, InstanceId id, ServerGroupId group) {
  std::erase(lb.in_service, id);
  for (LbGroup& g : lb.groups) {
    if (g.group == group) std::erase(g.in_service, id);
  }
}

}  // namespace deploysim::world
