// Histogram bucketing and interval bookkeeping for run metrics.
#include "sim/world/metrics.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "sim/kernel/trace.pb.h"

namespace deploysim::world {

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kOk: return "ok";
    case Outcome::kAppError: return "app_error";
    case Outcome::kQueueFull: return "queue_full";
    case Outcome::kNoBackend: return "no_backend";
    case Outcome::kRefused: return "refused";
    case Outcome::kTimeout: return "timeout";
    case Outcome::kReset: return "reset";
  }
  return "unknown";
}

int LatencyHistogram::bucket_of(int64_t micros) {
  if (micros < 8) return micros < 0 ? 0 : static_cast<int>(micros);
  const auto v = static_cast<uint64_t>(micros);
  const int exponent = static_cast<int>(std::bit_width(v)) - 1;  // >= 3
  const int mantissa = static_cast<int>((v >> (exponent - 3)) & 7);
  return std::min(8 + (exponent - 3) * 8 + mantissa, kBuckets - 1);
}

int64_t LatencyHistogram::bucket_lower(int bucket) {
  if (bucket < 8) return bucket;
  const int exponent = (bucket - 8) / 8 + 3;
  const int mantissa = (bucket - 8) % 8;
  return static_cast<int64_t>((8 + mantissa)) << (exponent - 3);
}

int64_t LatencyHistogram::bucket_upper(int bucket) {
  if (bucket < 8) return bucket + 1;
  const int exponent = (bucket - 8) / 8 + 3;
  return bucket_lower(bucket) + (int64_t{1} << (exponent - 3));
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (int i = 0; i < kBuckets; ++i) counts_[static_cast<size_t>(i)] += other.counts_[static_cast<size_t>(i)];
  total_ += other.total_;
}

sim::Duration LatencyHistogram::quantile(double q) const {
  if (total_ == 0) return sim::Duration::zero();
  // The rank of the quantile, 1-based: the smallest value with at least q of the mass at or below.
  const auto rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * double(total_))));
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[static_cast<size_t>(i)];
    if (seen >= rank) {
      return sim::Duration::micros((bucket_lower(i) + bucket_upper(i) - 1) / 2);
    }
  }
  return sim::Duration::micros(bucket_lower(kBuckets - 1));
}

uint64_t IntervalStats::requests() const {
  uint64_t n = 0;
  for (uint64_t c : outcomes) n += c;
  return n;
}

uint64_t IntervalStats::errors() const { return requests() - outcomes[0]; }

sim::Duration IntervalStats::mean_latency() const {
  const uint64_t n = requests();
  return n == 0 ? sim::Duration::zero()
                : sim::Duration::micros(latency_sum_us / static_cast<int64_t>(n));
}

void IntervalStats::merge(const IntervalStats& other) {
  for (size_t i = 0; i < outcomes.size(); ++i) outcomes[i] += other.outcomes[i];
  latency.merge(other.latency);
  latency_sum_us += other.latency_sum_us;
  retries += other.retries;
}

IntervalStats* MetricSeries::slot_slow(sim::TimePoint at) {
  const auto index = static_cast<size_t>(at.since_start() / interval_);
  if (index >= intervals_.size()) intervals_.resize(index + 1);
  cached_index_ = index;
  cached_from_ = sim::TimePoint::start() + interval_ * static_cast<int64_t>(index);
  cached_until_ = cached_from_ + interval_;
  if (!gaps_.empty()) {
    for (const auto& [from, until] : gaps_) {
      if (at >= from && at < until) return nullptr;
    }
  }
  return &intervals_[index];
}

void MetricSeries::add_gap(sim::TimePoint from, sim::TimePoint until) {
  gaps_.emplace_back(from, until);
  // Every interval the gap touches has incomplete data, so none of them counts as data.
  const auto first = static_cast<size_t>(from.since_start() / interval_);
  const auto last = static_cast<size_t>((until.since_start() - sim::Duration::micros(1)) / interval_);
  if (gap_.size() <= last) gap_.resize(last + 1, false);
  for (size_t i = first; i <= last; ++i) gap_[i] = true;
}

IntervalStats MetricSeries::window(sim::TimePoint from, sim::TimePoint to) const {
  IntervalStats sum;
  const int64_t width = interval_.count_micros();
  const int64_t first = (from.micros_since_start() + width - 1) / width;
  const int64_t end = to.micros_since_start() / width;  // exclusive
  for (int64_t i = std::max<int64_t>(first, 0); i < end && i < int64_t(intervals_.size()); ++i) {
    sum.merge(intervals_[static_cast<size_t>(i)]);
  }
  return sum;
}

IntervalStats MetricSeries::total() const {
  IntervalStats sum;
  for (const IntervalStats& s : intervals_) sum.merge(s);
  return sum;
}

void fill_interval_metrics(trace::IntervalMetrics* m, const IntervalStats& s, bool has_data) {
  m->set_requests(s.requests());
  m->set_errors(s.errors());
  for (int o = 0; o < kOutcomeCount; ++o) {
    if (s.outcomes[static_cast<size_t>(o)] == 0) continue;
    trace::IntervalMetrics::OutcomeCount* c = m->add_outcomes();
    c->set_outcome(outcome_name(static_cast<Outcome>(o)));
    c->set_count(s.outcomes[static_cast<size_t>(o)]);
  }
  m->set_latency_p50_us(s.latency.quantile(0.50).count_micros());
  m->set_latency_p90_us(s.latency.quantile(0.90).count_micros());
  m->set_latency_p99_us(s.latency.quantile(0.99).count_micros());
  m->set_retries(s.retries);
  m->set_gap(!has_data);
}

}  // namespace deploysim::world
