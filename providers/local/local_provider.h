// LocalProvider: the CloudProvider over real infrastructure on this machine. A server group is a
// set of processes (the sample service deploysim-app started with a version's flags, or the user's
// own command with a {port} placeholder); each load balancer is a frontend and backend of one
// HAProxy process the provider starts with a generated configuration in a private run directory;
// health is HAProxy's own checks; metrics are the services' /metrics counters (server side) and
// the load generator's records (client side).
//
// It runs on the event loop like the simulated provider: operations take effect on the loop's
// thread and complete on a later turn, and a poll every `poll_every` reaps exited processes, reads
// HAProxy's `show stat`, finishes drains and emits the same trace events the simulated world does
// (instances, targets, server groups, weights), so the checkers and the scorecard read a real run
// exactly as they read a simulated one. The loop must run on the wall clock.
//
// Everything it starts is stopped by shutdown() (or the destructor): instances get SIGTERM and
// then SIGKILL, HAProxy stops, the run directory is removed. A child also dies with the provider's
// process if that is killed outright (PR_SET_PDEATHSIG).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "providers/cloud_provider.h"
#include "providers/kubernetes/kubernetes_cluster.h"
#include "providers/local/haproxy.h"
#include "providers/local/load_generator.h"
#include "providers/local/process.h"
#include "sim/kernel/event_loop.h"
#include "sim/kernel/rng.h"
#include "sim/kernel/trace.h"
#include "sim/world/config.h"
#include "sim/world/metrics.h"

namespace deploysim::providers::local {

struct LocalSettings {
  // Versions, load balancers (with their health checks), regions and the server groups that run
  // at the start; the metrics interval and the replacement delay of crashed instances.
  world::WorldConfig world;
  std::string app = "deploysim-app";  // the sample service's binary
  // Per version name, the command that runs it instead of the sample service: argv with {port}
  // (and optionally {instance}, {version}) replaced. It must answer GET /health.
  std::map<std::string, std::vector<std::string>> commands;
  std::string haproxy = "haproxy";
  std::filesystem::path run_root;  // where the run directory is made; empty: $TMPDIR or /tmp
  sim::Duration stop_grace = sim::Duration::seconds(5);  // SIGTERM to SIGKILL
  sim::Duration poll_every = sim::Duration::millis(100);
  uint64_t seed = 1;
};

// deploysim-app's --health flag for a version's health behaviour.
std::string health_flag(const world::HealthBehaviour& health);

class LocalProvider : public CloudProvider {
 public:
  // Makes the run directory (mode 700), starts HAProxy with a frontend per load balancer.
  // Errors: HAProxy missing or refusing the configuration, no free ports, no run directory.
  static sim::Result<std::unique_ptr<LocalProvider>> create(LocalSettings settings, sim::EventLoop& loop,
                                                            sim::TraceWriter* trace);
  ~LocalProvider() override;  // shutdown()

  // Starts the initial server groups and returns once HAProxy has them all in service (run time
  // still 0: a scenario's initial groups are serving when it starts), then starts the poll.
  // Errors: they do not come up within 30 s.
  sim::Status start();
  // Stops every process the provider started and HAProxy, and removes the run directory. Idempotent.
  void shutdown();

  // Why the run cannot go on (HAProxy died); empty while all is well. Operations keep answering,
  // but the caller should stop the run.
  const std::string& failure() const { return failure_; }

  // The load generator whose records answer "client:<source>" metrics.
  void attach_load(const LoadGenerator* load) { load_ = load; }
  // The frontend port of a load balancer; 0 when unknown.
  int frontend_port(const std::string& load_balancer) const;
  const std::filesystem::path& run_dir() const { return run_dir_; }
  // Process ids of everything running now (instances and HAProxy), for leak checks.
  std::vector<pid_t> live_pids();

  // Faults, real: kill -9 `count` running instances of a group, or `percent` of them rounded up
  // (chosen at random), returning how many; change what a version's instances answer (error
  // probability); make a group's health endpoints fail, flap or recover (deploysim-app's --health
  // syntax; empty: back to its version's own behaviour). Errors name the group or version.
  int kill_instances(const std::string& server_group, int count, double percent = 0);
  sim::Status set_error_rate(const std::string& version, double probability);
  sim::Status set_health(const std::string& server_group, const std::string& mode);

  void create_server_group(const ServerGroupSpec& spec, Created done) override;
  void clone_server_group(const std::string& source, const std::string& artifact, std::optional<Capacity> capacity,
                          Created done) override;
  void resize_server_group(const std::string& server_group, const Capacity& capacity, Done done) override;
  void enable_server_group(const std::string& server_group, Done done) override;
  void disable_server_group(const std::string& server_group, Done done) override;
  void set_instances_enabled(const std::string& server_group, const std::vector<std::string>& instances, bool enabled,
                             Done done) override;
  void destroy_server_group(const std::string& server_group, Done done) override;
  void set_load_balancers(const std::string& server_group, const std::vector<std::string>& load_balancers,
                          Done done) override;
  void set_traffic_weights(const std::string& load_balancer, const std::vector<std::pair<std::string, double>>& weights,
                           Done done) override;
  void describe_cluster(const std::string& cluster, Described done) override;
  void query_metrics(const MetricsQuery& query, Measured done) override;
  kubernetes::KubernetesCluster* kubernetes() override { return &kubernetes_; }

  // Server-side figures of every server group so far, oldest first: name, version, series.
  struct GroupFigures {
    std::string name;
    std::string version;
    const world::MetricSeries* metrics;
    std::vector<std::pair<std::string, int>> instances_by_state;
  };
  std::vector<GroupFigures> group_figures() const;

 private:
  struct Instance;
  struct Group;
  LocalProvider(LocalSettings settings, sim::EventLoop& loop, sim::TraceWriter* trace);

  // Immediately, on the loop's thread: the operations' effects.
  sim::Result<std::string> create_group(const ServerGroupSpec& spec, const world::VersionProfile& version);
  Group* find(const std::string& server_group);
  const world::VersionProfile* version_named(const std::string& artifact) const;
  sim::Status launch(Group& g);
  void register_instance(Group& g, Instance& i, const std::string& lb);
  void enter_rotation(Group& g, Instance& i, const std::string& lb);
  void leave_rotation(Group& g, Instance& i, const std::string& lb, bool then_remove);
  void terminate(Group& g, Instance& i, const std::string& reason);
  void stop_if_out(Instance& i);
  // Ends a drain once nothing is in flight (or its delay has passed); true if it ended.
  bool end_drain_if_done(Group& g, Instance& i, const std::string& lb, int current_sessions);  // SIGTERM to a terminating instance no balancer holds any more
  void apply_weights(const std::string& lb);
  std::vector<std::string> app_argv(const Group& g, const Instance& i) const;

  void poll();       // poll_once, the scrape when an interval has closed, and the next poll
  void poll_once();  // reap, notice boots, read HAProxy's view, finish drains, replace
  void scrape(sim::TimePoint interval_start);
  void emit_instance(const Group& g, const Instance& i, const std::string& reason);
  void emit_target(const Group& g, const Instance& i, const std::string& lb, const std::string& health);
  void emit_group(const Group& g, const std::string& action);
  void complete(Done done, OpResult result);

  LocalSettings settings_;
  sim::EventLoop& loop_;
  sim::TraceWriter* trace_;
  std::filesystem::path run_dir_;
  std::unique_ptr<Haproxy> haproxy_;
  std::map<std::string, int> ports_;  // load balancer -> frontend port
  std::vector<std::unique_ptr<Group>> groups_;  // in creation order, destroyed ones kept for figures
  std::map<std::string, std::vector<std::pair<std::string, double>>> weights_;  // per load balancer
  std::map<std::string, double> error_rates_;    // per version, set by faults
  const LoadGenerator* load_ = nullptr;
  sim::Rng rng_;
  bool polling_ = false;
  bool shut_down_ = false;
  std::string failure_;
  sim::TimePoint next_scrape_;
  kubernetes::KubernetesCluster kubernetes_{*this, loop_};
};

}  // namespace deploysim::providers::local
