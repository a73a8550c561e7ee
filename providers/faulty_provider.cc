// Applying fault rules to provider calls.
#include "providers/faulty_provider.h"

#include "sim/kernel/distributions.h"

namespace deploysim::providers {

FaultyProvider::FaultyProvider(CloudProvider& target, sim::EventLoop& loop, sim::Rng rng,
                               std::vector<FaultRule> rules)
    : ProviderWrapper(target), loop_(loop), rng_(rng), rules_(std::move(rules)), used_(rules_.size(), 0) {}

FaultyProvider::Decision FaultyProvider::decide(const char* operation) {
  Decision d;
  for (size_t i = 0; i < rules_.size(); ++i) {
    const FaultRule& r = rules_[i];
    if (r.operation != "*" && r.operation != operation) continue;
    if (r.times >= 0 && used_[i] >= r.times) continue;
    if (r.probability < 1 && !sim::bernoulli(rng_, r.probability)) continue;
    ++used_[i];
    ++injected_;
    d.latency += r.latency;
    if (r.error != ErrorCode::kOk && d.error.ok()) {
      d.error = {r.error, std::string(operation) + ": " + r.message};
    }
  }
  return d;
}

void FaultyProvider::after(sim::Duration latency, std::function<void()> call) {
  if (latency <= sim::Duration::zero()) {
    call();
    return;
  }
  loop_.schedule_after(latency, sim::Action::boxed(std::move(call)));
}

template <class Fail, class Pass>
void FaultyProvider::apply(const char* operation, Fail fail, Pass pass) {
  const Decision d = decide(operation);
  if (!d.error.ok()) {
    after(d.latency, [error = d.error, fail = std::move(fail)]() mutable { fail(error); });
  } else {
    after(d.latency, std::move(pass));
  }
}

void FaultyProvider::create_server_group(const ServerGroupSpec& spec, Created done) {
  apply("create", [done](const OpResult& e) { done(e, ""); },
        [this, spec, done] { target().create_server_group(spec, done); });
}

void FaultyProvider::clone_server_group(const std::string& source, const std::string& artifact,
                                        std::optional<Capacity> capacity, Created done) {
  apply("clone", [done](const OpResult& e) { done(e, ""); },
        [this, source, artifact, capacity, done] { target().clone_server_group(source, artifact, capacity, done); });
}

void FaultyProvider::resize_server_group(const std::string& server_group, const Capacity& capacity, Done done) {
  apply("resize", [done](const OpResult& e) { done(e); },
        [this, server_group, capacity, done] { target().resize_server_group(server_group, capacity, done); });
}

void FaultyProvider::enable_server_group(const std::string& server_group, Done done) {
  apply("enable", [done](const OpResult& e) { done(e); },
        [this, server_group, done] { target().enable_server_group(server_group, done); });
}

void FaultyProvider::set_instances_enabled(const std::string& server_group, const std::vector<std::string>& instances,
                                           bool enabled, Done done) {
  apply(enabled ? "enable" : "disable", [done](const OpResult& e) { done(e); }, [this, server_group, instances, enabled, done] {
    target().set_instances_enabled(server_group, instances, enabled, done);
  });
}

void FaultyProvider::disable_server_group(const std::string& server_group, Done done) {
  apply("disable", [done](const OpResult& e) { done(e); },
        [this, server_group, done] { target().disable_server_group(server_group, done); });
}

void FaultyProvider::destroy_server_group(const std::string& server_group, Done done) {
  apply("destroy", [done](const OpResult& e) { done(e); },
        [this, server_group, done] { target().destroy_server_group(server_group, done); });
}

void FaultyProvider::set_load_balancers(const std::string& server_group, const std::vector<std::string>& load_balancers,
                                        Done done) {
  apply("set_load_balancers", [done](const OpResult& e) { done(e); },
        [this, server_group, load_balancers, done] { target().set_load_balancers(server_group, load_balancers, done); });
}

void FaultyProvider::set_traffic_weights(const std::string& load_balancer,
                                         const std::vector<std::pair<std::string, double>>& weights,
                                         Done done) {
  apply("set_weights", [done](const OpResult& e) { done(e); },
        [this, load_balancer, weights, done] { target().set_traffic_weights(load_balancer, weights, done); });
}

void FaultyProvider::describe_cluster(const std::string& cluster, Described done) {
  apply("describe", [done](const OpResult& e) { done(e, ClusterInfo{}); },
        [this, cluster, done] { target().describe_cluster(cluster, done); });
}

void FaultyProvider::query_metrics(const MetricsQuery& query, Measured done) {
  apply("metrics", [done](const OpResult& e) { done(e, MetricsSeries{}); },
        [this, query, done] { target().query_metrics(query, done); });
}

}  // namespace deploysim::providers
