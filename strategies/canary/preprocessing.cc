// NaN strategies and the IQR outlier detector.
#include "strategies/canary/preprocessing.h"

#include <algorithm>
#include <cmath>

#include "sim/kernel/check.h"
#include "strategies/canary/statistics.h"

namespace deploysim::canary {

std::vector<double> apply_nan_strategy(std::span<const double> values, NanStrategy strategy) {
  std::vector<double> out;
  out.reserve(values.size());
  for (double v : values) {
    if (!std::isnan(v)) {
      out.push_back(v);
    } else if (strategy == NanStrategy::kReplace) {
      out.push_back(0.0);
    }
  }
  return out;
}

Eigen::Array<bool, Eigen::Dynamic, 1> iqr_outliers(std::span<const double> values, double factor,
                                                   bool reduce_sensitivity) {
  DEPLOYSIM_CHECK(factor > 0,
                  "iqr_outliers needs a factor > 0 (the config parser checks outlierFactor)");
  const Eigen::Map<const Eigen::ArrayXd> x(values.data(), Eigen::Index(values.size()));
  if (values.empty()) return Eigen::Array<bool, Eigen::Dynamic, 1>(0);
  const double q1 = percentile_r7(values, 25);
  const double q3 = percentile_r7(values, 75);
  const double iqr = q3 - q1;
  double lower = q1 - factor * iqr;
  double upper = q3 + factor * iqr;
  if (reduce_sensitivity) {
    lower = std::min(percentile_r7(values, 1), lower);
    upper = std::max(percentile_r7(values, 99), upper);
  }
  return (x < lower) || (x > upper);
}

std::vector<double> remove_iqr_outliers(std::span<const double> values, double factor,
                                        bool reduce_sensitivity) {
  const Eigen::Array<bool, Eigen::Dynamic, 1> outlier =
      iqr_outliers(values, factor, reduce_sensitivity);
  std::vector<double> kept;
  kept.reserve(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (!outlier[Eigen::Index(i)]) kept.push_back(values[i]);
  }
  return kept;
}

std::vector<double> preprocess(std::span<const double> values,
                               const MetricAnalysisConfig& analysis) {
  std::vector<double> cleaned = apply_nan_strategy(values, analysis.nan_strategy);
  if (analysis.outliers.strategy != OutlierStrategy::kRemove) return cleaned;
  return remove_iqr_outliers(cleaned, analysis.outliers.outlier_factor,
                             /*reduce_sensitivity=*/true);
}

}  // namespace deploysim::canary
