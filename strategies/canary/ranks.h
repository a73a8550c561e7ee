// Ranks of two pooled samples, as Apache Commons Math's NaturalRanking computes them for Kayenta
// (NaNStrategy.MAXIMAL, TiesStrategy.AVERAGE): tied values share the mean of their positions, NaN
// ranks as +infinity, and values are ordered and tied by Java's Double.compare, under which -0.0
// comes before 0.0. Both the Mann-Whitney statistic (at many shifts) and the CLES effect size
// rank the same pair of samples, so each sample is sorted once and the ranks come from a merge.
#pragma once

#include <Eigen/Core>
#include <span>

namespace deploysim::canary {

// Java's Double.compare: negative, zero or positive. -0.0 < 0.0; NaN equals NaN and is larger
// than +infinity.
int java_compare(double a, double b);

// Java's Double.equals (what Scala's distinct and groupBy use): java_compare(a, b) == 0.
inline bool java_same(double a, double b) { return java_compare(a, b) == 0; }

// A copy of `values` in Java's order, NaN replaced by +infinity (NaNStrategy.MAXIMAL).
Eigen::ArrayXd sorted_for_ranking(std::span<const double> values);

// Pooled ranks of concat(first - shift, second).
struct PooledRanks {
  double first_rank_sum = 0;  // sum of the average ranks of the first sample's values
  double tie_term = 0;        // sum over groups of tied values of (t^3 - t), t the group's size
};

// REQUIRES: both arrays come from sorted_for_ranking. A difference first[i] - shift that is NaN
// (infinity minus infinity) ranks as +infinity, as Kayenta's ranking of a NaN does; subtracting
// one shift keeps `first` in order, so one merge ranks everything in O(n).
PooledRanks pooled_ranks(const Eigen::ArrayXd& first, double shift, const Eigen::ArrayXd& second);

}  // namespace deploysim::canary
