// The whole judge, config to score: which series reach the test, how verdicts become a score
// (hand-computed from canary-judges.md §1.6), the errors it reports, and that a judgment repeats
// exactly for a seed.
#include "strategies/canary/judge.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace deploysim::canary {
namespace {

const double kNaN = std::nan("");

CanaryConfig config(const std::string& metrics, const std::string& classifier = "{}") {
  const sim::Result<CanaryConfig> c = load_canary_config(
      R"({"name": "test", "metrics": )" + metrics + R"(, "classifier": )" + classifier + "}",
      "judge_test.json");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  return c.ok() ? *c : CanaryConfig{};
}

// n points a + 0.01 (i mod 7): a level with a little spread and no randomness.
std::vector<double> level(double a, int n = 60) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(a + 0.01 * (i % 7));
  return v;
}

JudgeResult judged(const CanaryConfig& c, const MetricSeriesByName& series, uint64_t seed = 7,
                   ScoreThresholds thresholds = {}) {
  const sim::Result<JudgeResult> r =
      judge(c, series, thresholds, sim::Rng::stream(seed, "judge-test"));
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : JudgeResult{};
}

const MetricResult& result(const JudgeResult& r, const std::string& name) {
  for (const MetricResult& m : r.metrics) {
    if (m.name == name) return m;
  }
  ADD_FAILURE() << "no result for " << name;
  static const MetricResult none;
  return none;
}

TEST(Judge, WeightedGroupsToAMarginalScore) {
  // errors: the canary doubles (High); latency: same values in another order (Pass, identical);
  // throughput: muted, High but left out. Score = 0 x 50% + 100 x 50% = 50: Marginal at 75/50.
  const CanaryConfig c = config(R"([
      {"name": "errors", "groups": ["errors"]},
      {"name": "latency", "groups": ["latency"]},
      {"name": "throughput", "groups": ["latency"], "analysisConfigurations": {"canary": {"muted": true}}}])",
                                R"({"groupWeights": {"errors": 50, "latency": 50}})");
  std::vector<double> shuffled = level(5);
  std::reverse(shuffled.begin(), shuffled.end());
  const JudgeResult r = judged(c, {{"errors", {.baseline = level(1), .canary = level(2)}},
                                   {"latency", {.baseline = level(5), .canary = shuffled}},
                                   {"throughput", {.baseline = level(1), .canary = level(3)}}});
  ASSERT_EQ(r.metrics.size(), 3u);
  EXPECT_EQ(r.metrics[0].name, "errors");  // config order
  EXPECT_EQ(result(r, "errors").classification, Classification::kHigh);
  EXPECT_EQ(result(r, "errors").reason, "errors was classified as High");
  EXPECT_EQ(result(r, "latency").classification, Classification::kPass);
  EXPECT_EQ(result(r, "latency").reason, "The Canary and Baseline data are identical");
  EXPECT_EQ(result(r, "throughput").classification, Classification::kHigh);
  EXPECT_TRUE(result(r, "throughput").muted);
  EXPECT_EQ(r.score, 50.0);
  EXPECT_EQ(r.classification, SummaryClassification::kMarginal);
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(r.groups[0].name, "errors");
  EXPECT_EQ(r.groups[0].score, 0.0);
  EXPECT_EQ(r.groups[1].score, 100.0);
  // The High's numbers: the shift is 1 (CI around it), the means double.
  const MetricResult& errors = result(r, "errors");
  ASSERT_TRUE(errors.test.has_value());
  EXPECT_NEAR(errors.test->interval.estimate, 1.0, 0.011);
  EXPECT_GT(errors.test->interval.lower, 0.25 * std::fabs(errors.test->interval.estimate));
  EXPECT_NEAR(errors.deviation, errors.canary.mean / errors.baseline.mean, 1e-12);
  EXPECT_EQ(errors.canary.count, 60);
}

TEST(Judge, CriticalFailureZeroesTheScore) {
  const CanaryConfig c =
      config(R"([{"name": "errors", "groups": ["g"], "analysisConfigurations": {"canary":
      {"critical": true, "direction": "increase"}}}, {"name": "ok", "groups": ["g"]}])");
  const JudgeResult r = judged(c, {{"errors", {.baseline = level(1), .canary = level(2)}},
                                   {"ok", {.baseline = level(1), .canary = level(1)}}});
  EXPECT_TRUE(result(r, "errors").critical);
  EXPECT_EQ(r.score, 0.0);
  EXPECT_EQ(r.classification, SummaryClassification::kFail);
  EXPECT_EQ(r.reason, "Canary Failed: The metric errors was classified as High (Critical)");
  // The same drop is not a failure for a metric that may only decrease.
  const CanaryConfig down =
      config(R"([{"name": "errors", "groups": ["g"], "analysisConfigurations": {"canary":
      {"critical": true, "direction": "decrease"}}}])");
  EXPECT_EQ(judged(down, {{"errors", {.baseline = level(1), .canary = level(2)}}}).score, 100.0);
}

TEST(Judge, MissingData) {
  const CanaryConfig c = config(R"([
      {"name": "removed", "groups": ["g"]},
      {"name": "replaced", "groups": ["g"], "analysisConfigurations": {"canary": {"nanStrategy": "replace"}}},
      {"name": "required", "groups": ["g"], "analysisConfigurations": {"canary": {"mustHaveData": true}}},
      {"name": "absent", "groups": ["g"]},
      {"name": "fine", "groups": ["g"]}])");
  const std::vector<double> gaps(10, kNaN);
  const JudgeResult r = judged(c, {{"removed", {.baseline = level(1), .canary = gaps}},
                                   {"replaced", {.baseline = gaps, .canary = gaps}},
                                   {"required", {.baseline = level(1), .canary = {}}},
                                   {"fine", {.baseline = level(1), .canary = level(1)}}});
  EXPECT_EQ(result(r, "removed").classification, Classification::kNodata);
  EXPECT_EQ(result(r, "removed").reason, "Missing data for removed");
  // NaN -> 0 on both sides: identical.
  EXPECT_EQ(result(r, "replaced").classification, Classification::kPass);
  EXPECT_EQ(result(r, "replaced").canary.count, 10);
  EXPECT_EQ(result(r, "required").classification, Classification::kNodataFailMetric);
  EXPECT_EQ(result(r, "absent").classification, Classification::kNodata);
  // Two Nodata of five (40%, under the limit); the group counts Pass, Pass, NodataFailMetric.
  EXPECT_EQ(r.score, round_half_up(200.0 / 3, 2));
  EXPECT_EQ(r.score, 66.67);
}

TEST(Judge, OutliersRemovedOnlyWhenConfigured) {
  std::vector<double> spiky = level(10);
  spiky[30] = 1000;
  const MetricSeriesByName series = {{"m", {.baseline = spiky, .canary = level(10)}}};
  const JudgeResult kept = judged(config(R"([{"name": "m"}])"), series);
  EXPECT_EQ(result(kept, "m").baseline.max, 1000);
  const JudgeResult removed = judged(
      config(
          R"([{"name": "m", "analysisConfigurations": {"canary": {"outliers": {"strategy": "remove"}}}}])"),
      series);
  EXPECT_EQ(result(removed, "m").baseline.count, 59);
  EXPECT_NEAR(result(removed, "m").baseline.max, 10.06, 1e-12);
}

TEST(Judge, SeriesForAnUnknownMetricIsAnError) {
  const sim::Result<JudgeResult> r = judge(config(R"([{"name": "m"}])"), {{"m", {}}, {"typo", {}}},
                                           {}, sim::Rng::stream(1, "judge-test"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("has no metric named \"typo\""), std::string::npos)
      << r.error().message;
}

TEST(Judge, ConstantSeriesRepeatExactlyForASeed) {
  // Both constant: Kayenta's noise path. The same seed gives the same judgment, bit for bit; any
  // seed gives High; another metric does not shift this metric's draws.
  const CanaryConfig one = config(R"([{"name": "constant"}])");
  const CanaryConfig two = config(R"([{"name": "another"}, {"name": "constant"}])");
  const MetricSeries constant{.baseline = std::vector<double>(20, 1.0),
                              .canary = std::vector<double>(20, 10.0)};
  const JudgeResult a = judged(one, {{"constant", constant}}, 42);
  const JudgeResult b = judged(one, {{"constant", constant}}, 42);
  EXPECT_EQ(a.to_json().dump(), b.to_json().dump());
  const JudgeResult with_another = judged(
      two, {{"constant", constant}, {"another", {.baseline = level(1), .canary = level(1)}}}, 42);
  ASSERT_TRUE(result(a, "constant").test && result(with_another, "constant").test);
  EXPECT_EQ(result(a, "constant").test->interval.estimate,
            result(with_another, "constant").test->interval.estimate);
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    EXPECT_EQ(result(judged(one, {{"constant", constant}}, seed), "constant").classification,
              Classification::kHigh)
        << "seed " << seed;
  }
}

TEST(Judge, ReportShape) {
  const CanaryConfig c = config(R"([{"name": "zero-baseline", "groups": ["g"]}])");
  const JudgeResult r = judged(
      c,
      {{"zero-baseline",
        {.baseline = std::vector<double>(5, 0.0), .canary = {54.9, 54.5, 55.1, 55.6, 57.4}}}},
      7, ScoreThresholds{.pass = 95, .marginal = 75});
  const Json j = r.to_json();
  EXPECT_EQ(j.at("judgeName"), "NetflixACAJudge-v1.0");
  EXPECT_EQ(j.at("score").at("score"), 0.0);
  EXPECT_EQ(j.at("score").at("classification"), "Fail");
  EXPECT_EQ(j.at("scoreThresholds").at("pass"), 95.0);
  const Json& m = j.at("results").at(0);
  EXPECT_EQ(m.at("name"), "zero-baseline");
  EXPECT_EQ(m.at("classification"), "High");
  EXPECT_TRUE(m.at("resultMetadata").at("ratio").is_null());  // NaN: the baseline mean is 0
  EXPECT_EQ(m.at("controlMetadata").at("stats").at("count"), 5.0);
  EXPECT_NEAR(m.at("experimentMetadata").at("stats").at("mean").get<double>(), 55.5, 1e-12);
  EXPECT_TRUE(m.at("mannWhitney").contains("lowerConfidence"));
  EXPECT_EQ(j.at("groupScores").at(0).at("name"), "g");
}

}  // namespace
}  // namespace deploysim::canary
