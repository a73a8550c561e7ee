// MannWhitneyClassifier.classify, step by step.
#include "strategies/canary/metric_classifier.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "sim/kernel/distributions.h"
#include "strategies/canary/effect_size.h"
#include "strategies/canary/ranks.h"

namespace deploysim::canary {
namespace {

// The values of `a` then `b`, in Java's order (Scala's sorted on doubles).
std::vector<double> java_sorted(std::span<const double> a, std::span<const double> b = {}) {
  std::vector<double> out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  std::sort(out.begin(), out.end(), [](double u, double v) { return java_compare(u, v) < 0; });
  return out;
}

// Scala's sorted(E).sameElements(sorted(C)): same length and == element by element.
bool same_values(std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size()) return false;
  const std::vector<double> x = java_sorted(a);
  const std::vector<double> y = java_sorted(b);
  return std::equal(x.begin(), x.end(), y.begin(), [](double u, double v) { return u == v; });
}

// Scala's distinct (Double.equals) of everything in the samples.
size_t distinct_count(std::span<const double> a, std::span<const double> b = {}) {
  std::vector<double> all = java_sorted(a, b);
  return static_cast<size_t>(std::unique(all.begin(), all.end(), java_same) - all.begin());
}

// MannWhitneyClassifier.addGaussianNoise: a constant sample jittered in proportion to its value.
std::vector<double> jittered(std::span<const double> constant, sim::Rng& noise) {
  const double scale = constant.front() * 1e-5;
  std::vector<double> out(constant.begin(), constant.end());
  for (double& v : out) v += sim::normal(noise, 0.0, 1.0) * scale;
  return out;
}

MetricClassification missing_data(std::string_view name, const MetricRules& rules) {
  MetricClassification out;
  if (rules.nan_strategy == NanStrategy::kReplace) return out;  // Pass, no reason
  out.reason = "Missing data for " + std::string(name);
  if (rules.must_have_data && !rules.critical) {
    out.classification = Classification::kNodataFailMetric;
  } else {
    out.classification = Classification::kNodata;
    out.critical = rules.critical;
  }
  return out;
}

bool allows_increase(Direction d) { return d == Direction::kIncrease || d == Direction::kEither; }
bool allows_decrease(Direction d) { return d == Direction::kDecrease || d == Direction::kEither; }

// The label of steps 5 and 6 from the test's numbers.
MetricClassification label(std::string_view name, const RankTest& test, const ClassifierOptions& o,
                           const MetricRules& rules) {
  const double effect = test.effect_size;
  const bool no_effect = std::isnan(effect);
  const bool high = allows_increase(rules.direction) && test.interval.lower > test.bound &&
                    (no_effect || effect >= o.allowed_increase);
  const bool low = allows_decrease(rules.direction) && test.interval.upper < -test.bound &&
                   (no_effect || effect <= o.allowed_decrease);
  MetricClassification out;
  out.test = test;
  if (!high && !low) return out;
  out.classification = high ? Classification::kHigh : Classification::kLow;
  const std::string what(to_string(out.classification));
  out.critical = rules.critical && (high ? no_effect || effect >= o.critical_increase
                                         : no_effect || effect <= o.critical_decrease);
  out.reason = out.critical ? "The metric " + std::string(name) + " was classified as " + what +
                                  " (Critical)"
                            : std::string(name) + " was classified as " + what;
  return out;
}

}  // namespace

std::string_view to_string(Classification c) {
  switch (c) {
    case Classification::kPass:
      return "Pass";
    case Classification::kHigh:
      return "High";
    case Classification::kLow:
      return "Low";
    case Classification::kNodata:
      return "Nodata";
    case Classification::kNodataFailMetric:
      return "NodataFailMetric";
    case Classification::kError:
      return "Error";
  }
  return "Error";
}

ClassifierOptions ClassifierOptions::for_judge(const MetricAnalysisConfig& analysis) {
  const EffectSizeConfig& e = analysis.effect_size;
  return ClassifierOptions{.tolerance = kJudgeTolerance,
                           .confidence = kJudgeConfidence,
                           .measure = e.measure,
                           .allowed_decrease = e.allowed_decrease,
                           .allowed_increase = e.allowed_increase,
                           .critical_decrease = e.critical_decrease,
                           .critical_increase = e.critical_increase};
}

MetricClassification classify_metric(std::string_view metric_name, std::span<const double> control,
                                     std::span<const double> experiment,
                                     const ClassifierOptions& options, const MetricRules& rules,
                                     sim::Rng& noise) {
  if (experiment.empty() || control.empty()) return missing_data(metric_name, rules);
  if (same_values(experiment, control)) {
    MetricClassification identical;
    identical.reason = "The Canary and Baseline data are identical";
    return identical;
  }
  if (distinct_count(experiment, control) == 1) return MetricClassification{};

  std::vector<double> e(experiment.begin(), experiment.end());
  std::vector<double> c(control.begin(), control.end());
  if (distinct_count(experiment) == 1 && distinct_count(control) == 1) {
    e = jittered(experiment, noise);
    c = jittered(control, noise);
  }
  MannWhitneyOptions test_options;
  test_options.confidence = options.confidence;
  const sim::Result<MannWhitneyResult> interval = mann_whitney(e, c, test_options);
  if (!interval.ok()) {
    MetricClassification failed;
    failed.classification = Classification::kError;
    failed.reason = "Metric Classification Failed";
    return failed;
  }
  const double deviation = mean_ratio(c, e);
  RankTest test{.interval = *interval,
                .effect_size = options.measure == EffectSizeMeasure::kCles ? cles(c, e) : deviation,
                .bound = options.tolerance * std::fabs(interval->estimate)};
  MetricClassification out = label(metric_name, test, options, rules);
  out.deviation = deviation;
  return out;
}

}  // namespace deploysim::canary
