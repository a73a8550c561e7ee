// Instances coming and going: launch, boot, run, drain, terminate, crash, replacement.
#include <algorithm>

#include "sim/kernel/check.h"
#include "sim/world/world.h"

namespace deploysim::world {

void World::set_state(Instance& inst, InstanceState state, PlatformHealth health,
                      const char* reason) {
  inst.state = state;
  inst.platform = health;
  trace_instance(inst, reason);
}

InstanceId World::launch(ServerGroup& group, bool already_running) {
  const auto id = static_cast<InstanceId>(instances_.size());
  const uint32_t index = group.next_instance_index++;
  // Zones in turn, as auto-scaling groups balance them.
  const uint32_t zone = group.zones[index % group.zones.size()];
  const std::string name = group.name + "-i" + std::to_string(index);
  instances_.emplace_back(id, name, group.id, zone, versions_[group.version],
                          group.rng.derive("instance/" + std::to_string(index)),
                          config_.metrics_interval);
  Instance& inst = instances_.back();
  inst.owner = &group;
  inst.profile = &versions_[group.version];
  group.instances.push_back(id);
  inst.launched_at = loop_.now();
  if (already_running) {
    // A server group the scenario starts with: up and in service from the first moment.
    inst.process_alive = true;
    become_running(inst, true);
    return id;
  }
  trace_instance(inst, "launched");
  inst.lifecycle = loop_.schedule_after(config_.launch_delay, [this, id] { begin_boot(id); });
  return id;
}

void World::begin_boot(InstanceId id) {
  Instance& inst = instances_[index_of(id)];
  const ServerGroup& group = groups_[index_of(inst.group)];
  inst.process_alive = true;
  set_state(inst, InstanceState::kBooting, PlatformHealth::kStarting, "booting");
  sim::Duration boot = versions_[group.version].boot_time.sample_duration(inst.boot_rng);
  if (group.slow_boot_factor != 1) {
    boot = sim::Duration::micros(
        static_cast<int64_t>(static_cast<double>(boot.count_micros()) * group.slow_boot_factor));
  }
  inst.lifecycle = loop_.schedule_after(boot, [this, id] { finish_boot(id); });
}

void World::finish_boot(InstanceId id) { become_running(instances_[index_of(id)], false); }

void World::become_running(Instance& inst, bool in_service_now) {
  inst.running_at = loop_.now();
  set_state(inst, InstanceState::kRunning, PlatformHealth::kUp, in_service_now ? "running" : "booted");
  const ServerGroup& group = groups_[index_of(inst.group)];
  if (group.enabled && !inst.out_of_service) {
    for (LoadBalancerId lb : group.load_balancers) register_target(inst, lb, in_service_now);
  }
  schedule_crash(inst);
}

void World::schedule_crash(Instance& inst) {
  const VersionProfile& profile = versions_[groups_[index_of(inst.group)].version];
  if (!profile.crash_mtbf) return;
  const sim::Duration after = sim::exponential_duration(inst.crash_rng, *profile.crash_mtbf);
  const InstanceId id = inst.id;
  inst.crash = loop_.schedule_after(after, [this, id] { crash(id, "crashed (version MTBF)"); });
}

void World::terminate(Instance& inst, const std::string& reason) {
  loop_.cancel(inst.lifecycle);
  loop_.cancel(inst.crash);
  if (inst.state == InstanceState::kPending || inst.state == InstanceState::kBooting) {
    finish_termination(inst, reason);
    return;
  }
  set_state(inst, InstanceState::kDraining, inst.platform, reason.c_str());
  bool draining = false;
  for (Target& t : inst.targets) {
    if (t.health == TargetHealth::kUnregistered) continue;
    if (t.health != TargetHealth::kDraining) deregister_target(inst, t);
    draining = draining || t.health == TargetHealth::kDraining;
  }
  if (!draining) finish_termination(inst, reason);
  // Otherwise finish_drain() terminates it once every load balancer has let go.
}

void World::kill_process(Instance& inst) {
  inst.process_alive = false;
  loop_.cancel(inst.lifecycle);
  loop_.cancel(inst.crash);
  reset_in_flight(inst);
}

void World::finish_termination(Instance& inst, const std::string& reason) {
  kill_process(inst);
  for (Target& t : inst.targets) {
    if (t.health != TargetHealth::kUnregistered) set_target_health(inst, t, TargetHealth::kUnregistered);
    loop_.cancel(t.next_probe);
    loop_.cancel(t.drain_deadline);
  }
  set_state(inst, InstanceState::kTerminated, PlatformHealth::kDown, reason.c_str());
}

void World::crash(InstanceId id, const std::string& reason) {
  Instance& inst = instances_[index_of(id)];
  if (inst.state == InstanceState::kTerminated || !inst.process_alive) return;
  ++totals_.crashes;
  inst.crashed = true;
  kill_process(inst);
  // The machine is gone, but the load balancers still have it registered: they keep sending it
  // requests (refused) until their health checks mark it unhealthy.
  set_state(inst, InstanceState::kTerminated, PlatformHealth::kDown, reason.c_str());
  const ServerGroupId group = inst.group;
  inst.lifecycle = loop_.schedule_after(config_.replace_after, [this, id, group] {
    // The platform notices: the dead instance leaves its load balancers and a replacement starts.
    Instance& dead = instances_[index_of(id)];
    for (Target& t : dead.targets) {
      loop_.cancel(t.next_probe);
      loop_.cancel(t.drain_deadline);
      if (t.health != TargetHealth::kUnregistered) set_target_health(dead, t, TargetHealth::kUnregistered);
    }
    maybe_replace(group);
  });
}

void World::maybe_replace(ServerGroupId id) {
  ServerGroup& group = groups_[index_of(id)];
  if (group.destroyed) return;
  if (live_instance_count(group) < group.capacity.desired) apply_capacity(group);
}

}  // namespace deploysim::world
