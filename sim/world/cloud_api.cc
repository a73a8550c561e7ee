// API calls with latency, failures, throttling and stale reads.
#include "sim/world/cloud_api.h"

#include <algorithm>

#include "sim/kernel/distributions.h"
#include "sim/world/world.h"

namespace deploysim::world {
namespace {

// Stale reads are answered from views recorded this often (so a view is at most this much older
// than read_lag asks for).
constexpr sim::Duration kSnapshotEvery = sim::Duration::millis(100);

ApiResult from_status(const sim::Status& s, ApiStatus on_error) {
  if (s.ok()) return {};
  return {on_error, s.error().message, {}};
}

}  // namespace

const char* api_status_name(ApiStatus s) {
  switch (s) {
    case ApiStatus::kOk: return "ok";
    case ApiStatus::kThrottled: return "throttled";
    case ApiStatus::kTransient: return "transient";
    case ApiStatus::kNotFound: return "not_found";
    case ApiStatus::kInvalid: return "invalid";
  }
  return "unknown";
}

CloudApi::CloudApi(World& world, sim::EventLoop& loop, uint64_t seed)
    : world_(world),
      loop_(loop),
      config_(world.config().api),
      latency_rng_(world_stream(seed, "api/latency")),
      failure_rng_(world_stream(seed, "api/failures")),
      tokens_(config_.burst),
      tokens_at_(loop.now()) {}

void CloudApi::start() {
  if (config_.read_lag > sim::Duration::zero()) snapshot();
}

void CloudApi::snapshot() {
  if (world_.change_count() != history_changes_ || history_.empty()) {
    history_.emplace_back(loop_.now(), std::make_shared<const WorldView>(world_.view()));
    history_changes_ = world_.change_count();
  }
  // Keep the newest view older than the lag window and everything after it.
  while (history_.size() > 1 && history_[1].first <= loop_.now() - config_.read_lag) history_.pop_front();
  loop_.schedule_after(kSnapshotEvery, [this] { snapshot(); });
}

std::shared_ptr<const WorldView> CloudApi::view_as_of(sim::TimePoint t) const {
  if (config_.read_lag <= sim::Duration::zero() || history_.empty()) {
    return std::make_shared<const WorldView>(world_.view());
  }
  std::shared_ptr<const WorldView> found = history_.front().second;
  for (const auto& [at, view] : history_) {
    if (at > t) break;
    found = view;
  }
  return found;
}

bool CloudApi::take_token() {
  if (config_.rate_limit_per_s <= 0) return true;
  const double refill = (loop_.now() - tokens_at_).to_seconds() * config_.rate_limit_per_s;
  tokens_ = std::min<double>(config_.burst, tokens_ + refill);
  tokens_at_ = loop_.now();
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

void CloudApi::submit(const char* operation, std::function<ApiResult()> apply, Callback done) {
  ++calls_;
  const sim::Duration latency = config_.latency.sample_duration(latency_rng_);
  ApiResult early;
  if (!take_token()) {
    early = {ApiStatus::kThrottled, std::string(operation) + ": rate limit exceeded", {}};
  } else {
    const double p = std::max(config_.failure_probability, world_.api_error_probability());
    if (p > 0 && sim::bernoulli(failure_rng_, p)) {
      early = {ApiStatus::kTransient, std::string(operation) + ": the cloud API failed (transient)", {}};
    }
  }
  // The call is done when its latency has passed; only then does it change the world.
  loop_.schedule_after(latency, sim::Action::boxed([apply = std::move(apply), done = std::move(done),
                                                    early = std::move(early)] {
    const ApiResult result = early.ok() ? apply() : early;
    if (done) done(result);
  }));
}

void CloudApi::create_server_group(ServerGroupConfig config, Callback done) {
  config.start_running = false;
  submit("createServerGroup", [this, config] {
    sim::Result<ServerGroupId> id = world_.create_server_group(config);
    if (!id.ok()) return ApiResult{ApiStatus::kInvalid, id.error().message, {}};
    return ApiResult{ApiStatus::kOk, {}, world_.server_group(*id).name};
  }, std::move(done));
}

namespace {

// Resolves a server group name for an operation, or says why it cannot.
template <class Op>
ApiResult on_group(World& world, const std::string& name, Op op) {
  const std::optional<ServerGroupId> id = world.find_server_group(name);
  if (!id || world.server_group(*id).destroyed) {
    return {ApiStatus::kNotFound, "server group " + name + " not found", {}};
  }
  return from_status(op(*id), ApiStatus::kInvalid);
}

}  // namespace

void CloudApi::resize(std::string server_group, Capacity capacity, Callback done) {
  submit("resizeServerGroup", [this, server_group, capacity] {
    return on_group(world_, server_group, [&](ServerGroupId id) { return world_.resize(id, capacity); });
  }, std::move(done));
}

void CloudApi::enable(std::string server_group, Callback done) {
  submit("enableServerGroup", [this, server_group] {
    return on_group(world_, server_group, [&](ServerGroupId id) { return world_.enable(id); });
  }, std::move(done));
}

void CloudApi::disable(std::string server_group, Callback done) {
  submit("disableServerGroup", [this, server_group] {
    return on_group(world_, server_group, [&](ServerGroupId id) { return world_.disable(id); });
  }, std::move(done));
}

void CloudApi::set_in_service(std::string server_group, std::vector<std::string> instances, bool in_service,
                              Callback done) {
  submit(in_service ? "enableInstances" : "disableInstances", [this, server_group, instances, in_service] {
    return on_group(world_, server_group,
                    [&](ServerGroupId id) { return world_.set_in_service(id, instances, in_service); });
  }, std::move(done));
}

void CloudApi::destroy(std::string server_group, Callback done) {
  submit("destroyServerGroup", [this, server_group] {
    return on_group(world_, server_group, [&](ServerGroupId id) { return world_.destroy(id); });
  }, std::move(done));
}

void CloudApi::set_load_balancers(std::string server_group, std::vector<std::string> load_balancers, Callback done) {
  submit("setLoadBalancers", [this, server_group, load_balancers] {
    std::vector<LoadBalancerId> ids;
    for (const std::string& name : load_balancers) {
      const std::optional<LoadBalancerId> lb = world_.find_load_balancer(name);
      if (!lb) return ApiResult{ApiStatus::kNotFound, "load balancer " + name + " not found", {}};
      ids.push_back(*lb);
    }
    return on_group(world_, server_group, [&](ServerGroupId id) { return world_.set_load_balancers(id, ids); });
  }, std::move(done));
}

void CloudApi::set_weights(std::string load_balancer,
                           std::vector<std::pair<std::string, double>> weights, Callback done) {
  submit("setTrafficWeights", [this, load_balancer, weights] {
    const std::optional<LoadBalancerId> lb = world_.find_load_balancer(load_balancer);
    if (!lb) return ApiResult{ApiStatus::kNotFound, "load balancer " + load_balancer + " not found", {}};
    std::vector<std::pair<ServerGroupId, double>> resolved;
    for (const auto& [name, weight] : weights) {
      const std::optional<ServerGroupId> id = world_.find_server_group(name);
      if (!id) return ApiResult{ApiStatus::kNotFound, "server group " + name + " not found", {}};
      resolved.emplace_back(*id, weight);
    }
    return from_status(world_.set_weights(*lb, resolved), ApiStatus::kInvalid);
  }, std::move(done));
}

void CloudApi::describe(ViewCallback done) {
  auto view = std::make_shared<std::shared_ptr<const WorldView>>();
  submit("describe", [this, view] {
    *view = view_as_of(loop_.now() - config_.read_lag);
    return ApiResult{};
  }, [view, done = std::move(done)](const ApiResult& r) { done(r, r.ok() ? *view : nullptr); });
}

}  // namespace deploysim::world
