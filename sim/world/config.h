// The configuration of a simulated world: regions, versions (what artifacts do when they run),
// load balancers, the server groups that exist at the start, traffic, faults, the cloud API and
// metrics. Scenario files are translated into these types by scenarios/ (which validates them);
// the world trusts what it is given, except for programming errors, which it checks.
//
// Times are sim::Duration; rates are per second; probabilities are in [0, 1].
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/kernel/time.h"
#include "sim/world/distribution.h"

namespace deploysim::world {

struct RegionConfig {
  std::string name;                // e.g. "us-east-1"
  std::vector<std::string> zones;  // e.g. {"us-east-1a", "us-east-1b"}; at least one
};

// Piecewise description of the arrival rate over time.
struct RateProfile {
  enum class Kind {
    kConstant,  // `base` per second
    kSteps,     // `base`, then each step's rate from its time on
    kDiurnal,   // base + amplitude * sin(2 pi (t + phase) / period)
    kSeries,    // points (time, rate), linearly interpolated, held flat after the last point
  };
  struct Point {
    sim::TimePoint at;
    double rate = 0;
  };
  struct Spike {
    sim::TimePoint at;
    sim::Duration duration;
    double multiplier = 1;
  };
  Kind kind = Kind::kConstant;
  double base = 0;
  double amplitude = 0;
  sim::Duration period = sim::Duration::hours(24);
  sim::Duration phase;
  std::vector<Point> points;  // steps and series, in time order
  std::vector<Spike> spikes;  // multiply the rate inside their window (any kind)

  double rate_at(sim::TimePoint t) const;
  // An upper bound of rate_at over the whole run, for thinning.
  double max_rate() const;
};

// The value of a series at t: linear between points, flat before the first and after the last.
double interpolate(const std::vector<RateProfile::Point>& points, sim::TimePoint t);

// How the probability that a request fails with an application error evolves.
struct ErrorModel {
  enum class Kind {
    kConstant,  // `probability` always
    kStep,      // `probability` until `at`, then `probability_after`
    kRamp,      // `probability` until `at`, rising linearly to `probability_after` at `until`
    kLoad,      // `probability` while in-flight requests <= `load_knee`, then rising by
                // `per_request_above_knee` for each request above it (capped at 1)
    kSeries,    // `series` (time, probability), interpolated: a recorded error rate replayed
  };
  Kind kind = Kind::kConstant;
  double probability = 0;
  double probability_after = 0;
  sim::TimePoint at;     // run time
  sim::TimePoint until;  // run time
  int load_knee = 0;
  double per_request_above_knee = 0;
  std::vector<RateProfile::Point> series;

  // The probability at run time `now` for an instance with `in_flight` requests.
  double at_time(sim::TimePoint now, int in_flight) const;
};

// What the health endpoint of an instance answers.
struct HealthBehaviour {
  enum class Kind {
    kOk,           // always healthy
    kFailing,      // never healthy
    kFlapping,     // healthy and failing in turns, each lasting `period`
    kFailingAfter, // healthy until the instance has run for `after`, then failing
  };
  Kind kind = Kind::kOk;
  sim::Duration period = sim::Duration::seconds(30);
  sim::Duration after = sim::Duration::minutes(10);
};

// What an artifact does when it runs: a version of the application.
struct VersionProfile {
  std::string name;  // e.g. "v41"; server groups refer to versions by name
  // Other names the same build goes by: container images ("repo/app:v41") a Kubernetes manifest
  // names, or artifact references. A server group may name its version by any of them.
  std::vector<std::string> images;
  // The ground truth a verdict is scored against: should a canary of this version pass?
  bool bad = false;
  Distribution boot_time = Distribution::constant(sim::Duration::seconds(30));
  Distribution service_time = Distribution::constant(sim::Duration::millis(50));  // microseconds
  ErrorModel errors;
  // Mean time between crashes of one running instance (exponential); none when unset.
  std::optional<sim::Duration> crash_mtbf;
  HealthBehaviour health;
  // Service times are multiplied by this series (time, multiplier) when it is set: a recorded
  // latency profile replayed.
  std::vector<RateProfile::Point> service_time_scale;
  int workers = 8;          // requests served at once per instance
  int queue_limit = 100;    // requests waiting per instance; one more is refused with 503
};

enum class Algorithm { kRoundRobin, kLeastOutstanding, kRandom };

struct HealthCheckConfig {
  sim::Duration interval = sim::Duration::seconds(10);
  sim::Duration timeout = sim::Duration::seconds(5);
  int healthy_threshold = 10;   // consecutive passes to put a target in service
  int unhealthy_threshold = 2;  // consecutive failures to take it out
  int port = 7001;
};

struct LoadBalancerConfig {
  std::string name;
  std::string region;
  Algorithm algorithm = Algorithm::kRoundRobin;
  HealthCheckConfig health_check;
  int traffic_port = 7001;
  // Deregistered targets get no new requests and are given this long to finish in-flight ones.
  sim::Duration deregistration_delay = sim::Duration::seconds(300);
  // A request not answered within this time fails with a timeout (504).
  sim::Duration request_timeout = sim::Duration::seconds(60);
  // Traffic split between the initial server groups (name, weight); empty: spread over targets.
  std::vector<std::pair<std::string, double>> initial_weights;
};

// A security group rule set: which ports accept traffic. Empty means every port.
struct SecurityRules {
  std::vector<int> allowed_ports;
  bool allows(int port) const;
};

struct Capacity {
  int min = 0;
  int desired = 0;
  int max = 0;
};

struct ServerGroupConfig {
  std::string application;
  std::string stack;
  std::string detail;
  std::string region;
  std::vector<std::string> zones;  // empty: every zone of the region
  std::string version;             // a VersionProfile name
  Capacity capacity;
  bool enabled = true;
  std::vector<std::string> load_balancers;
  SecurityRules security;
  // Instances already running at the start (true for the server groups a scenario starts with).
  bool start_running = true;
};


struct TrafficSourceConfig {
  std::string name = "users";
  std::string load_balancer;
  RateProfile rate;
  int max_retries = 0;  // retries of a failed request (5xx or timeout)
  sim::Duration retry_backoff = sim::Duration::millis(100);
  // Test traffic (smoke tests, a blue-green preview's testers), not users: left out of
  // ServerGroup::users' failures and of the scorecard's user figures.
  bool synthetic = false;
};

struct FaultConfig {
  enum class Kind {
    kCrash,           // crash `count` instances, or `percent` of the server group
    kZoneOutage,      // `zone` unreachable for `duration`
    kHealthFlapping,  // the server group's health endpoints flap with `period` for `duration`
    kHealthFailure,   // the server group's health endpoints fail for `duration`
    kSlowBoot,        // instances of the server group boot `factor` times slower for `duration`
    kApiErrors,       // cloud API calls fail with `probability` for `duration`
    kMetricGap,       // no metrics recorded for the server group (all when empty) for `duration`
    kVersionChange,   // from `at`, `version` behaves per `error_probability` / `service_time`
  };
  Kind kind = Kind::kCrash;
  // When: at a time, or (when rate_per_hour > 0) at random times of a Poisson process over the run.
  sim::TimePoint at;
  double rate_per_hour = 0;
  std::string server_group;  // a server group name (crash, flapping, slow boot, metric gap)
  std::string zone;
  std::string version;
  int count = 0;
  double percent = 0;
  sim::Duration duration;
  sim::Duration period = sim::Duration::seconds(20);
  double factor = 1;
  double probability = 0;
  std::optional<double> error_probability;
  std::optional<Distribution> service_time;
};

struct CloudApiConfig {
  Distribution latency = Distribution::constant(sim::Duration::millis(200));
  double failure_probability = 0;
  double rate_limit_per_s = 0;  // token bucket refill; 0: unlimited
  int burst = 10;               // token bucket size
  sim::Duration read_lag;       // describe results show the world as it was this long ago
};

struct WorldConfig {
  std::vector<RegionConfig> regions;
  std::vector<VersionProfile> versions;
  std::vector<LoadBalancerConfig> load_balancers;
  std::vector<ServerGroupConfig> server_groups;
  std::vector<TrafficSourceConfig> traffic;
  std::vector<FaultConfig> faults;
  CloudApiConfig api;
  sim::Duration metrics_interval = sim::Duration::seconds(10);
  // From launch to boot start (the cloud finding capacity and starting the machine).
  sim::Duration launch_delay = sim::Duration::seconds(5);
  // A crashed instance is replaced this long after it died (the auto-scaling health check).
  sim::Duration replace_after = sim::Duration::seconds(60);
  // A request served slower than this counts as bad in ServerGroup::users (the scenario's latency
  // objective); zero: only failures are bad.
  sim::Duration bad_latency = sim::Duration::zero();
};

}  // namespace deploysim::world
