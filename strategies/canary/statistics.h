// Descriptive statistics and the normal quantile, computed the way Kayenta's judge computes them
// (it relies on Apache Commons Math), so that every threshold comparison downstream sees the same
// numbers: the two-pass corrected mean and variance of StatUtils, R-7 percentiles, and the
// summary (min, max, mean, sample standard deviation, count) of DescriptiveStatistics.summary.
#pragma once

#include <span>

namespace deploysim::canary {

// Commons Math StatUtils.mean: sum / n, then corrected by the mean of the residuals (a second
// pass that recovers most of the rounding error of the first). Added left to right, as Java does.
// NaN for an empty array.
double mean(std::span<const double> values);

// Commons Math StatUtils.variance: the bias-corrected (n - 1) variance with the same residual
// correction. 0 for one value, NaN for none.
double sample_variance(std::span<const double> values);

// The percentile `percent` (0..100) of `values` by R's type 7 (Commons Math Percentile with
// EstimationType.R_7, which Kayenta's DescriptiveStatistics.percentile uses): h = 1 + (n - 1) p,
// linear interpolation between the order statistics around h. NaN for an empty array.
// REQUIRES: no NaN in `values` (the judge removes or replaces them first).
double percentile_r7(std::span<const double> values, double percent);

// Kayenta's MetricStatistics (DescriptiveStatistics.summary): all zero for an empty array.
struct SampleSummary {
  double min = 0;
  double max = 0;
  double mean = 0;
  double std = 0;  // sample standard deviation (n - 1); 0 for a single value
  double count = 0;
};
SampleSummary summarize(std::span<const double> values);

// The standard normal quantile: x with P(Z <= x) = p, by Wichura's algorithm AS 241 (PPND16,
// relative error about 1e-16). Kayenta uses Commons Math's NormalDistribution, which can differ in
// the last bits; the rank statistic is a step function of the shift, so a quantile that moves by
// an ulp does not move a root that Kayenta's solver finds.
// REQUIRES: 0 < p < 1.
double normal_quantile(double p);

}  // namespace deploysim::canary
