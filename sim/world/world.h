// World: the simulated cloud. It owns regions, versions, server groups, instances and load
// balancers, generates traffic, runs health checks, injects faults and keeps metrics, all as events
// on one EventLoop, reproducibly from one seed.
//
// What a rollout meets here is what it meets in a real cloud: instances take time to boot and can
// crash; a load balancer keeps sending requests to a dead instance until its health checks say so
// (that window is where rollouts lose requests); deregistration drains; requests queue, time out,
// fail with the version's error model. Server-side metrics (what the service reports) and
// client-side metrics (what users saw) are kept apart: a crashing instance reports nothing.
//
// The operations (create, resize, enable, disable, destroy, set weights) take effect at once; the
// cloud API model (cloud_api.h) adds latency, failures, throttling and stale reads around them.
// World is single-threaded: call it only from the event loop's thread.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/kernel/event_loop.h"
#include "sim/kernel/result.h"
#include "sim/kernel/trace.h"
#include "sim/world/config.h"
#include "sim/world/entities.h"
#include "sim/world/view.h"

namespace deploysim::world {

// Records that a fault took effect (or ended) in `trace` at `at`: FaultInjected, as every provider
// that injects faults writes it.
void append_fault_event(sim::TraceWriter& trace, sim::TimePoint at, const std::string& kind, const std::string& target,
                        const std::string& detail, bool ended);

class World {
 public:
  // `config` must have been validated (scenarios/ does); `trace` may be null. The loop and trace
  // must outlive the world. Nothing happens until start().
  World(WorldConfig config, sim::EventLoop& loop, uint64_t seed, sim::TraceWriter* trace);
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  ~World();

  // Creates the initial server groups (running and in service), starts traffic and metrics, and
  // schedules the faults. Call once, at the loop's start time.
  void start();

  // --- Operations -------------------------------------------------------------------------------

  // Creates a server group named per Spinnaker's rules (the cluster's next -vNNN) and launches its
  // desired instances. Errors: unknown region, zone, version or load balancer; bad capacity; no
  // sequence number left.
  sim::Result<ServerGroupId> create_server_group(const ServerGroupConfig& config);
  // Sets min/desired/max and launches or drains-then-terminates instances to match desired
  // (instances not yet running go first, then the newest). Errors: unknown or destroyed group,
  // min <= desired <= max violated.
  sim::Status resize(ServerGroupId id, Capacity capacity);
  // Registers the group's running instances with its load balancers (each must pass
  // healthy_threshold checks before it gets traffic), and new instances as they come up.
  sim::Status enable(ServerGroupId id);
  // Deregisters the group's instances from its load balancers (draining); they keep running.
  sim::Status disable(ServerGroupId id);
  // Takes these instances of the group out of its load balancers (deregistered, draining; they
  // keep running and stay out until put back), or puts them back: clouddriver's partial disable
  // and enable (desiredPercentage). Errors: unknown or destroyed group, an instance not in it.
  sim::Status set_in_service(ServerGroupId id, const std::vector<std::string>& instances, bool in_service);
  // Drains and terminates every instance; the group disappears once they are gone.
  sim::Status destroy(ServerGroupId id);
  // Splits a load balancer's traffic between its server groups by weight (a canary split).
  // `weights` pairs server groups with weights >= 0; groups left out get 0. An empty list returns
  // to spreading requests over all targets. Errors: unknown load balancer or group, negative or
  // non-finite weight, a group not behind this load balancer.
  // Makes `lbs` the group's load balancers: it joins the new ones (its running instances are
  // registered and must pass health checks, if the group is enabled) and leaves the others (its
  // targets there drain). Kubernetes traffic edits: a pod's labels starting or ceasing to match a
  // Service's selector.
  sim::Status set_load_balancers(ServerGroupId id, const std::vector<LoadBalancerId>& lbs);
  sim::Status set_weights(LoadBalancerId lb, const std::vector<std::pair<ServerGroupId, double>>& weights);

  // --- Lookups ----------------------------------------------------------------------------------

  std::optional<ServerGroupId> find_server_group(std::string_view name) const;
  std::optional<LoadBalancerId> find_load_balancer(std::string_view name) const;
  const ServerGroup& server_group(ServerGroupId id) const { return groups_[index_of(id)]; }
  const Instance& instance(InstanceId id) const { return instances_[index_of(id)]; }
  const LoadBalancer& load_balancer(LoadBalancerId id) const { return lbs_[index_of(id)]; }
  size_t server_group_count() const { return groups_.size(); }
  size_t instance_count() const { return instances_.size(); }
  size_t load_balancer_count() const { return lbs_.size(); }
  const TrafficSource& traffic_source(size_t i) const { return sources_[i]; }
  size_t traffic_source_count() const { return sources_.size(); }
  const VersionProfile& version(uint32_t i) const { return versions_[i]; }
  size_t version_count() const { return versions_.size(); }
  const std::string& zone_name(uint32_t zone) const { return zones_[zone].name; }
  const WorldConfig& config() const { return config_; }
  sim::TimePoint now() const { return loop_.now(); }

  // What describe calls can see, now.
  WorldView view() const;
  // Incremented by every change a view would show (instances, health, groups, weights).
  uint64_t change_count() const { return changes_; }

  // Counters over the whole run.
  struct Totals {
    uint64_t user_requests = 0;      // requests users started
    uint64_t attempts = 0;           // including retries
    uint64_t attempts_in_flight = 0; // attempts still waiting for an answer
    uint64_t health_transitions = 0; // target health changes
    uint64_t crashes = 0;
  };
  const Totals& totals() const { return totals_; }

  // --- Fault hooks (used by the fault schedule and by tests) -----------------------------------

  // Crashes an instance now: its process dies, in-flight requests are reset, and it is replaced
  // after `replace_after` if its group still wants it.
  void crash(InstanceId id, const std::string& reason);
  void set_zone_down(uint32_t zone, bool down);
  // Injects a fault now (an operator's action in a live run); its `at` and rate are ignored.
  void inject_fault(FaultConfig fault);
  // Extra probability that a cloud API call fails (an api_errors fault); 0 normally.
  double api_error_probability() const { return api_error_probability_; }
  uint32_t zone_count() const { return static_cast<uint32_t>(zones_.size()); }
  std::optional<uint32_t> find_zone(std::string_view name) const;

 private:
  struct Zone {
    std::string name;
    uint32_t region = 0;
    bool down = false;
  };

  // world.cc: set-up and server group operations.
  void apply_capacity(ServerGroup& group);
  ServerGroup* live_group(ServerGroupId id, sim::Status* error);
  void attach_to_load_balancers(ServerGroup& group);
  void detach_from_load_balancers(ServerGroup& group);
  void schedule_faults();
  void schedule_metrics_tick();
  void publish_metrics(sim::TimePoint interval_start);

  // lifecycle.cc: instances coming and going.
  InstanceId launch(ServerGroup& group, bool already_running);
  void begin_boot(InstanceId id);
  void finish_boot(InstanceId id);
  void become_running(Instance& inst, bool in_service_now);
  void terminate(Instance& inst, const std::string& reason);
  void kill_process(Instance& inst);
  void finish_termination(Instance& inst, const std::string& reason);
  void schedule_crash(Instance& inst);
  void maybe_replace(ServerGroupId group);
  int live_instance_count(const ServerGroup& group) const;
  void set_state(Instance& inst, InstanceState state, PlatformHealth health, const char* reason);

  // health.cc: load balancer membership and health checks.
  void register_target(Instance& inst, LoadBalancerId lb, bool in_service_now);
  void deregister_target(Instance& inst, Target& target);
  void finish_drain(Instance& inst, Target& target);
  void check_drains(Instance& inst);
  void schedule_probe(InstanceId id, LoadBalancerId lb, sim::Duration delay);
  void probe(InstanceId id, LoadBalancerId lb);
  void probe_result(InstanceId id, LoadBalancerId lb, bool passed);
  bool health_endpoint_ok(const Instance& inst) const;
  void set_target_health(Instance& inst, Target& target, TargetHealth health);
  void add_in_service(LoadBalancer& lb, InstanceId id, ServerGroupId group);
  void remove_in_service(LoadBalancer& lb, InstanceId id, ServerGroupId group);
  Target* find_target(Instance& inst, LoadBalancerId lb);
  bool reachable(const Instance& inst, int port) const;

  // requests.cc: traffic, routing, service, outcomes.
  void schedule_arrival(uint32_t source);
  void arrive(uint32_t source);
  void send(uint32_t source, sim::TimePoint user_start, uint32_t attempt_number);
  std::optional<InstanceId> pick_target(LoadBalancer& lb);
  void admit(Instance& inst, uint32_t attempt);
  void start_service(Instance& inst, uint32_t attempt);
  void complete(InstanceId id, uint32_t attempt);
  void client_timeout(uint32_t attempt);
  void finish_client(uint32_t attempt, Outcome outcome);
  void record_server(Instance& inst, Outcome outcome, sim::Duration latency);
  void reset_in_flight(Instance& inst);
  uint32_t new_attempt();
  void release_if_done(uint32_t attempt);

  // Trace helpers (no-ops without a trace).
  void trace_instance(const Instance& inst, const char* reason);
  void trace_target(const Instance& inst, const Target& target);
  void trace_group(const ServerGroup& group, const char* action);
  void trace_fault(const char* kind, const std::string& target, const std::string& detail,
                   bool ended = false);
  void trace_weights(const LoadBalancer& lb);

  friend class FaultSchedule;

  WorldConfig config_;
  sim::EventLoop& loop_;
  const uint64_t seed_;
  sim::TraceWriter* trace_;
  std::vector<Zone> zones_;
  std::vector<VersionProfile> versions_;
  // Deques: handlers hold references to entities while launching more of them.
  std::deque<ServerGroup> groups_;
  std::deque<Instance> instances_;
  std::vector<LoadBalancer> lbs_;
  std::vector<TrafficSource> sources_;
  std::vector<Attempt> attempts_;
  uint32_t free_attempt_ = UINT32_MAX;
  Totals totals_;
  sim::TimePoint metrics_published_until_;
  double api_error_probability_ = 0;
  uint64_t changes_ = 0;
  std::unique_ptr<class FaultSchedule> faults_;
};

// The name of the world's random stream for `what` under `seed` (so tests and tools can derive
// the same streams the world uses).
sim::Rng world_stream(uint64_t seed, std::string_view what);

}  // namespace deploysim::world
