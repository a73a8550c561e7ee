// WorldView: what the cloud's describe calls return, a copy of the state a deployment tool can
// see (server groups, their instances and health, load balancer weights) at one moment. Views are
// values: the cloud API keeps old ones to answer with stale data, as clouddriver's cache does.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "sim/kernel/time.h"
#include "sim/world/config.h"
#include "sim/world/entities.h"
#include "sim/world/names.h"

namespace deploysim::world {

struct InstanceView {
  std::string name;
  std::string zone;
  InstanceState state = InstanceState::kPending;
  PlatformHealth platform = PlatformHealth::kStarting;
  // What a readiness probe sees now: the application is serving and its health endpoint answers ok.
  bool ready = false;
  std::vector<std::pair<std::string, TargetHealth>> load_balancers;  // name, health
  sim::TimePoint launched_at;
};

struct ServerGroupView {
  std::string name;
  Moniker moniker;
  std::string region;
  std::string version;
  Capacity capacity;
  bool enabled = true;
  sim::TimePoint created_at;
  std::vector<std::string> load_balancers;
  std::vector<InstanceView> instances;  // not yet terminated
};

struct LoadBalancerView {
  std::string name;
  std::string region;
  // (server group, weight) when traffic is split by weight; empty when spread over targets.
  std::vector<std::pair<std::string, double>> weights;
};

struct WorldView {
  sim::TimePoint as_of;
  std::vector<ServerGroupView> server_groups;  // existing groups, in creation order
  std::vector<LoadBalancerView> load_balancers;

  const ServerGroupView* find(const std::string& server_group) const;
};

}  // namespace deploysim::world
