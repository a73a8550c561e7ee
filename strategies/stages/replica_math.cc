// Argo Rollouts' canary replica counts (replica_math.h).
#include "strategies/stages/replica_math.h"

#include <cmath>
#include <vector>

namespace deploysim::strategies {
namespace {

// The floor and the ceiling of total * w / 100 are equally far from w%.
bool tied(int weight, int total) {
  double whole = 0;
  return std::modf(total * (weight / 100.0), &whole) == 0.5;
}

double delta(int weight, int canary, int total) { return std::abs(canary * 100.0 / total - weight); }

}  // namespace

ReplicaSplit weighted_replicas(int replicas, int weight, bool surge_allowed) {
  if (replicas <= 0) return {0, 0};
  const int ceiling = static_cast<int>(std::ceil(replicas * weight / 100.0));
  const int floor = static_cast<int>(std::floor(replicas * weight / 100.0));
  // A floor of 0 is allowed only where a zero canary is what was asked for.
  const bool zero_allowed = weight == 100 || weight == 0 || (replicas == 1 && !surge_allowed);
  struct Option {
    int canary;
    int total;
  };
  std::vector<Option> options;
  if (ceiling < replicas || zero_allowed) options.push_back({ceiling, replicas});
  if (!tied(weight, replicas) && (floor != 0 || zero_allowed)) options.push_back({floor, replicas});
  if (surge_allowed) {
    options.push_back({ceiling, replicas + 1});
    if (!tied(weight, replicas + 1) && (floor != 0 || zero_allowed)) options.push_back({floor, replicas + 1});
  }
  if (options.empty()) return {0, replicas};
  Option best = options.front();
  for (const Option& o : options) {
    if (delta(weight, o.canary, o.total) < delta(weight, best.canary, best.total)) best = o;
  }
  return {best.canary, best.total - best.canary};
}

int traffic_routed_canary_replicas(int replicas, int weight) {
  return static_cast<int>(std::ceil(weight * replicas / 100.0));
}

}  // namespace deploysim::strategies
