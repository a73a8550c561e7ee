// How many replicas a step canary gives the canary and the stable group for a traffic weight, as
// Argo Rollouts computes them (utils/replicaset/canary.go).
#pragma once

namespace deploysim::strategies {

struct ReplicaSplit {
  int canary = 0;
  int stable = 0;
};

// Without a traffic router the split of requests follows the split of instances, so the counts
// approximate the weight (approximateWeightedCanaryStableReplicaCounts): the canary gets
// ceil(R * w / 100) or floor(R * w / 100) of `replicas` instances, all together R (or R + 1 when
// a surge is allowed), whichever share is nearest w%; an exact tie between floor and ceiling goes
// to the larger canary; for 0 < w < 100 and two or more instances neither side gets 0.
// 10 replicas at 10% -> 1 canary, 9 stable; at 41% -> 4 / 6.
ReplicaSplit weighted_replicas(int replicas, int weight_percent, bool surge_allowed);

// With a traffic router, traffic follows the weights: the canary gets ceil(R * w / 100) instances
// and the stable group keeps all R (trafficWeightToReplicas, dynamicStableScale off).
int traffic_routed_canary_replicas(int replicas, int weight_percent);

}  // namespace deploysim::strategies
