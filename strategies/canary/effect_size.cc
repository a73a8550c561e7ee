// Mean ratio and CLES.
#include "strategies/canary/effect_size.h"

#include <cmath>

#include "sim/kernel/check.h"
#include "strategies/canary/ranks.h"
#include "strategies/canary/statistics.h"

namespace deploysim::canary {

double mean_ratio(std::span<const double> control, std::span<const double> experiment) {
  const double control_mean = mean(control);
  const double experiment_mean = mean(experiment);
  if (control_mean == 0.0 || experiment_mean == 0.0) return std::nan("");
  return experiment_mean / control_mean;
}

double cles(std::span<const double> control, std::span<const double> experiment) {
  DEPLOYSIM_CHECK(!control.empty() && !experiment.empty(), "cles needs two non-empty samples");
  const double m = static_cast<double>(experiment.size());
  const double n = static_cast<double>(control.size());
  const double rank_sum =
      pooled_ranks(sorted_for_ranking(experiment), 0.0, sorted_for_ranking(control)).first_rank_sum;
  return (2 * rank_sum - m * (m + 1)) / (2 * n * m);
}

}  // namespace deploysim::canary
