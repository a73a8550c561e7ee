// Known judge failures reported on GitHub (kayenta-vectors.md, last section): what Kayenta
// actually returns, right or wrong, reproduced through the classifier and through the whole judge
// (NetflixACAJudge uses tolerance 0.25 and confidence 0.98, as these reports do).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "strategies/canary/judge.h"

namespace deploysim::canary {
namespace {

ClassifierOptions judge_options(double allowed_increase = 1.0, double critical_increase = 1.0) {
  ClassifierOptions o;
  o.tolerance = kJudgeTolerance;
  o.confidence = kJudgeConfidence;
  o.allowed_increase = allowed_increase;
  o.critical_increase = critical_increase;
  return o;
}

MetricClassification classify(const std::vector<double>& experiment,
                              const std::vector<double>& control,
                              const ClassifierOptions& options) {
  sim::Rng noise = sim::Rng::stream(1, "issue-vectors");
  return classify_metric("m", control, experiment, options, MetricRules{}, noise);
}

// spinnaker/spinnaker#6278: seven of ten canary points at 100x the baseline pass, because the
// lower bound (6.8e-5) is below a quarter of the estimate (99). The issue author's numbers.
TEST(IssueVectors, Spinnaker6278SevenOfTenPass) {
  const MetricClassification r = classify({100, 100, 100, 100, 100, 100, 100, 1, 1, 1},
                                          std::vector<double>(10, 1.0), judge_options(1.05, 1.1));
  EXPECT_EQ(r.classification, Classification::kPass);
  ASSERT_TRUE(r.test.has_value());
  EXPECT_NEAR(r.test->interval.lower, 6.825022991538781e-5, 1e-6);
  EXPECT_NEAR(r.test->interval.upper, 99.0, 1e-6);
  EXPECT_NEAR(r.test->interval.estimate, 98.99992904170193, 1e-6);
  EXPECT_NEAR(r.test->bound, 24.749982260425483, 1e-6);
  EXPECT_NEAR(r.deviation, 70.3, 1e-9);
  EXPECT_NEAR(r.test->effect_size, 70.3, 1e-9);
}

// ... and with the eighth point at 100 too, High (re-derived CI [98.99993164762162, 99.0], est 99).
TEST(IssueVectors, Spinnaker6278EightOfTenAreHigh) {
  const MetricClassification r = classify({100, 100, 100, 100, 100, 100, 100, 100, 1, 1},
                                          std::vector<double>(10, 1.0), judge_options(1.05, 1.1));
  EXPECT_EQ(r.classification, Classification::kHigh);
  ASSERT_TRUE(r.test.has_value());
  EXPECT_NEAR(r.test->interval.lower, 98.99993164762162, 1e-6);
  EXPECT_NEAR(r.test->interval.upper, 99.0, 1e-6);
  EXPECT_NEAR(r.test->interval.estimate, 99.0, 1e-6);
  EXPECT_NEAR(r.deviation, 80.2, 1e-9);
}

// spinnaker/kayenta#426: sparse errors against an all-zero baseline pass (the reporter expected
// High); the zero baseline mean makes the mean ratio NaN. Re-derived: CI [0, 2], est 0.8127.
TEST(IssueVectors, Kayenta426SparseErrorsPass) {
  const MetricClassification r =
      classify({0, 1, 2, 1, 0, 0}, std::vector<double>(6, 0.0), judge_options());
  EXPECT_EQ(r.classification, Classification::kPass);
  ASSERT_TRUE(r.test.has_value());
  EXPECT_NEAR(r.test->interval.lower, 0.0, 1e-6);
  EXPECT_NEAR(r.test->interval.upper, 2.0, 1e-6);
  EXPECT_NEAR(r.test->interval.estimate, 0.8127, 5e-5);
  EXPECT_TRUE(std::isnan(r.deviation));
}

// spinnaker/kayenta#780 case 1: a canary far less variable than a wild baseline passes (the
// reporter expected a failure). Re-derived: CI [-88.40, 8.70], est -1.777, mean ratio 0.271.
TEST(IssueVectors, Kayenta780VariabilityPasses) {
  const MetricClassification r = classify(
      {10.0, 10.1, 10.2, 10.3, 10.4, 10.5, 10.6, 17.0, 17.1, 17.2, 17.3, 17.4, 17.5, 17.6, 17.7},
      {1.0, 100.0, 4.0, 101.0, 5.0, 102.0, 6.0, 103.0, 7.0, 104.0, 8.0, 105.0, 9.0, 106.0, 17.0},
      judge_options());
  EXPECT_EQ(r.classification, Classification::kPass);
  ASSERT_TRUE(r.test.has_value());
  EXPECT_NEAR(r.test->interval.lower, -88.40, 0.005);
  EXPECT_NEAR(r.test->interval.upper, 8.70, 0.005);
  EXPECT_NEAR(r.test->interval.estimate, -1.777, 0.0005);
  EXPECT_NEAR(r.deviation, 0.271, 0.0005);
}

// The same reports through the judge, from a canary config: every metric passes, so the canary
// scores 100 although two of them should have failed it.
TEST(IssueVectors, TheJudgePassesThemAll) {
  const sim::Result<CanaryConfig> config = load_canary_config(R"({"name": "issues", "metrics": [
      {"name": "spinnaker-6278", "groups": ["errors"], "analysisConfigurations": {"canary": {
         "critical": true, "effectSize": {"allowedIncrease": 1.05, "criticalIncrease": 1.1}}}},
      {"name": "kayenta-426", "groups": ["errors"]},
      {"name": "kayenta-780", "groups": ["latency"]}]})",
                                                              "issues.json");
  ASSERT_TRUE(config.ok()) << config.error().message;
  const MetricSeriesByName series = {
      {"spinnaker-6278",
       {.baseline = std::vector<double>(10, 1.0),
        .canary = {100, 100, 100, 100, 100, 100, 100, 1, 1, 1}}},
      {"kayenta-426", {.baseline = std::vector<double>(6, 0.0), .canary = {0, 1, 2, 1, 0, 0}}},
      {"kayenta-780",
       {.baseline = {1, 100, 4, 101, 5, 102, 6, 103, 7, 104, 8, 105, 9, 106, 17},
        .canary = {10, 10.1, 10.2, 10.3, 10.4, 10.5, 10.6, 17, 17.1, 17.2, 17.3, 17.4, 17.5, 17.6,
                   17.7}}}};
  const sim::Result<JudgeResult> r =
      judge(*config, series, effective_thresholds(*config), sim::Rng::stream(1, "issues"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  int passed = 0;
  for (const MetricResult& m : r->metrics) {
    EXPECT_EQ(m.classification, Classification::kPass) << m.name;
    passed += m.classification == Classification::kPass ? 1 : 0;
  }
  EXPECT_EQ(r->score, 100.0);
  EXPECT_EQ(r->classification, SummaryClassification::kPass);
  std::printf("issue vectors: %d of 3 metrics judged as Kayenta judges them\n", passed);
}

}  // namespace
}  // namespace deploysim::canary
