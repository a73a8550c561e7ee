// Clouddriver's TargetServerGroup resolution over a described cluster.
#include "providers/target.h"

#include <algorithm>
#include <vector>

namespace deploysim::providers {

std::optional<std::string> cluster_of_server_group(std::string_view name) {
  const size_t v = name.rfind("-v");
  if (v == std::string_view::npos || v == 0) return std::nullopt;
  const std::string_view digits = name.substr(v + 2);
  if (digits.size() < 3 || digits.size() > 6) return std::nullopt;
  for (char ch : digits) {
    if (ch < '0' || ch > '9') return std::nullopt;
  }
  return std::string(name.substr(0, v));
}

sim::Result<Target> parse_target(std::string_view name) {
  if (name == "current_asg_dynamic" || name == "current_asg" || name == "newest") return Target::kCurrent;
  if (name == "ancestor_asg_dynamic" || name == "ancestor_asg" || name == "previous") return Target::kPrevious;
  if (name == "oldest_asg_dynamic" || name == "oldest") return Target::kOldest;
  if (name == "largest_asg_dynamic" || name == "largest") return Target::kLargest;
  if (name == "fail") return Target::kFail;
  return sim::invalid_argument("unknown target \"" + std::string(name) +
                               "\"; expected current_asg_dynamic, ancestor_asg_dynamic, "
                               "oldest_asg_dynamic, largest_asg_dynamic or fail");
}

TargetResult resolve_target(const ClusterInfo& cluster, const std::string& region, Target target,
                            bool only_enabled) {
  std::vector<const ServerGroupInfo*> groups;
  for (const ServerGroupInfo& g : cluster.server_groups) {
    if (!region.empty() && g.region != region) continue;
    if (only_enabled && g.disabled) continue;
    groups.push_back(&g);
  }
  // Newest first; equal creation times keep describe's order (older listed first, so reversed).
  std::stable_sort(groups.begin(), groups.end(), [](const ServerGroupInfo* a, const ServerGroupInfo* b) {
    return a->created_at > b->created_at;
  });
  const auto not_found = [&](const std::string& why) {
    return TargetResult{{ErrorCode::kNotFound, "target not found in cluster " + cluster.name +
                                                   (region.empty() ? "" : " in " + region) + ": " + why},
                        nullptr};
  };
  if (groups.empty()) return not_found("it has no server groups");
  switch (target) {
    case Target::kCurrent:
      return {{}, groups[0]};
    case Target::kPrevious:
      if (groups.size() < 2) return not_found("there is no previous server group");
      return {{}, groups[1]};
    case Target::kOldest:
      return {{}, groups.back()};
    case Target::kLargest: {
      const ServerGroupInfo* largest = groups[0];
      for (const ServerGroupInfo* g : groups) {
        if (g->instances.size() > largest->instances.size()) largest = g;
      }
      return {{}, largest};
    }
    case Target::kFail:
      if (groups.size() > 1) {
        return {{ErrorCode::kInvalid, "target \"fail\": cluster " + cluster.name + " has " +
                                          std::to_string(groups.size()) + " server groups"},
                nullptr};
      }
      return {{}, groups[0]};
  }
  return not_found("unknown target");
}

}  // namespace deploysim::providers
