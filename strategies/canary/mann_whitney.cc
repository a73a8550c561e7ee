// The rank-sum interval, solved for the shift with R's zeroin.
#include "strategies/canary/mann_whitney.h"

#include <cmath>
#include <string>
#include <utility>

#include "sim/kernel/check.h"
#include "strategies/canary/ranks.h"
#include "strategies/canary/statistics.h"

namespace deploysim::canary {
namespace {

// Why a sample cannot be tested, or "" when it can.
std::string sample_problem(std::span<const double> values, const char* which) {
  if (values.empty()) return std::string(which) + " has no values";
  for (double v : values) {
    if (!std::isfinite(v))
      return std::string(which) + " holds " + std::to_string(v) + ", not a finite value";
  }
  return "";
}

double sign(double v) { return v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0; }

}  // namespace

sim::Result<WilcoxonShift> WilcoxonShift::make(std::span<const double> experiment,
                                               std::span<const double> control) {
  for (const std::string& problem : {sample_problem(experiment, "the experiment (canary) sample"),
                                     sample_problem(control, "the control (baseline) sample")}) {
    if (!problem.empty()) return sim::invalid_argument("Mann-Whitney test: " + problem);
  }
  return WilcoxonShift(sorted_for_ranking(experiment), sorted_for_ranking(control));
}

std::optional<double> WilcoxonShift::at(double shift, double z_quantile,
                                        bool continuity_correction) const {
  const double nx = static_cast<double>(experiment_.size());
  const double ny = static_cast<double>(control_.size());
  const PooledRanks ranks = pooled_ranks(experiment_, shift, control_);
  const double dz = ranks.first_rank_sum - nx * (nx + 1) / 2 - nx * ny / 2;
  const double correction = continuity_correction ? sign(dz) * 0.5 : 0.0;
  const double sigma =
      std::sqrt((nx * ny / 12) * ((nx + ny + 1) - ranks.tie_term / ((nx + ny) * (nx + ny - 1))));
  if (sigma == 0) return std::nullopt;
  return (dz - correction) / sigma - z_quantile;
}

sim::Result<MannWhitneyResult> mann_whitney(std::span<const double> experiment,
                                            std::span<const double> control,
                                            const MannWhitneyOptions& options) {
  DEPLOYSIM_CHECK(options.confidence > 0 && options.confidence < 1,
                  "mann_whitney needs a confidence level strictly between 0 and 1");
  sim::Result<WilcoxonShift> made = WilcoxonShift::make(experiment, control);
  if (!made.ok()) return made.error();
  const WilcoxonShift& w = *made;
  bool all_tied = false;
  // W(., z) for the solver: NaN where Kayenta would throw, which the solver survives.
  const auto at = [&](double z, bool correct) {
    return [&w, &all_tied, z, correct](double shift) {
      const std::optional<double> value = w.at(shift, z, correct);
      if (!value) all_tied = true;
      return value.value_or(std::nan(""));
    };
  };
  const double lo = w.shift_min();
  const double hi = w.shift_max();
  const auto bound = [&](double z) {
    const auto f = at(z, true);
    const double f_lower = f(lo);
    const double f_upper = f(hi);
    if (all_tied) return std::nan("");
    if (f_lower <= 0) return lo;
    if (f_upper >= 0) return hi;
    return zeroin(lo, hi, f_lower, f_upper, f, options.solver);
  };
  // Kayenta's zQuant is the lower alpha/2 quantile (negative); the lower bound solves W = -zQuant.
  const double z = normal_quantile((1.0 - options.confidence) / 2);
  MannWhitneyResult result;
  result.lower = bound(-z);
  result.upper = bound(z);
  const auto f0 = at(0.0, options.correct_estimate);
  result.estimate = zeroin(lo, hi, f0(lo), f0(hi), f0, options.solver);
  if (all_tied) {
    return sim::invalid_argument(
        "Mann-Whitney test: cannot compute confidence interval when all observations are tied");
  }
  return result;
}

}  // namespace deploysim::canary
