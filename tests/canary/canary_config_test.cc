// Canary config parsing: NetflixACAJudge's defaults (canary-judges.md §1.1), a full config read
// back field by field, and a table of bad configs, each of which must be refused with a message
// naming the source and the field.
#include "strategies/canary/canary_config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace deploysim::canary {
namespace {

CanaryConfig parse_ok(const std::string& text) {
  sim::Result<CanaryConfig> r = load_canary_config(text, "test.json");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : CanaryConfig{};
}

TEST(CanaryConfig, Defaults) {
  const CanaryConfig c = parse_ok(R"({"name": "minimal", "metrics": [{"name": "errors"}]})");
  EXPECT_EQ(c.name, "minimal");
  ASSERT_EQ(c.metrics.size(), 1u);
  const MetricConfig& m = c.metrics[0];
  EXPECT_TRUE(m.groups.empty());
  EXPECT_EQ(m.scope_name, "default");
  EXPECT_EQ(m.canary.direction, Direction::kEither);
  EXPECT_EQ(m.canary.nan_strategy, NanStrategy::kRemove);
  EXPECT_FALSE(m.canary.critical);
  EXPECT_FALSE(m.canary.must_have_data);
  EXPECT_FALSE(m.canary.muted);
  EXPECT_EQ(m.canary.effect_size.measure, EffectSizeMeasure::kMeanRatio);
  EXPECT_EQ(m.canary.effect_size.allowed_increase, 1.0);
  EXPECT_EQ(m.canary.effect_size.allowed_decrease, 1.0);
  EXPECT_EQ(m.canary.effect_size.critical_increase, 1.0);
  EXPECT_EQ(m.canary.effect_size.critical_decrease, 1.0);
  EXPECT_EQ(m.canary.outliers.strategy, OutlierStrategy::kKeep);
  EXPECT_EQ(m.canary.outliers.outlier_factor, 3.0);
  EXPECT_TRUE(c.classifier.group_weights.empty());
  EXPECT_FALSE(c.classifier.score_thresholds.has_value());
  // Orca's stage defaults when nobody gives thresholds.
  EXPECT_EQ(effective_thresholds(c).pass, 75.0);
  EXPECT_EQ(effective_thresholds(c).marginal, 50.0);
}

TEST(CanaryConfig, ClesDefaultsToNoEffectAtOneHalf) {
  const CanaryConfig c = parse_ok(R"({"name": "c", "metrics": [{"name": "m",
      "analysisConfigurations": {"canary": {"effectSize": {"measure": "cles", "allowedIncrease": 0.8}}}}]})");
  const EffectSizeConfig& e = c.metrics.at(0).canary.effect_size;
  EXPECT_EQ(e.measure, EffectSizeMeasure::kCles);
  EXPECT_EQ(e.allowed_increase, 0.8);
  EXPECT_EQ(e.allowed_decrease, 0.5);
  EXPECT_EQ(e.critical_increase, 0.5);
  EXPECT_EQ(e.critical_decrease, 0.5);
}

TEST(CanaryConfig, FullConfig) {
  const CanaryConfig c = parse_ok(R"({
    "name": "checkout-canary", "configVersion": "1.0", "applications": ["checkout"],
    "judge": {"name": "NetflixACAJudge-v1.0", "judgeConfigurations": {}},
    "metrics": [
      {"name": "error_rate", "groups": ["errors", "all"], "scopeName": "default",
       "query": {"type": "prometheus", "metricName": "http_errors_total"},
       "analysisConfigurations": {"canary": {
         "direction": "increase", "nanStrategy": "replace", "critical": true, "mustHaveData": true,
         "effectSize": {"allowedIncrease": 1.1, "criticalIncrease": 5},
         "outliers": {"strategy": "remove", "outlierFactor": 1.5}}}},
      {"name": "latency_p99", "groups": ["latency"],
       "analysisConfigurations": {"canary": {"direction": "decrease", "muted": true}}}
    ],
    "classifier": {"groupWeights": {"errors": 60, "latency": 40}, "scoreThresholds": {"pass": 95, "marginal": 75}}
  })");
  EXPECT_EQ(c.judge_name, "NetflixACAJudge-v1.0");
  ASSERT_EQ(c.metrics.size(), 2u);
  const MetricConfig& e = c.metrics[0];
  EXPECT_EQ(e.groups, (std::vector<std::string>{"errors", "all"}));
  EXPECT_EQ(e.query_type, "prometheus");
  EXPECT_EQ(e.query_metric_name, "http_errors_total");
  EXPECT_EQ(e.query.at("type"), "prometheus");
  EXPECT_EQ(e.canary.direction, Direction::kIncrease);
  EXPECT_EQ(e.canary.nan_strategy, NanStrategy::kReplace);
  EXPECT_TRUE(e.canary.critical);
  EXPECT_TRUE(e.canary.must_have_data);
  EXPECT_EQ(e.canary.effect_size.allowed_increase, 1.1);
  EXPECT_EQ(e.canary.effect_size.critical_increase, 5.0);  // an integer read as a double
  EXPECT_EQ(e.canary.effect_size.allowed_decrease, 1.0);
  EXPECT_EQ(e.canary.outliers.strategy, OutlierStrategy::kRemove);
  EXPECT_EQ(e.canary.outliers.outlier_factor, 1.5);
  EXPECT_EQ(c.metrics[1].canary.direction, Direction::kDecrease);
  EXPECT_TRUE(c.metrics[1].canary.muted);
  EXPECT_EQ(c.classifier.group_weights.at("errors"), 60.0);
  ASSERT_TRUE(c.classifier.score_thresholds.has_value());
  EXPECT_EQ(effective_thresholds(c).pass, 95.0);
  EXPECT_EQ(effective_thresholds(c).marginal, 75.0);
  EXPECT_EQ(c.metric("latency_p99"), &c.metrics[1]);
  EXPECT_EQ(c.metric("nope"), nullptr);
}

TEST(CanaryConfig, NullMeansAbsent) {
  const CanaryConfig c = parse_ok(R"({"name": "c", "classifier": null,
      "metrics": [{"name": "m", "groups": null, "analysisConfigurations": {"canary": {"direction": null}}}]})");
  EXPECT_EQ(c.metrics.at(0).canary.direction, Direction::kEither);
}

struct BadConfig {
  const char* what;
  std::string json;
  std::vector<std::string> expected;  // each must appear in the message
};

// A metric with this "canary" analysis configuration.
std::string with_canary(const std::string& canary) {
  return R"({"name": "c", "metrics": [{"name": "a"}, {"name": "b"}, {"name": "m", "analysisConfigurations": {"canary": )" +
         canary + "}}]}";
}

TEST(CanaryConfig, BadConfigsNameTheField) {
  const std::vector<BadConfig> table = {
      {"not an object", "[1, 2]", {"test.json: expected a canary config"}},
      {"no name", R"({"metrics": []})", {"test.json: name: required"}},
      {"no metrics", R"({"name": "c"})", {"test.json: metrics: required: an array"}},
      {"metrics not an array",
       R"({"name": "c", "metrics": {}})",
       {"metrics: required: an array", "got {}"}},
      {"metric not an object",
       R"({"name": "c", "metrics": [3]})",
       {"metrics[0]: expected a metric config"}},
      {"metric without name",
       R"({"name": "c", "metrics": [{"groups": []}]})",
       {"metrics[0].name: required"}},
      {"duplicate names",
       R"({"name": "c", "metrics": [{"name": "x"}, {"name": "x"}]})",
       {"metrics[1].name: duplicate metric name \"x\" (also metrics[0])"}},
      {"groups not strings",
       R"({"name": "c", "metrics": [{"name": "x", "groups": ["ok", 7]}]})",
       {"metrics[0].groups[1]: expected a non-empty group name, got 7"}},
      {"query not an object",
       R"({"name": "c", "metrics": [{"name": "x", "query": "up"}]})",
       {"metrics[0].query: expected an object"}},
      {"query type not a string",
       R"({"name": "c", "metrics": [{"name": "x", "query": {"type": 1}}]})",
       {"metrics[0].query.type: expected a string"}},
      {"unknown direction",
       with_canary(R"({"direction": "up"})"),
       {"test.json: metrics[2].analysisConfigurations.canary.direction: expected \"increase\", "
        "\"decrease\" or "
        "\"either\", got \"up\""}},
      {"unknown nanStrategy",
       with_canary(R"({"nanStrategy": "zero"})"),
       {"metrics[2].analysisConfigurations.canary.nanStrategy: expected \"remove\" or "
        "\"replace\""}},
      {"critical not a bool",
       with_canary(R"({"critical": "true"})"),
       {"metrics[2].analysisConfigurations.canary.critical: expected true or false, got \"true\""}},
      {"mustHaveData not a bool",
       with_canary(R"({"mustHaveData": 1})"),
       {"metrics[2].analysisConfigurations.canary.mustHaveData: expected true or false"}},
      {"negative effect size",
       with_canary(R"({"effectSize": {"allowedIncrease": -1}})"),
       {"metrics[2].analysisConfigurations.canary.effectSize.allowedIncrease: expected a number >= "
        "0, got -1"}},
      {"effect size a string",
       with_canary(R"({"effectSize": {"criticalDecrease": "0.5"}})"),
       {"canary.effectSize.criticalDecrease: expected a number"}},
      {"cles above 1",
       with_canary(R"({"effectSize": {"measure": "cles", "allowedIncrease": 1.2}})"),
       {"canary.effectSize.allowedIncrease: expected a number from 0 to 1 (cles is a probability), "
        "got 1.2"}},
      {"unknown measure",
       with_canary(R"({"effectSize": {"measure": "cohenD"}})"),
       {"canary.effectSize.measure: expected \"meanRatio\" or \"cles\""}},
      {"unknown outlier strategy",
       with_canary(R"({"outliers": {"strategy": "drop"}})"),
       {"canary.outliers.strategy: expected \"remove\" or \"keep\""}},
      {"zero outlier factor",
       with_canary(R"({"outliers": {"strategy": "remove", "outlierFactor": 0}})"),
       {"canary.outliers.outlierFactor: expected a number > 0, got 0"}},
      {"canary not an object",
       with_canary("[]"),
       {"metrics[2].analysisConfigurations.canary: expected an object"}},
      {"negative weight",
       R"({"name": "c", "metrics": [], "classifier": {"groupWeights": {"errors": -5}}})",
       {"classifier.groupWeights.\"errors\": expected a weight >= 0, got -5"}},
      {"weights over 100 leave a group negative",
       R"({"name": "c", "metrics": [{"name": "x", "groups": ["a"]}, {"name": "y", "groups": ["b"]}],
          "classifier": {"groupWeights": {"a": 120}}})",
       {"classifier.groupWeights: weights total 120", "(\"b\") would get a negative weight"}},
      {"thresholds incomplete",
       R"({"name": "c", "metrics": [], "classifier": {"scoreThresholds": {"pass": 90}}})",
       {"classifier.scoreThresholds.marginal: required"}},
      {"thresholds out of range",
       R"({"name": "c", "metrics": [], "classifier": {"scoreThresholds": {"pass": 101, "marginal": 50}}})",
       {"classifier.scoreThresholds.pass: expected a number from 0 to 100, got 101"}},
      {"marginal above pass",
       R"({"name": "c", "metrics": [], "classifier": {"scoreThresholds": {"pass": 60, "marginal": 80}}})",
       {"classifier.scoreThresholds: marginal (80.0) must not be above pass (60.0)"}},
      {"not JSON", "{\"name\": \"c\",\n  \"metrics\": [}", {"test.json: not valid JSON at line 2"}},
  };
  for (const BadConfig& bad : table) {
    SCOPED_TRACE(bad.what);
    const sim::Result<CanaryConfig> r = load_canary_config(bad.json, "test.json");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, sim::ErrorCode::kInvalidArgument);
    for (const std::string& part : bad.expected) {
      EXPECT_NE(r.error().message.find(part), std::string::npos)
          << "missing: " << part << "\nin: " << r.error().message;
    }
  }
}

TEST(CanaryConfig, EveryProblemAtOnceOnePerLine) {
  const sim::Result<CanaryConfig> r = load_canary_config(R"({"metrics": [
      {"name": "a", "analysisConfigurations": {"canary": {"direction": "sideways", "critical": 2}}},
      {"analysisConfigurations": {"canary": {"outliers": {"outlierFactor": -1}}}}]})",
                                                         "cfg.json");
  ASSERT_FALSE(r.ok());
  const std::string& m = r.error().message;
  const std::vector<std::string> lines = {
      "cfg.json: name: required: a non-empty string",
      "cfg.json: metrics[0].analysisConfigurations.canary.direction: expected",
      "cfg.json: metrics[0].analysisConfigurations.canary.critical: expected true or false, got 2",
      "cfg.json: metrics[1].name: required",
      "cfg.json: metrics[1].analysisConfigurations.canary.outliers.outlierFactor: expected a "
      "number > 0, got -1"};
  for (const std::string& line : lines)
    EXPECT_NE(m.find(line), std::string::npos) << line << "\nin: " << m;
  EXPECT_EQ(std::count(m.begin(), m.end(), '\n') + 1, long(lines.size())) << m;
}

}  // namespace
}  // namespace deploysim::canary
