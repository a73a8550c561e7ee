// Injecting faults into the world, and ending the ones that last a while.
#include "sim/world/faults.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "sim/kernel/distributions.h"
#include "sim/world/world.h"

namespace deploysim::world {

const char* fault_kind_name(FaultConfig::Kind k) {
  switch (k) {
    case FaultConfig::Kind::kCrash: return "crash";
    case FaultConfig::Kind::kZoneOutage: return "zone_outage";
    case FaultConfig::Kind::kHealthFlapping: return "health_flapping";
    case FaultConfig::Kind::kHealthFailure: return "health_failure";
    case FaultConfig::Kind::kSlowBoot: return "slow_boot";
    case FaultConfig::Kind::kApiErrors: return "api_errors";
    case FaultConfig::Kind::kMetricGap: return "metric_gap";
    case FaultConfig::Kind::kVersionChange: return "version_change";
  }
  return "unknown";
}

FaultSchedule::FaultSchedule(World& world) : world_(world) {
  for (size_t i = 0; i < world_.config_.faults.size(); ++i) {
    rngs_.push_back(world_stream(world_.seed_, "fault/" + std::to_string(i)));
  }
}

void FaultSchedule::schedule_all() {
  for (size_t i = 0; i < world_.config_.faults.size(); ++i) schedule_next(i, true);
}

void FaultSchedule::inject(FaultConfig fault) {
  fault.at = world_.loop_.now();
  fault.rate_per_hour = 0;
  world_.config_.faults.push_back(std::move(fault));
  const size_t i = world_.config_.faults.size() - 1;
  rngs_.push_back(world_stream(world_.seed_, "fault/" + std::to_string(i)));
  fire(i);
}

void FaultSchedule::schedule_next(size_t i, bool first) {
  const FaultConfig& f = world_.config_.faults[i];
  if (f.rate_per_hour > 0) {
    const double mean_us = 3600e6 / f.rate_per_hour;
    const auto gap = sim::Duration::micros(static_cast<int64_t>(sim::exponential(rngs_[i], mean_us) + 0.5));
    world_.loop_.schedule_after(gap, [this, i] {
      fire(i);
      schedule_next(i, false);
    });
  } else if (first) {
    world_.loop_.schedule(std::max(f.at, world_.loop_.now()), [this, i] { fire(i); });
  }
}

void FaultSchedule::crash_instances(size_t i) {
  const FaultConfig& f = world_.config_.faults[i];
  const std::optional<ServerGroupId> id = world_.find_server_group(f.server_group);
  if (!id) {
    world_.trace_fault("crash", f.server_group, "no such server group: nothing crashed");
    return;
  }
  std::vector<InstanceId> serving;
  for (InstanceId inst : world_.server_group(*id).instances) {
    if (world_.instance(inst).process_alive && world_.instance(inst).state != InstanceState::kTerminated) {
      serving.push_back(inst);
    }
  }
  int count = f.count;
  if (f.percent > 0) {
    count = static_cast<int>(std::ceil(f.percent / 100 * static_cast<double>(serving.size())));
  }
  count = std::min<int>(count, static_cast<int>(serving.size()));
  // A uniformly random subset: a partial Fisher-Yates shuffle.
  for (int k = 0; k < count; ++k) {
    const auto j = static_cast<size_t>(
        sim::uniform_int(rngs_[i], k, static_cast<int64_t>(serving.size()) - 1));
    std::swap(serving[static_cast<size_t>(k)], serving[j]);
  }
  world_.trace_fault("crash", f.server_group,
                     std::to_string(count) + " of " + std::to_string(serving.size()) + " instances");
  for (int k = 0; k < count; ++k) world_.crash(serving[static_cast<size_t>(k)], "crashed (fault)");
}

void FaultSchedule::fire(size_t i) {
  const FaultConfig& f = world_.config_.faults[i];
  sim::EventLoop& loop = world_.loop_;
  const sim::TimePoint end = loop.now() + f.duration;
  switch (f.kind) {
    case FaultConfig::Kind::kCrash:
      crash_instances(i);
      return;
    case FaultConfig::Kind::kZoneOutage: {
      const std::optional<uint32_t> zone = world_.find_zone(f.zone);
      if (!zone) return;
      world_.set_zone_down(*zone, true);
      world_.trace_fault("zone_outage", f.zone, "for " + sim::to_string(f.duration));
      loop.schedule(end, [this, i, z = *zone] {
        world_.set_zone_down(z, false);
        world_.trace_fault("zone_outage", world_.config_.faults[i].zone, "zone back", true);
      });
      return;
    }
    case FaultConfig::Kind::kHealthFlapping:
    case FaultConfig::Kind::kHealthFailure:
    case FaultConfig::Kind::kSlowBoot: {
      const std::optional<ServerGroupId> id = world_.find_server_group(f.server_group);
      if (!id) {
        world_.trace_fault(fault_kind_name(f.kind), f.server_group, "no such server group");
        return;
      }
      ServerGroup& g = world_.groups_[index_of(*id)];
      if (f.kind == FaultConfig::Kind::kHealthFlapping) {
        g.flapping = true;
        g.flapping_period = f.period;
      } else if (f.kind == FaultConfig::Kind::kHealthFailure) {
        g.health_failing = true;
      } else {
        g.slow_boot_factor = f.factor;
      }
      world_.trace_fault(fault_kind_name(f.kind), f.server_group, "for " + sim::to_string(f.duration));
      if (f.duration > sim::Duration::zero()) {
        loop.schedule(end, [this, i, id = *id] {
          ServerGroup& group = world_.groups_[index_of(id)];
          // Only this fault's effect ends: another kind on the same group goes on.
          switch (world_.config_.faults[i].kind) {
            case FaultConfig::Kind::kHealthFlapping: group.flapping = false; break;
            case FaultConfig::Kind::kHealthFailure: group.health_failing = false; break;
            default: group.slow_boot_factor = 1; break;
          }
          world_.trace_fault(fault_kind_name(world_.config_.faults[i].kind), group.name, "ended", true);
        });
      }
      return;
    }
    case FaultConfig::Kind::kApiErrors:
      world_.api_error_probability_ = f.probability;
      world_.trace_fault("api_errors", "cloud api", "failure probability " + std::to_string(f.probability));
      loop.schedule(end, [this] {
        world_.api_error_probability_ = 0;
        world_.trace_fault("api_errors", "cloud api", "ended", true);
      });
      return;
    case FaultConfig::Kind::kMetricGap: {
      bool any = false;
      for (ServerGroup& g : world_.groups_) {
        if (!f.server_group.empty() && g.name != f.server_group) continue;
        any = true;
        g.metrics.add_gap(loop.now(), end);
        for (InstanceId inst : g.instances) world_.instances_[index_of(inst)].metrics.add_gap(loop.now(), end);
      }
      if (f.server_group.empty()) {
        for (TrafficSource& s : world_.sources_) s.client.add_gap(loop.now(), end);
      }
      world_.trace_fault("metric_gap", f.server_group.empty() ? "all" : f.server_group,
                         any ? "for " + sim::to_string(f.duration) : "no such server group");
      return;
    }
    case FaultConfig::Kind::kVersionChange:
      for (VersionProfile& v : world_.versions_) {
        if (v.name != f.version) continue;
        if (f.error_probability) {
          v.errors = ErrorModel{};
          v.errors.probability = *f.error_probability;
        }
        if (f.service_time) v.service_time = *f.service_time;
        world_.trace_fault("version_change", f.version, "behaviour changed");
      }
      return;
  }
}

}  // namespace deploysim::world
