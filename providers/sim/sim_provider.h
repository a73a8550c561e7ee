// SimProvider: the CloudProvider over the simulated world. Operations go through the world's cloud
// API model (latency, failures, throttling, stale reads), and health is reported the way
// clouddriver reports it for AWS: a platform health ("Amazon": Unknown while the machine runs, Down
// otherwise) and a load-balancer health ("LoadBalancer": Up, Starting, Down, OutOfService or
// Draining, aggregated over the instance's load balancers).
#pragma once

#include <memory>

#include "providers/cloud_provider.h"
#include "providers/kubernetes/kubernetes_cluster.h"
#include "sim/world/cloud_api.h"
#include "sim/world/world.h"

namespace deploysim::providers {

class SimProvider : public CloudProvider {
 public:
  // Both must outlive the provider; `api` must be started.
  SimProvider(world::World& world, world::CloudApi& api, sim::EventLoop& loop);

  void create_server_group(const ServerGroupSpec& spec, Created done) override;
  void clone_server_group(const std::string& source, const std::string& artifact,
                          std::optional<Capacity> capacity, Created done) override;
  void resize_server_group(const std::string& server_group, const Capacity& capacity, Done done) override;
  void enable_server_group(const std::string& server_group, Done done) override;
  void disable_server_group(const std::string& server_group, Done done) override;
  void set_instances_enabled(const std::string& server_group, const std::vector<std::string>& instances,
                             bool enabled, Done done) override;
  void destroy_server_group(const std::string& server_group, Done done) override;
  void set_load_balancers(const std::string& server_group, const std::vector<std::string>& load_balancers,
                          Done done) override;
  void set_traffic_weights(const std::string& load_balancer,
                           const std::vector<std::pair<std::string, double>>& weights, Done done) override;
  void describe_cluster(const std::string& cluster, Described done) override;
  void query_metrics(const MetricsQuery& query, Measured done) override;
  // A Kubernetes account whose namespaces are the world's regions.
  kubernetes::KubernetesCluster* kubernetes() override { return &kubernetes_; }

 private:
  world::World& world_;
  world::CloudApi& api_;
  sim::EventLoop& loop_;
  kubernetes::KubernetesCluster kubernetes_{*this, loop_};
};

// The provider's view of a described cluster (exposed for tests).
ClusterInfo cluster_info(const world::WorldView& view, const std::string& cluster);

}  // namespace deploysim::providers
