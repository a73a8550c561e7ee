// FaultyProvider: wraps any provider and, by rule, fails or delays its operations, so that a
// pipeline's handling of cloud errors (retries, backoff, giving up) can be tested against real
// failure shapes without changing the provider underneath.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "providers/cloud_provider.h"
#include "sim/kernel/event_loop.h"
#include "sim/kernel/rng.h"

namespace deploysim::providers {

struct FaultRule {
  // The operation to affect: create, clone, resize, enable, disable, destroy, set_load_balancers,
  // set_weights, describe, metrics; or "*" for all.
  std::string operation = "*";
  ErrorCode error = ErrorCode::kTransient;  // kOk: only delay
  double probability = 1;                   // chance a matching call is affected
  int64_t times = -1;                       // affect at most this many calls; -1: no limit
  sim::Duration latency;                    // added before the call (or the error) completes
  std::string message = "injected fault";
};

class FaultyProvider : public ProviderWrapper {
 public:
  // `loop` delays completions; `rng` decides probabilistic rules (one stream for the wrapper).
  FaultyProvider(CloudProvider& target, sim::EventLoop& loop, sim::Rng rng,
                 std::vector<FaultRule> rules);

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

  // Calls affected so far (errors injected or delays added).
  int64_t injected() const { return injected_; }

 private:
  struct Decision {
    OpResult error;             // not ok: fail with this instead of calling through
    sim::Duration latency;      // wait this long first
  };
  Decision decide(const char* operation);
  // Runs `call` after `latency` (at once when there is none).
  void after(sim::Duration latency, std::function<void()> call);
  // Decides for `operation`: completes with the injected error via `fail`, or calls through via
  // `pass`, after the decided latency.
  template <class Fail, class Pass>
  void apply(const char* operation, Fail fail, Pass pass);

  sim::EventLoop& loop_;
  sim::Rng rng_;
  std::vector<FaultRule> rules_;
  std::vector<int64_t> used_;
  int64_t injected_ = 0;
};

}  // namespace deploysim::providers
