// What NetflixACAJudge does to each series before judging it (NetflixACAJudge.transformMetric):
// the NaN strategy (Transforms.removeNaNs / replaceNaNs), then, only when the metric's
// outliers.strategy is "remove", IQR outlier removal (IQRDetector with reduceSensitivity = true).
// Canary and baseline are transformed independently.
#pragma once

#include <Eigen/Core>
#include <span>
#include <vector>

#include "strategies/canary/canary_config.h"

namespace deploysim::canary {

// Drops NaN points (remove) or turns them into 0.0 (replace), keeping the order of the rest.
std::vector<double> apply_nan_strategy(std::span<const double> values, NanStrategy strategy);

// IQRDetector.detect: which values are outliers. With Q1, Q3 the R-7 quartiles,
//   lower = Q1 - factor (Q3 - Q1),  upper = Q3 + factor (Q3 - Q1),
// widened under reduce_sensitivity to min(lower, P1) and max(upper, P99) (the judge always
// reduces sensitivity, so a point must also be beyond the 1st/99th percentile); an outlier is
// strictly outside [lower, upper]. Empty in, empty out.
// REQUIRES: factor > 0 (Kayenta's require), no NaN in values.
Eigen::Array<bool, Eigen::Dynamic, 1> iqr_outliers(std::span<const double> values, double factor,
                                                   bool reduce_sensitivity);

// Transforms.removeOutliers with an IQRDetector: the values that are not outliers, in order.
std::vector<double> remove_iqr_outliers(std::span<const double> values, double factor,
                                        bool reduce_sensitivity);

// The judge's whole transform for one series of a metric configured with `analysis`.
std::vector<double> preprocess(std::span<const double> values,
                               const MetricAnalysisConfig& analysis);

}  // namespace deploysim::canary
