// Pooled average ranks by merging two sorted samples.
#include "strategies/canary/ranks.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace deploysim::canary {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Double.doubleToLongBits: every NaN collapses to the one canonical NaN.
int64_t java_bits(double v) {
  return std::isnan(v) ? int64_t{0x7ff8000000000000} : std::bit_cast<int64_t>(v);
}

}  // namespace

int java_compare(double a, double b) {
  if (a < b) return -1;
  if (a > b) return 1;
  // Equal, or unordered because of a NaN: Java falls back to the bit patterns, which puts -0.0
  // (sign bit set, a negative integer) before 0.0 and NaN after everything.
  const int64_t x = java_bits(a);
  const int64_t y = java_bits(b);
  return x == y ? 0 : (x < y ? -1 : 1);
}

Eigen::ArrayXd sorted_for_ranking(std::span<const double> values) {
  Eigen::ArrayXd sorted(Eigen::Index(values.size()));
  for (size_t i = 0; i < values.size(); ++i) {
    sorted[Eigen::Index(i)] = std::isnan(values[i]) ? kInfinity : values[i];
  }
  std::sort(sorted.begin(), sorted.end(),
            [](double a, double b) { return java_compare(a, b) < 0; });
  return sorted;
}

PooledRanks pooled_ranks(const Eigen::ArrayXd& first, double shift, const Eigen::ArrayXd& second) {
  const auto shifted = [&](Eigen::Index i) {
    const double v = first[i] - shift;
    return std::isnan(v) ? kInfinity : v;
  };
  PooledRanks out;
  Eigen::Index i = 0;
  Eigen::Index j = 0;
  double placed = 0;  // how many values rank below the current group
  while (i < first.size() || j < second.size()) {
    const bool take_first =
        i < first.size() && (j == second.size() || java_compare(shifted(i), second[j]) <= 0);
    const double value = take_first ? shifted(i) : second[j];
    double in_first = 0;
    double in_second = 0;
    for (; i < first.size() && java_same(shifted(i), value); ++i) in_first += 1;
    for (; j < second.size() && java_same(second[j], value); ++j) in_second += 1;
    const double t = in_first + in_second;
    // Positions placed+1 .. placed+t share their mean; every term is a multiple of 1/2, so these
    // sums are exact and do not depend on the order Kayenta adds them in.
    out.first_rank_sum += in_first * (placed + (t + 1) / 2);
    out.tie_term += t * t * t - t;
    placed += t;
  }
  return out;
}

}  // namespace deploysim::canary
