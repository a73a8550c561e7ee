// Per-step metric values from per-interval series (metric_series.h).
#include "providers/metric_series.h"

#include <algorithm>

namespace deploysim::providers {

OpResult read_series(const world::MetricSeries* scope, const MetricsQuery& query, MetricsSeries& series) {
  if (scope == nullptr) return {ErrorCode::kNotFound, "metrics: unknown scope " + query.scope};
  const world::MetricSeries& source = *scope;
  const std::vector<std::string>& kMetrics = known_metrics();
  if (std::find(kMetrics.begin(), kMetrics.end(), query.metric) == kMetrics.end()) {
    return {ErrorCode::kInvalid, "metrics: unknown metric " + query.metric};
  }
  if (query.step <= sim::Duration::zero() || query.to <= query.from) {
    return {ErrorCode::kInvalid, "metrics: the window is empty or the step is not positive"};
  }
  series.from = query.from;
  series.step = query.step;
  series.values.clear();
  const size_t interval_count = source.interval_count();
  for (sim::TimePoint t = query.from; t < query.to; t += query.step) {
    const sim::TimePoint end = std::min(t + query.step, query.to);
    // A step touching an interval without data has no value.
    bool gap = false;
    const sim::Duration width = source.interval();
    for (int64_t i = t.since_start() / width; i * width.count_micros() < end.micros_since_start(); ++i) {
      if (i >= 0 && static_cast<size_t>(i) < interval_count && !source.has_data(static_cast<size_t>(i))) gap = true;
    }
    world::IntervalStats s = source.window(t, end);
    double seconds = (end - t).to_seconds();
    const int64_t w = width.count_micros();
    if ((t.micros_since_start() + w - 1) / w >= end.micros_since_start() / w) {
      // The step holds no whole interval (finer than the metrics interval, or unaligned): it
      // reads the interval it starts in, as a query finer than the scrape interval sees the
      // last scrape.
      const sim::TimePoint from = sim::TimePoint::start() + width * (t.micros_since_start() / w);
      s = source.window(from, from + width);
      seconds = width.to_seconds();
    }
    std::optional<double> value;
    const uint64_t n = s.requests();
    if (!gap) {
      if (query.metric == "requests") value = double(n);
      else if (query.metric == "errors") value = double(s.errors());
      else if (query.metric == "request_rate") value = double(n) / seconds;
      else if (n > 0 && query.metric == "error_rate") value = double(s.errors()) / double(n);
      else if (n > 0 && query.metric == "latency_p50") value = s.latency.quantile(0.50).to_seconds() * 1e3;
      else if (n > 0 && query.metric == "latency_p90") value = s.latency.quantile(0.90).to_seconds() * 1e3;
      else if (n > 0 && query.metric == "latency_p99") value = s.latency.quantile(0.99).to_seconds() * 1e3;
    }
    series.values.push_back(value);
  }
  return {};
}

}  // namespace deploysim::providers
