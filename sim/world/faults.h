// FaultSchedule: the scenario's faults, injected into the world at their times (or at random times
// of a Poisson process with the configured rate). Each fault looks to the rest of the run exactly
// like the real failure it models: a crashed instance refuses connections, a zone outage times
// them out, a metric gap leaves intervals without data.
#pragma once

#include <cstddef>
#include <vector>

#include "sim/kernel/rng.h"
#include "sim/world/config.h"

namespace deploysim::world {

class World;

// The kind's name in scenario files and traces: crash, zone_outage, health_flapping, ...
const char* fault_kind_name(FaultConfig::Kind kind);

class FaultSchedule {
 public:
  explicit FaultSchedule(World& world);
  // Schedules every configured fault. Called by World::start().
  void schedule_all();
  // Injects `fault` now, as if the scenario had listed it last with this time: it draws from the
  // stream that index would have, so a run that injects the same faults at the same times is the
  // same run.
  void inject(FaultConfig fault);

 private:
  void schedule_next(size_t index, bool first);
  void fire(size_t index);
  void crash_instances(size_t index);

  World& world_;
  std::vector<sim::Rng> rngs_;  // one stream per fault: adding a fault never shifts another
};

}  // namespace deploysim::world
