// Which server group of a cluster a stage acts on, resolved as clouddriver resolves Spinnaker's
// dynamic targets (ClusterController.getTargetServerGroup): among the cluster's groups in a region,
// by creation time, never by enabled state. Orca resolves them when each stage starts, so a group
// created by an earlier stage is "current" for every later one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "providers/cloud_provider.h"
#include "sim/kernel/result.h"

namespace deploysim::providers {

enum class Target {
  kCurrent,   // current_asg_dynamic, current_asg, newest: the newest group
  kPrevious,  // ancestor_asg_dynamic, ancestor_asg, previous: the second newest
  kOldest,    // oldest_asg_dynamic, oldest: the oldest
  kLargest,   // largest_asg_dynamic, largest: the most instances, ties to the newest
  kFail,      // fail: an error if the cluster has more than one group
};

// The cluster of a server group name (Frigga: a trailing -vNNN of 3 to 6 digits), or nullopt when
// the name has no sequence (it names a cluster, or nothing Spinnaker would create).
std::optional<std::string> cluster_of_server_group(std::string_view name);

// Reads a target name as pipelines write it. Errors name the unknown value.
sim::Result<Target> parse_target(std::string_view name);

// The group `target` picks among `cluster`'s groups in `region` (all regions when empty), or
// kNotFound ("target not found", as clouddriver answers with 404).
struct TargetResult {
  OpResult result;
  const ServerGroupInfo* server_group = nullptr;
};
TargetResult resolve_target(const ClusterInfo& cluster, const std::string& region, Target target,
                            bool only_enabled = false);

}  // namespace deploysim::providers
