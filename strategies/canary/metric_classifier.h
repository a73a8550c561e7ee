// One metric's verdict, as Kayenta's MannWhitneyClassifier.classify gives it: Pass, High or Low
// from the rank test's confidence interval, gated by a dead zone around zero and by the effect
// size, with Kayenta's special cases for missing, identical and constant data.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sim/kernel/rng.h"
#include "strategies/canary/canary_config.h"
#include "strategies/canary/mann_whitney.h"

namespace deploysim::canary {

// Kayenta's metric classification labels. Nodata and Error are not counted in group scores;
// NodataFailMetric counts as a failed metric.
enum class Classification { kPass, kHigh, kLow, kNodata, kNodataFailMetric, kError };
std::string_view to_string(Classification c);  // "Pass", "High", "Low", "Nodata", ...

// NetflixACAJudge builds its classifier with these, hard-coded (the configurable
// kayenta.netflix.judge.* properties are not wired in).
inline constexpr double kJudgeTolerance = 0.25;
inline constexpr double kJudgeConfidence = 0.98;

// MannWhitneyClassifier's constructor arguments, with its defaults.
struct ClassifierOptions {
  double tolerance = 0.25;   // dead zone: High needs lower > tolerance |estimate|
  double confidence = 0.95;  // of the rank-sum interval; the judge uses kJudgeConfidence
  EffectSizeMeasure measure = EffectSizeMeasure::kMeanRatio;
  double allowed_decrease = 1.0;  // effectSizeThresholds = (allowed_decrease, allowed_increase)
  double allowed_increase = 1.0;
  double critical_decrease = 1.0;  // criticalThresholds = (critical_decrease, critical_increase)
  double critical_increase = 1.0;

  // What NetflixACAJudge passes for a metric with this analysis configuration.
  static ClassifierOptions for_judge(const MetricAnalysisConfig& analysis);
};

// classify()'s per-metric arguments.
struct MetricRules {
  Direction direction = Direction::kEither;
  NanStrategy nan_strategy = NanStrategy::kRemove;
  bool critical = false;        // isCriticalMetric
  bool must_have_data = false;  // isDataRequired
};

// What the rank test found, when it ran.
struct RankTest {
  MannWhitneyResult interval;  // of the shift canary - baseline
  double effect_size = 0;      // meanRatio or CLES, per the measure; NaN skips the effect gate
  double bound = 0;            // tolerance |estimate|: High needs lower > bound, Low upper < -bound
};

struct MetricClassification {
  Classification classification = Classification::kPass;
  std::string reason;     // Kayenta's classificationReason; "" where it gives none
  bool critical = false;  // a critical failure: the judge scores the whole canary 0
  double deviation =
      1.0;  // meanRatio (resultMetadata.ratio); 1.0 on early exits; NaN on a zero mean
  std::optional<RankTest> test;
};

// Classifies experiment (canary) against control (baseline), in Kayenta's order:
//  1. either empty: Nodata (critical as the metric is), or NodataFailMetric when data is required
//     and the metric is not critical; with NaN strategy "replace", Pass instead;
//  2. the same values in any order: Pass ("The Canary and Baseline data are identical");
//  3. one distinct value across both: Pass;
//  4. each sample constant (but different): Gaussian noise of standard deviation 1e-5 times the
//     value is added to each, so the rank test can run (a zero sample stays zero). Kayenta draws it
//     from a global generator; here it comes from `noise`, so a run repeats exactly;
//  5. the rank-sum interval at `confidence`; High when direction allows it, lower > bound and the
//     effect size (unless NaN) >= allowed_increase; Low likewise with upper < -bound and
//     <= allowed_decrease; otherwise Pass;
//  6. a critical metric's High (Low) is a critical failure when the effect size (unless NaN) is
//     >= critical_increase (<= critical_decrease); otherwise an ordinary High (Low).
// When the test cannot run (all observations tied, or non-finite values) the result is Error,
// "Metric Classification Failed", not critical: what NetflixACAJudge records when it catches the
// classifier's exception.
MetricClassification classify_metric(std::string_view metric_name, std::span<const double> control,
                                     std::span<const double> experiment,
                                     const ClassifierOptions& options, const MetricRules& rules,
                                     sim::Rng& noise);

}  // namespace deploysim::canary
