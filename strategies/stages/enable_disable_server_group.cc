// enableServerGroup and disableServerGroup: resolve the target when the stage starts, then
// register the group with its load balancers and wait for its instances to be up
// (WaitForUpInstancesTask), or deregister it and wait until no instance takes traffic.
//
// disableServerGroup with desiredPercentage p < 100 disables part of the group, as clouddriver's
// EnableDisablePercentageCategorizer decides: ceil(total * p / 100) instances should end out of
// service; those already out count toward it, and the rest are taken from the instances that are
// up, in name order. The stage then waits for exactly those instances (instanceIdsToDisable).
#include <algorithm>
#include <cmath>

#include "strategies/stages/server_group_support.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {

class EnableStage : public StageDefinition {
 public:
  const char* type() const override { return "enableServerGroup"; }
  sim::Status plan(Stage& stage, Execution&) const override {
    stage.tasks.push_back(resolve_target_task());
    stage.tasks.push_back(provider_task("enableServerGroup", [](TaskContext& c, auto done) {
      c.provider.enable_server_group(c.stage.context.value("serverGroupName", std::string()), done);
    }));
    stage.tasks.push_back(wait_for_up_instances_task());
    return sim::Status();
  }
};

// Out of service: no load balancer reports the instance Up or Starting any more.
bool out_of_service(const providers::InstanceInfo& instance) {
  bool in_balancer = false, out = false;
  for (const providers::Health& h : instance.health) {
    if (h.platform) continue;
    in_balancer = true;
    out = out || h.state == providers::HealthState::kOutOfService || h.state == providers::HealthState::kDraining;
  }
  return in_balancer && out;
}

std::vector<std::string> instances_to_disable(const providers::ServerGroupInfo& group, double percent) {
  const int total = static_cast<int>(group.instances.size());
  const int wanted = static_cast<int>(std::ceil(total * percent / 100.0));
  int already = 0;
  std::vector<std::string> up;
  for (const providers::InstanceInfo& i : group.instances) {
    if (out_of_service(i)) ++already;
    else if (instance_is_up(i, std::nullopt)) up.push_back(i.name);
  }
  std::sort(up.begin(), up.end());
  const size_t more = static_cast<size_t>(std::max(0, wanted - already));
  if (up.size() > more) up.resize(more);
  return up;
}

std::optional<double> desired_percentage(const Json& context) {
  const std::optional<double> p = number_field(context, "desiredPercentage");
  if (!p || *p >= 100) return std::nullopt;
  return std::max(0.0, *p);
}

class DisableStage : public StageDefinition {
 public:
  const char* type() const override { return "disableServerGroup"; }
  sim::Status plan(Stage& stage, Execution&) const override {
    stage.tasks.push_back(resolve_target_task());
    stage.tasks.push_back(provider_task("disableServerGroup", [](TaskContext& c, auto done) {
      const std::string name = c.stage.context.value("serverGroupName", std::string());
      const std::optional<double> percent = desired_percentage(c.stage.context);
      if (!percent) return c.provider.disable_server_group(name, done);
      Stage* disabling = &c.stage;
      providers::CloudProvider* provider = &c.provider;
      c.provider.describe_cluster(cluster_of(c.stage.context), [=, done = std::move(done)](
                                                                   const providers::OpResult& r, const providers::ClusterInfo& info) {
        if (!r.ok()) return done(r);
        const providers::ServerGroupInfo* g = find_group(info, name);
        if (g == nullptr) return done({providers::ErrorCode::kNotFound, "server group " + name + " not found"});
        const std::vector<std::string> chosen = instances_to_disable(*g, *percent);
        disabling->context["instanceIdsToDisable"] = chosen;
        disabling->outputs["instanceIdsToDisable"] = chosen;
        if (chosen.empty()) return done(providers::OpResult{});
        provider->set_instances_enabled(name, chosen, false, done);
      });
    }));
    stage.tasks.push_back(wait_for_disabled_task());
    return sim::Status();
  }
};

}  // namespace

std::unique_ptr<StageDefinition> make_enable_server_group_stage() { return std::make_unique<EnableStage>(); }
std::unique_ptr<StageDefinition> make_disable_server_group_stage() { return std::make_unique<DisableStage>(); }

}  // namespace deploysim::strategies
