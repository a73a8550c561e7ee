// CloudProvider: the narrow, clouddriver-like interface through which pipelines and strategies act
// on a cloud. The simulated cloud (providers/sim) and, later, real infrastructure (providers/local)
// implement it; strategies/ sees only this header, so the code scored in simulation is the code
// that drives real infrastructure, and it can never ask which one it is talking to.
//
// Every operation is asynchronous: it returns at once and later calls its completion on the event
// loop's thread, exactly once, with an OpResult. Operations take effect when they complete. A
// provider never throws; failures are OpResults with one of a small closed set of codes, each
// asking the caller for a different reaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/kernel/time.h"

namespace deploysim::providers {

namespace kubernetes {
class KubernetesCluster;
}

enum class ErrorCode {
  kOk,
  kNotFound,   // the named server group, cluster or load balancer does not exist
  kThrottled,  // rate limited: retry after a backoff
  kTransient,  // failed this time, nothing changed: retry after a backoff
  kPermanent,  // failed and will fail again (the cloud refused it): stop
  kInvalid,    // the request itself is wrong (bad capacity, unknown version): stop
};
const char* error_code_name(ErrorCode code);

struct OpResult {
  ErrorCode code = ErrorCode::kOk;
  std::string message;  // for a person, when not ok: what failed and why
  bool ok() const { return code == ErrorCode::kOk; }
  // Throttled and transient failures are worth retrying; the others are not.
  bool retryable() const { return code == ErrorCode::kThrottled || code == ErrorCode::kTransient; }
};

struct Capacity {
  int min = 0;
  int desired = 0;
  int max = 0;
  friend bool operator==(const Capacity&, const Capacity&) = default;
};

// What to create: Spinnaker's moniker plus what runs and where.
struct ServerGroupSpec {
  std::string application;
  std::string stack;
  std::string detail;  // Spinnaker's freeFormDetails
  std::string region;
  std::vector<std::string> zones;  // empty: every zone of the region
  std::string artifact;            // the version (image, build) to run
  Capacity capacity;
  std::vector<std::string> load_balancers;
  bool enabled = true;  // false: created without traffic (Spinnaker's suspended AddToLoadBalancer)
};

// Health states as clouddriver reports them (HealthState.java).
enum class HealthState { kUp, kDown, kStarting, kOutOfService, kDraining, kUnknown };
const char* health_state_name(HealthState h);

// Clouddriver's aggregation of one instance's health over several load balancers
// (InstanceLoadBalancers.groovy): any Starting, else any Down, else any OutOfService, else any
// Draining, else Up.
HealthState aggregate_load_balancer_health(const std::vector<HealthState>& states);

struct Health {
  std::string provider;  // "Amazon" (platform) or "LoadBalancer"
  HealthState state = HealthState::kUnknown;
  bool platform = false;  // clouddriver's healthClass "platform"
};

struct InstanceInfo {
  std::string name;
  std::string zone;
  std::vector<Health> health;
  // What a Kubernetes readiness probe sees: the application serves and its health endpoint
  // answers ok (pods are Ready on this, with or without a load balancer).
  bool ready = false;
  sim::TimePoint launched_at;
};

struct ServerGroupInfo {
  std::string name;     // cluster-vNNN
  std::string cluster;
  std::string region;
  std::string artifact;
  Capacity capacity;
  bool disabled = false;
  sim::TimePoint created_at;
  std::vector<std::string> load_balancers;
  std::vector<InstanceInfo> instances;
};

// A cluster as describe returns it: its server groups in every region, oldest first.
struct ClusterInfo {
  std::string name;
  std::vector<ServerGroupInfo> server_groups;
};

// The metrics every provider answers for a scope: counts and rates per step, and latency
// percentiles in milliseconds.
const std::vector<std::string>& known_metrics();

// One metric of one server group (or "client:<traffic source>" for what users saw), per step.
struct MetricsQuery {
  std::string scope;   // a server group name
  std::string metric;  // requests, errors, error_rate, request_rate, latency_p50, latency_p90, latency_p99
  sim::TimePoint from;
  sim::TimePoint to;
  sim::Duration step = sim::Duration::seconds(60);
};

struct MetricsSeries {
  sim::TimePoint from;
  sim::Duration step;
  // One value per step; nullopt where there was no data (no requests for a rate, or a gap).
  std::vector<std::optional<double>> values;
};

class CloudProvider {
 public:
  using Done = std::function<void(const OpResult&)>;
  using Created = std::function<void(const OpResult&, const std::string& server_group)>;
  using Described = std::function<void(const OpResult&, const ClusterInfo&)>;
  using Measured = std::function<void(const OpResult&, const MetricsSeries&)>;

  virtual ~CloudProvider() = default;

  // Creates a server group named as Spinnaker would (the cluster's next -vNNN) and starts its
  // instances. On success `server_group` is its name. Errors: kInvalid for a bad spec (unknown
  // region, artifact or load balancer; min <= desired <= max violated), kThrottled/kTransient.
  virtual void create_server_group(const ServerGroupSpec& spec, Created done) = 0;

  // Creates a copy of `source` (same cluster, artifact, capacity, load balancers) with the
  // overrides applied: a non-empty `artifact`, a capacity when given. Errors as create, plus
  // kNotFound for an unknown source.
  virtual void clone_server_group(const std::string& source, const std::string& artifact,
                                  std::optional<Capacity> capacity, Created done) = 0;

  // Sets min/desired/max; the cloud starts or stops instances to match desired.
  // Errors: kNotFound, kInvalid (min <= desired <= max violated), kThrottled/kTransient.
  virtual void resize_server_group(const std::string& server_group, const Capacity& capacity,
                                   Done done) = 0;

  // Registers the group's instances with its load balancers; each must then pass health checks
  // before it gets traffic. Errors: kNotFound, kThrottled/kTransient.
  virtual void enable_server_group(const std::string& server_group, Done done) = 0;

  // Deregisters the group's instances from its load balancers (connections drain); instances keep
  // running. Errors: kNotFound, kThrottled/kTransient.
  virtual void disable_server_group(const std::string& server_group, Done done) = 0;

  // Takes these instances of the group out of its load balancers (connections drain; they keep
  // running and stay out until put back), or puts them back: a partial disable or enable, as
  // clouddriver does for desiredPercentage. Errors: kNotFound (group), kInvalid (an instance not in
  // it), kThrottled/kTransient.
  virtual void set_instances_enabled(const std::string& server_group, const std::vector<std::string>& instances,
                                     bool enabled, Done done) = 0;
  // Terminates the group's instances (draining first) and removes the group.
  // Errors: kNotFound, kThrottled/kTransient.
  virtual void destroy_server_group(const std::string& server_group, Done done) = 0;

  // Makes `load_balancers` the group's load balancers: it joins the new ones (running instances
  // register and must pass health checks) and leaves the others (connections drain). Kubernetes
  // traffic edits: pod labels starting or ceasing to match a Service's selector.
  // Errors: kNotFound (group or load balancer), kThrottled/kTransient.
  virtual void set_load_balancers(const std::string& server_group, const std::vector<std::string>& load_balancers,
                                  Done done) = 0;

  // Splits a load balancer's traffic between server groups by weight; an empty list spreads it
  // over all targets again. Errors: kNotFound, kInvalid (negative weight, group not behind it).
  virtual void set_traffic_weights(const std::string& load_balancer,
                                   const std::vector<std::pair<std::string, double>>& weights,
                                   Done done) = 0;

  // The cluster's server groups (all regions), instances and their health, as the cloud's cache
  // shows them, which can lag the truth. An unknown cluster is an empty ClusterInfo, not an error.
  // Errors: kThrottled/kTransient.
  virtual void describe_cluster(const std::string& cluster, Described done) = 0;

  // The Kubernetes account over this provider that manifest stages use, or nullptr when it has
  // none (the stages then fail, saying so).
  virtual kubernetes::KubernetesCluster* kubernetes() { return nullptr; }

  // A metric of a server group over [from, to) in steps. Errors: kNotFound (unknown scope),
  // kInvalid (unknown metric, empty window), kThrottled/kTransient.
  virtual void query_metrics(const MetricsQuery& query, Measured done) = 0;
};

// Forwards every call to another provider: the base of wrappers that change a few behaviours and
// leave the rest alone (as leveldb's EnvWrapper does). The target must outlive the wrapper.
class ProviderWrapper : public CloudProvider {
 public:
  explicit ProviderWrapper(CloudProvider& target) : target_(target) {}

  void create_server_group(const ServerGroupSpec& spec, Created done) override {
    target_.create_server_group(spec, std::move(done));
  }
  void clone_server_group(const std::string& source, const std::string& artifact,
                          std::optional<Capacity> capacity, Created done) override {
    target_.clone_server_group(source, artifact, capacity, std::move(done));
  }
  void resize_server_group(const std::string& server_group, const Capacity& capacity,
                           Done done) override {
    target_.resize_server_group(server_group, capacity, std::move(done));
  }
  void enable_server_group(const std::string& server_group, Done done) override {
    target_.enable_server_group(server_group, std::move(done));
  }
  void disable_server_group(const std::string& server_group, Done done) override {
    target_.disable_server_group(server_group, std::move(done));
  }
  void set_instances_enabled(const std::string& server_group, const std::vector<std::string>& instances,
                             bool enabled, Done done) override {
    target_.set_instances_enabled(server_group, instances, enabled, std::move(done));
  }
  void destroy_server_group(const std::string& server_group, Done done) override {
    target_.destroy_server_group(server_group, std::move(done));
  }
  void set_load_balancers(const std::string& server_group, const std::vector<std::string>& load_balancers,
                          Done done) override {
    target_.set_load_balancers(server_group, load_balancers, std::move(done));
  }
  void set_traffic_weights(const std::string& load_balancer,
                           const std::vector<std::pair<std::string, double>>& weights,
                           Done done) override {
    target_.set_traffic_weights(load_balancer, weights, std::move(done));
  }
  void describe_cluster(const std::string& cluster, Described done) override {
    target_.describe_cluster(cluster, std::move(done));
  }
  void query_metrics(const MetricsQuery& query, Measured done) override {
    target_.query_metrics(query, std::move(done));
  }
  kubernetes::KubernetesCluster* kubernetes() override { return target_.kubernetes(); }

 protected:
  CloudProvider& target() { return target_; }

 private:
  CloudProvider& target_;
};

}  // namespace deploysim::providers
