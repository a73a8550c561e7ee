// The cluster-wide stages (disableCluster, scaleDownCluster, shrinkCluster) as Orca's
// AbstractClusterWideClouddriverTask runs them: describe the cluster, choose the groups to keep by
// Orca's ordering, act on the rest one by one (retrying cloud errors), then wait for the result.
#pragma once

#include <memory>

#include "strategies/pipeline/stage.h"

namespace deploysim::strategies {

enum class ClusterOperation { kDisable, kScaleDown, kShrink };

// The task that chooses and acts; its wait follows (disable waits at least 90 s for draining,
// as tasks.disable-cluster-min-time-millis does by default).
std::unique_ptr<Task> cluster_operation_task(ClusterOperation op);
std::unique_ptr<Task> cluster_wait_task(ClusterOperation op);

}  // namespace deploysim::strategies
