// LoadGenerator: the real provider's users. Open-loop traffic at each source's rate (a Poisson
// process following the scenario's rate profile, split over worker threads with their own
// keep-alive connections) sent to a load balancer's frontend, recording what each client saw per
// interval: status, latency and the version that served it (the sample service names itself in a
// response header). Each worker has one request in flight, and there are enough of them to hold
// the peak rate while responses take up to 100 ms; slower than that, a worker falls behind, and
// since latency is measured from when a request was due rather than when it was sent, that shows
// as latency instead of silently lowering the rate.
//
// The figures land in the same types the simulated world keeps (world::MetricSeries), so metrics
// queries, the CSV and the scorecard read real runs and simulated ones alike.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sim/kernel/time.h"
#include "sim/world/config.h"
#include "sim/world/metrics.h"

namespace deploysim::providers::local {

struct LoadTarget {
  world::TrafficSourceConfig source;
  int port = 0;  // the load balancer's frontend on 127.0.0.1
  sim::Duration timeout = sim::Duration::seconds(30);
};

// What the users saw of one version over the run.
struct VersionFacts {
  uint64_t routed = 0;  // user request attempts it served
  uint64_t failed = 0;  // user requests that failed on an attempt it served
  std::optional<sim::TimePoint> first_routed;
  std::optional<sim::TimePoint> first_bad;  // first failing (or slower than bad_latency) attempt
};

class LoadGenerator {
 public:
  // `interval`: the metrics interval. `bad_latency` > 0: slower attempts count as bad.
  LoadGenerator(std::vector<LoadTarget> targets, sim::Duration interval, sim::Duration bad_latency, uint64_t seed);
  ~LoadGenerator();  // stops

  // Starts the workers; run time 0 is `origin`.
  void start(std::chrono::steady_clock::time_point origin);
  // Stops sending and waits for requests in flight (bounded by their timeout).
  void stop();

  // Copies of the figures so far (thread-safe).
  std::optional<world::MetricSeries> client_series(const std::string& source) const;
  // What the source's users saw, per version that answered (requests no instance answered, such
  // as HAProxy's own 503s, are in client_series only).
  std::map<std::string, world::MetricSeries> client_series_by_version(const std::string& source) const;
  std::map<std::string, VersionFacts> version_facts() const;
  uint64_t requests_sent() const { return sent_.load(); }

  // Worker threads per source for a peak rate: a request every 100 ms each (4 to 256).
  static int workers_for(double peak_rate);

 private:
  struct Source;
  void work(Source& source, int worker, int workers);
  sim::TimePoint now() const;

  std::vector<LoadTarget> targets_;
  sim::Duration interval_;
  sim::Duration bad_latency_;
  uint64_t seed_;
  std::chrono::steady_clock::time_point origin_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> sent_{0};
  mutable std::mutex mutex_;  // guards the figures in sources_ and facts_
  std::vector<std::unique_ptr<Source>> sources_;
  std::map<std::string, VersionFacts> facts_;
  std::vector<std::thread> threads_;
};

}  // namespace deploysim::providers::local
