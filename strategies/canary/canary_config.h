// A Kayenta canary config (CanaryConfig JSON, as stored by Kayenta and exported from Deck), reduced
// to what NetflixACAJudge-v1.0 reads, with the judge's defaults for every missing key. Kayenta
// reads analysisConfigurations leniently (an unknown direction silently becomes "either");
// deploysim refuses what Kayenta would have to guess, and reports every problem at once, one per
// line, as
// "<source>: <field path>: <what was expected>".
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/kernel/result.h"

namespace deploysim::canary {

using Json = nlohmann::json;

// Which way a metric may move before it fails (MetricDirection): only up, only down, or either.
enum class Direction { kIncrease, kDecrease, kEither };
// What happens to missing points (NaN) before the test (NaNStrategy): dropped, or counted as 0.
enum class NanStrategy { kRemove, kReplace };
// The effect size compared with the thresholds: mean(canary) / mean(baseline), or CLES.
enum class EffectSizeMeasure { kMeanRatio, kCles };
// Whether IQR outliers are removed before the test.
enum class OutlierStrategy { kKeep, kRemove };

std::string_view to_string(Direction d);
std::string_view to_string(NanStrategy s);
std::string_view to_string(EffectSizeMeasure m);
std::string_view to_string(OutlierStrategy s);

// analysisConfigurations.canary.effectSize. With meanRatio, 1.1 as allowedIncrease lets the canary
// be up to 10% above the baseline before failing; criticalIncrease 5.0 fails the whole canary at a
// 5x increase. With cles the thresholds are probabilities (0.5 = no effect).
struct EffectSizeConfig {
  EffectSizeMeasure measure = EffectSizeMeasure::kMeanRatio;
  // Each defaults to 1.0 for meanRatio and 0.5 for cles ("no effect" in either measure).
  double allowed_increase = 1.0;
  double allowed_decrease = 1.0;
  double critical_increase = 1.0;
  double critical_decrease = 1.0;
};

// analysisConfigurations.canary.outliers: IQR removal (IQRDetector with reduced sensitivity).
struct OutlierConfig {
  OutlierStrategy strategy = OutlierStrategy::kKeep;  // keep since Kayenta #621 (Oct 2019)
  double outlier_factor = 3.0;                        // IQR multiple; > 0
};

// analysisConfigurations.canary: how the judge treats one metric.
struct MetricAnalysisConfig {
  Direction direction = Direction::kEither;
  NanStrategy nan_strategy = NanStrategy::kRemove;
  bool critical = false;        // a High/Low (or no data) fails the whole canary with score 0
  bool must_have_data = false;  // no data counts as a failed metric (NodataFailMetric)
  bool muted = false;           // judged and reported, but left out of every score
  EffectSizeConfig effect_size;
  OutlierConfig outliers;
};

struct MetricConfig {
  std::string name;                 // unique in the config; series are looked up by it
  std::vector<std::string> groups;  // a metric counts in every group it lists
  Json query = Json::object();      // provider specific, kept as written
  std::string query_type;           // query.type ("atlas", "prometheus", ...); "" when absent
  std::string query_metric_name;    // query.metricName; "" when absent
  std::string scope_name = "default";
  MetricAnalysisConfig canary;
};

// Score thresholds: a score >= pass is Pass, >= marginal is Marginal, anything lower is Fail.
struct ScoreThresholds {
  double pass = 75;  // Orca's kayentaCanary stage defaults (75 / 50) when none are given
  double marginal = 50;
};

struct ClassifierConfig {
  // Group weights, not renormalised: groups without a weight share 100 - sum(weights) equally.
  std::map<std::string, double> group_weights;
  std::optional<ScoreThresholds> score_thresholds;  // hidden in Kayenta's schema; usually unset
};

struct CanaryConfig {
  std::string name;
  std::string judge_name;  // judge.name; "" when absent
  std::vector<MetricConfig> metrics;
  ClassifierConfig classifier;

  // The metric with this name, or nullptr.
  const MetricConfig* metric(std::string_view metric_name) const;
};

// A canary config as Kayenta's configuration store holds it for a canary stage: its id, the
// config, and the provider metric each of its metrics is read from (by metric name).
struct StoredCanaryConfig {
  std::string id;
  CanaryConfig config;
  std::map<std::string, std::string, std::less<>> series;
};

// The config's thresholds, or Orca's defaults (pass 75, marginal 50) when it has none.
ScoreThresholds effective_thresholds(const CanaryConfig& config);

// Reads a parsed canary config. Checks types, enum strings (direction, nanStrategy, measure,
// outliers.strategy), ranges (finite non-negative effect sizes, cles ones at most 1, outlierFactor
// > 0, weights >= 0, 0 <= marginal <= pass <= 100), unique metric names, and that weights do not
// total over 100 while some group has none (that group would get a negative weight). Integers
// are accepted where numbers are expected, as Kayenta does.
sim::Result<CanaryConfig> parse_canary_config(const Json& json, const std::string& source);

// The same from JSON text; syntax errors name the line and column.
sim::Result<CanaryConfig> load_canary_config(const std::string& text, const std::string& source);

}  // namespace deploysim::canary
