// The entities of the simulated cloud and their states: instances, server groups, load-balancer
// targets, request attempts. Plain data owned by World (world.h), which holds the rules that change
// them. Ids are indices into World's arrays and are never reused within a run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/kernel/event_loop.h"
#include "sim/kernel/rng.h"
#include "sim/kernel/time.h"
#include "sim/world/config.h"
#include "sim/world/metrics.h"
#include "sim/world/names.h"

namespace deploysim::world {

enum class InstanceId : uint32_t {};
enum class ServerGroupId : uint32_t {};
enum class LoadBalancerId : uint32_t {};
inline size_t index_of(InstanceId id) { return static_cast<size_t>(id); }
inline size_t index_of(ServerGroupId id) { return static_cast<size_t>(id); }
inline size_t index_of(LoadBalancerId id) { return static_cast<size_t>(id); }

// Pending: launched, waiting for a machine. Booting: the machine runs, the application starts.
// Running: serving. Draining: being shut down, finishing in-flight requests, getting no new ones.
// Terminated: gone (shut down, or crashed).
enum class InstanceState : uint8_t { kPending, kBooting, kRunning, kDraining, kTerminated };
const char* state_name(InstanceState s);

// The platform's view of an instance (Spinnaker's "Amazon" health), apart from any load balancer.
enum class PlatformHealth : uint8_t { kStarting, kUp, kDown };
const char* platform_health_name(PlatformHealth h);

// A load balancer's view of one instance (Spinnaker's "LoadBalancer" health).
// Initial: registered, not yet through `healthy_threshold` passing checks. InService: gets
// requests. Unhealthy: failed `unhealthy_threshold` checks in a row. Draining: deregistering,
// no new requests. Unregistered: not a target (any more).
enum class TargetHealth : uint8_t { kUnregistered, kInitial, kInService, kUnhealthy, kDraining };
const char* target_health_name(TargetHealth h);

// An instance's membership in one load balancer.
struct Target {
  LoadBalancerId lb{};
  TargetHealth health = TargetHealth::kUnregistered;
  int passes = 0;    // consecutive passing checks
  int failures = 0;  // consecutive failing checks
  sim::EventHandle next_probe;
  sim::EventHandle drain_deadline;
};

// A small ring buffer of attempt indices with a fixed capacity (the instance's queue limit).
class AttemptQueue {
 public:
  explicit AttemptQueue(int capacity) : slots_(static_cast<size_t>(capacity) + 1) {}
  bool empty() const { return head_ == tail_; }
  bool full() const { return next(tail_) == head_; }
  int size() const {
    return static_cast<int>((tail_ + slots_.size() - head_) % slots_.size());
  }
  void push(uint32_t attempt) {
    slots_[tail_] = attempt;
    tail_ = next(tail_);
  }
  uint32_t pop() {
    const uint32_t a = slots_[head_];
    head_ = next(head_);
    return a;
  }
  template <class F>
  void for_each(F f) const {
    for (size_t i = head_; i != tail_; i = next(i)) f(slots_[i]);
  }
  void clear() { head_ = tail_ = 0; }

 private:
  size_t next(size_t i) const { return i + 1 == slots_.size() ? 0 : i + 1; }
  std::vector<uint32_t> slots_;
  size_t head_ = 0;
  size_t tail_ = 0;
};

struct ServerGroup;

struct Instance {
  Instance(InstanceId id_, std::string name_, ServerGroupId group_, uint32_t zone_,
           const VersionProfile& version_profile, sim::Rng base, sim::Duration metrics_interval)
      : id(id_),
        name(std::move(name_)),
        group(group_),
        zone(zone_),
        workers(version_profile.workers),
        queue(version_profile.queue_limit),
        boot_rng(base.derive("boot")),
        service_rng(base.derive("service")),
        error_rng(base.derive("errors")),
        crash_rng(base.derive("crash")),
        health_rng(base.derive("health")),
        metrics(metrics_interval) {}

  InstanceId id;
  std::string name;  // "<server group>-i<index>"
  ServerGroupId group;
  // Direct links for the request path (both live in containers that never move them).
  ServerGroup* owner = nullptr;
  const VersionProfile* profile = nullptr;
  uint32_t zone;     // index into World's zones
  InstanceState state = InstanceState::kPending;
  PlatformHealth platform = PlatformHealth::kStarting;
  bool process_alive = false;
  bool crashed = false;
  bool out_of_service = false;  // taken out of its load balancers by a partial disable
  sim::TimePoint launched_at;
  sim::TimePoint running_at;
  int workers;   // requests served at once
  int busy = 0;  // workers serving
  AttemptQueue queue;
  std::vector<Target> targets;
  sim::EventHandle lifecycle;  // the next boot step, or the deregistration deadline
  sim::EventHandle crash;
  // One stream per consumer, so that one consumer drawing more never shifts another.
  sim::Rng boot_rng, service_rng, error_rng, crash_rng, health_rng;
  MetricSeries metrics;  // server side

  int in_flight() const { return busy + queue.size(); }
  bool serving() const {
    return process_alive && (state == InstanceState::kRunning || state == InstanceState::kDraining);
  }
};

struct ServerGroup {
  ServerGroupId id{};
  Moniker moniker;
  std::string name;
  uint32_t region = 0;
  std::vector<uint32_t> zones;  // indices into World's zones
  uint32_t version = 0;         // index into World's versions
  Capacity capacity;
  bool enabled = true;
  bool destroyed = false;   // destroy requested; gone from views once its instances are gone
  sim::TimePoint created_at;
  std::vector<LoadBalancerId> load_balancers;
  SecurityRules security;
  std::vector<InstanceId> instances;  // every instance ever launched, in launch order
  uint32_t next_instance_index = 0;
  sim::Rng rng;  // base of the instances' streams
  MetricSeries metrics;  // server side, all instances
  // What users got from this group, for scorecards: when requests were first and last routed to
  // it, the first it served badly (failed, or slower than WorldConfig::bad_latency), and user
  // requests that failed on an attempt it took (after any retries; synthetic traffic left out).
  struct Users {
    uint64_t routed = 0;
    uint64_t failed = 0;
    sim::TimePoint first_routed, last_routed, first_bad;
    bool any_bad = false;
  } users;
  bool flapping = false;  // a health-flapping fault is active
  bool health_failing = false;  // a health-failure fault is active
  sim::Duration flapping_period;
  double slow_boot_factor = 1;

  ServerGroup(sim::Rng base, sim::Duration metrics_interval)
      : rng(base), metrics(metrics_interval) {}
};

// A server group's share of a load balancer.
struct LbGroup {
  ServerGroupId group{};
  double weight = -1;  // < 0: no explicit weight
  std::vector<InstanceId> in_service;
  uint32_t cursor = 0;  // round robin
};

struct LoadBalancer {
  LoadBalancerConfig config;
  std::vector<LbGroup> groups;
  std::vector<InstanceId> in_service;  // union over groups, for unweighted routing
  bool weighted = false;               // explicit weights set: choose a group, then a target
  uint32_t cursor = 0;
  sim::Rng routing_rng;
  explicit LoadBalancer(sim::Rng rng) : routing_rng(rng) {}
};

// One attempt of one user request, from the load balancer's point of view.
struct Attempt {
  sim::TimePoint arrived;     // at the load balancer
  sim::TimePoint user_start;  // when the user's first attempt arrived
  uint32_t source = 0;
  uint32_t number = 0;        // 0 for the first attempt, then retries
  InstanceId instance{};
  bool routed = false;        // `instance` took it (not refused by the load balancer)
  bool client_done = false;   // the client has its answer (or gave up)
  bool server_done = false;   // no instance holds it any more
  sim::EventHandle timeout;
  sim::EventHandle completion;
  uint32_t next_free = 0;
};

struct TrafficSource {
  TrafficSourceConfig config;
  LoadBalancerId lb{};
  double max_rate = 0;  // per second, for thinning
  bool constant = true;
  sim::Rng arrivals_rng;
  sim::Rng thinning_rng;
  MetricSeries client;  // what users saw
  TrafficSource(TrafficSourceConfig c, sim::Rng base, sim::Duration interval)
      : config(std::move(c)),
        arrivals_rng(base.derive("arrivals")),
        thinning_rng(base.derive("thinning")),
        client(interval) {}
};

}  // namespace deploysim::world
