// Latency histograms and interval series: bucket bounds, quantile accuracy against a known
// distribution, exact merging, windows and gaps.
#include "sim/world/metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "sim/kernel/distributions.h"

namespace deploysim::world {
namespace {

TEST(LatencyHistogram, BucketsTileTheLineWithBoundedWidth) {
  for (int b = 0; b + 1 < LatencyHistogram::kBuckets; ++b) {
    EXPECT_EQ(LatencyHistogram::bucket_upper(b), LatencyHistogram::bucket_lower(b + 1));
    const int64_t lo = LatencyHistogram::bucket_lower(b);
    const int64_t hi = LatencyHistogram::bucket_upper(b);
    EXPECT_EQ(LatencyHistogram::bucket_of(lo), b);
    EXPECT_EQ(LatencyHistogram::bucket_of(hi - 1), b);
    if (lo >= 8) {
      EXPECT_LE(double(hi - lo) / double(lo), 1.0 / 8 + 1e-12);
    }
  }
}

TEST(LatencyHistogram, QuantilesWithinBucketPrecisionOfExact) {
  sim::Rng rng = sim::Rng::stream(3, "histogram");
  std::vector<int64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 100000; ++i) {
    const auto v = static_cast<int64_t>(sim::lognormal(rng, std::log(50000.0), 0.8));
    values.push_back(v);
    h.add(sim::Duration::micros(v));
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const auto exact = static_cast<double>(values[static_cast<size_t>(q * values.size()) - 1]);
    const auto got = static_cast<double>(h.quantile(q).count_micros());
    EXPECT_NEAR(got, exact, exact / 16 + 1) << "q=" << q;
  }
}

TEST(LatencyHistogram, MergeIsExactAddition) {
  LatencyHistogram a, b, both;
  for (int i = 1; i < 5000; i += 3) {
    a.add(sim::Duration::micros(i));
    both.add(sim::Duration::micros(i));
  }
  for (int i = 2; i < 900000; i += 977) {
    b.add(sim::Duration::micros(i));
    both.add(sim::Duration::micros(i));
  }
  a.merge(b);
  EXPECT_EQ(a.total(), both.total());
  for (double q : {0.1, 0.5, 0.75, 0.99}) EXPECT_EQ(a.quantile(q), both.quantile(q));
}

TEST(MetricSeries, WindowsCoverWholeIntervalsAndGapsDropData) {
  MetricSeries s(sim::Duration::seconds(10));
  for (int t = 0; t < 60; ++t) {
    s.record(sim::TimePoint::start() + sim::Duration::seconds(t), Outcome::kOk, sim::Duration::millis(5));
  }
  EXPECT_EQ(s.total().requests(), 60u);
  EXPECT_EQ(s.window(sim::TimePoint::start() + sim::Duration::seconds(10),
                     sim::TimePoint::start() + sim::Duration::seconds(30)).requests(), 20u);
  // A window that cuts an interval leaves it out.
  EXPECT_EQ(s.window(sim::TimePoint::start() + sim::Duration::seconds(5),
                     sim::TimePoint::start() + sim::Duration::seconds(30)).requests(), 10u * 2);
  s.add_gap(sim::TimePoint::start() + sim::Duration::seconds(60),
            sim::TimePoint::start() + sim::Duration::seconds(75));
  for (int t = 60; t < 90; ++t) {
    s.record(sim::TimePoint::start() + sim::Duration::seconds(t), Outcome::kAppError, sim::Duration::millis(5));
  }
  EXPECT_EQ(s.total().requests(), 60u + 15u);
  EXPECT_FALSE(s.has_data(6));
  EXPECT_FALSE(s.has_data(7));
  EXPECT_TRUE(s.has_data(8));
  EXPECT_EQ(s.total().errors(), 15u);
}

}  // namespace
}  // namespace deploysim::world
