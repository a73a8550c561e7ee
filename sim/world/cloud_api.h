// CloudApi: the simulated cloud's API as a deployment tool meets it. Every call takes a latency
// drawn from the scenario, may fail (a transient error, more often during an api_errors fault) or
// be throttled (a token bucket), and takes effect only when it completes. Describe calls answer
// with the world as it was `read_lag` ago, as Spinnaker's clouddriver answers from its cache, so a
// tool polling for "three instances up" can see the past and race with it as real tools do.
//
// Completions run on the event loop; callbacks may call the API again.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sim/kernel/event_loop.h"
#include "sim/kernel/rng.h"
#include "sim/world/config.h"
#include "sim/world/view.h"

namespace deploysim::world {

class World;

// How an API call ended. The codes are what a caller acts on differently.
enum class ApiStatus {
  kOk,
  kThrottled,   // rate limited: retry later
  kTransient,   // failed this time; nothing changed; retrying may work
  kNotFound,    // the named server group or load balancer does not exist
  kInvalid,     // the request itself is wrong (bad capacity, unknown version...)
};
const char* api_status_name(ApiStatus s);

struct ApiResult {
  ApiStatus status = ApiStatus::kOk;
  std::string message;      // why, when not ok
  std::string server_group; // the group created, for create calls
  bool ok() const { return status == ApiStatus::kOk; }
};

class CloudApi {
 public:
  using Callback = std::function<void(const ApiResult&)>;
  using ViewCallback = std::function<void(const ApiResult&, std::shared_ptr<const WorldView>)>;

  // The world and loop must outlive the API. Call start() when the world starts.
  CloudApi(World& world, sim::EventLoop& loop, uint64_t seed);
  CloudApi(const CloudApi&) = delete;
  CloudApi& operator=(const CloudApi&) = delete;

  // Begins recording the views that stale reads are answered from (only when read_lag > 0).
  void start();

  void create_server_group(ServerGroupConfig config, Callback done);
  void resize(std::string server_group, Capacity capacity, Callback done);
  void enable(std::string server_group, Callback done);
  void disable(std::string server_group, Callback done);
  void set_in_service(std::string server_group, std::vector<std::string> instances, bool in_service,
                      Callback done);
  void destroy(std::string server_group, Callback done);
  // (server group, weight) pairs; empty returns to spreading over all targets.
  void set_load_balancers(std::string server_group, std::vector<std::string> load_balancers, Callback done);
  void set_weights(std::string load_balancer, std::vector<std::pair<std::string, double>> weights,
                   Callback done);
  // The world as of (completion time - read_lag).
  void describe(ViewCallback done);

  uint64_t calls() const { return calls_; }

 private:
  // Runs `apply` when a call completes, unless it is throttled or fails first.
  void submit(const char* operation, std::function<ApiResult()> apply, Callback done);
  bool take_token();
  void snapshot();
  std::shared_ptr<const WorldView> view_as_of(sim::TimePoint t) const;

  World& world_;
  sim::EventLoop& loop_;
  const CloudApiConfig config_;
  sim::Rng latency_rng_;
  sim::Rng failure_rng_;
  double tokens_;
  sim::TimePoint tokens_at_;
  uint64_t calls_ = 0;
  // Views recorded every kSnapshotEvery, newest last; only those within read_lag are kept.
  std::deque<std::pair<sim::TimePoint, std::shared_ptr<const WorldView>>> history_;
  uint64_t history_changes_ = UINT64_MAX;
};

}  // namespace deploysim::world
