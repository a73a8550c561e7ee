// Metrics of a run: per interval (10 s by default), what happened to requests, kept per server
// group, per instance (server side: what the service saw) and per traffic source (client side:
// what users saw). Latencies go into log-bucketed histograms that merge by adding counts, so
// windows, scopes and runs combine exactly.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/kernel/time.h"

namespace deploysim::trace {
class IntervalMetrics;
}

namespace deploysim::world {

// How one request attempt ended.
enum class Outcome : uint8_t {
  kOk,          // 2xx
  kAppError,    // the application answered 500 (its error model)
  kQueueFull,   // 503: the instance's queue was full
  kNoBackend,   // 503 from the load balancer: no target in service
  kRefused,     // 502: routed to an instance whose process is dead
  kTimeout,     // 504: not answered within the request timeout (or unreachable)
  kReset,       // 502: the instance died while serving it
};
inline constexpr int kOutcomeCount = 7;
const char* outcome_name(Outcome o);
inline bool is_error(Outcome o) { return o != Outcome::kOk; }

// Counts of latencies (microseconds) in buckets of at most 1/8 relative width: exact below 8us,
// then 8 buckets per power of two, up to 2^40us (12 days; larger values share the last bucket).
class LatencyHistogram {
 public:
  static constexpr int kBuckets = 8 + 38 * 8;

  void add(sim::Duration latency) { ++counts_[bucket_of(latency.count_micros())]; ++total_; }
  void add(sim::Duration latency, uint32_t count) {
    counts_[bucket_of(latency.count_micros())] += count;
    total_ += count;
  }
  void merge(const LatencyHistogram& other);
  uint64_t total() const { return total_; }
  // The q-quantile (0 < q <= 1): the midpoint of the bucket holding it; zero when empty.
  sim::Duration quantile(double q) const;

  static int bucket_of(int64_t micros);
  static int64_t bucket_lower(int bucket);  // smallest value of the bucket
  static int64_t bucket_upper(int bucket);  // one past its largest value

 private:
  std::array<uint32_t, kBuckets> counts_{};
  uint64_t total_ = 0;
};

struct IntervalStats {
  std::array<uint64_t, kOutcomeCount> outcomes{};
  LatencyHistogram latency;  // of every attempt that ended, failures included
  int64_t latency_sum_us = 0;  // exact, for means
  uint64_t retries = 0;      // client side: attempts beyond the first

  uint64_t requests() const;
  uint64_t errors() const;
  // Mean latency of the requests counted; zero when there are none.
  sim::Duration mean_latency() const;
  void merge(const IntervalStats& other);
};

// One scope's intervals, indexed from the start of the run.
class MetricSeries {
 public:
  explicit MetricSeries(sim::Duration interval) : interval_(interval) {}

  void record(sim::TimePoint at, Outcome outcome, sim::Duration latency) {
    IntervalStats* s = slot(at);
    if (s == nullptr) return;
    ++s->outcomes[static_cast<size_t>(outcome)];
    s->latency.add(latency);
    s->latency_sum_us += latency.count_micros();
  }
  // Adds figures gathered elsewhere (a scrape of a service's counters) to the interval holding `at`.
  void add(sim::TimePoint at, const IntervalStats& stats) {
    if (IntervalStats* s = slot(at)) s->merge(stats);
  }
  void record_retry(sim::TimePoint at) {
    if (IntervalStats* s = slot(at)) ++s->retries;
  }
  // Drops what would be recorded in [from, until): a gap in the metrics, as monitoring outages
  // leave. Gaps show as intervals with has_data() false.
  void add_gap(sim::TimePoint from, sim::TimePoint until);

  sim::Duration interval() const { return interval_; }
  size_t interval_count() const { return intervals_.size(); }
  const IntervalStats& at_interval(size_t i) const { return intervals_[i]; }
  bool has_data(size_t i) const { return i < gap_.size() ? !gap_[i] : true; }
  // Everything recorded in the intervals that lie entirely within [from, to).
  IntervalStats window(sim::TimePoint from, sim::TimePoint to) const;
  IntervalStats total() const;

 private:
  IntervalStats* slot(sim::TimePoint at) {
    // Records arrive in time order, almost always in the interval of the previous one.
    if (at >= cached_from_ && at < cached_until_ && gaps_.empty()) return &intervals_[cached_index_];
    return slot_slow(at);
  }
  IntervalStats* slot_slow(sim::TimePoint at);

  sim::Duration interval_;
  size_t cached_index_ = 0;
  sim::TimePoint cached_from_;
  sim::TimePoint cached_until_;  // empty range until the first record
  std::vector<IntervalStats> intervals_;
  std::vector<bool> gap_;
  std::vector<std::pair<sim::TimePoint, sim::TimePoint>> gaps_;
};

// Copies one interval's figures into a trace event (has_data false: a gap).
void fill_interval_metrics(trace::IntervalMetrics* m, const IntervalStats& s, bool has_data);

}  // namespace deploysim::world
