// Scoring against Kayenta's ScorerSuite (all 13 cases, kayenta-vectors.md), the rules of
// canary-judges.md §1.6 that the suite does not cover (muted metrics, NodataFailMetric, Error, the
// 50% no-data rule, unnormalised weights), the inclusive thresholds, and Commons Math's rounding.
#include "strategies/canary/scorer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace deploysim::canary {
namespace {

using C = Classification;
using Weights = std::map<std::string, double>;

MetricResult verdict(C classification, const std::string& group, bool critical = false,
                     bool muted = false) {
  MetricResult r;
  r.name = std::string(to_string(classification)) + "-in-" + group;
  r.classification = classification;
  r.reason = r.name + " reason";
  r.critical = critical;
  r.muted = muted;
  r.groups = {group};
  return r;
}

struct ScorerCase {
  const char* name;
  Weights weights;
  std::vector<MetricResult> results;
  double summary;
};

// ScorerSuite.scala, case by case (the table at the end of kayenta-vectors.md).
std::vector<ScorerCase> scorer_suite() {
  return {
      {"Single Metric Pass", {}, {verdict(C::kPass, "test-group")}, 100.0},
      {"Single Metric Fail", {}, {verdict(C::kHigh, "test-group")}, 0.0},
      {"Single group Nodata", {}, {verdict(C::kNodata, "test-group-nodata")}, 0.0},
      {"Two Groups, one Pass, one Nodata",
       {},
       {verdict(C::kPass, "test-group-pass"), verdict(C::kPass, "test-group-pass"),
        verdict(C::kNodata, "test-group-nodata")},
       100.0},
      {"One Group, Two Metrics",
       {},
       {verdict(C::kPass, "test-group"), verdict(C::kHigh, "test-group")},
       50.0},
      {"One Group, Three Metrics",
       {},
       {verdict(C::kPass, "test-group"), verdict(C::kHigh, "test-group"),
        verdict(C::kLow, "test-group")},
       33.33},
      {"Two Groups, Three Metrics",
       {{"group-1", 75.0}, {"group-2", 25.0}},
       {verdict(C::kPass, "group-1"), verdict(C::kPass, "group-1"), verdict(C::kHigh, "group-2")},
       75.0},
      {"Two Groups, Three Metrics (Equal Weight)",
       {{"group-1", 50.0}, {"group-2", 50.0}},
       {verdict(C::kPass, "group-1"), verdict(C::kHigh, "group-1"), verdict(C::kHigh, "group-2")},
       25.0},
      {"Two Groups, Three Metrics (Equal Weight), one NoData",
       {{"group-1", 50.0}, {"group-2", 50.0}},
       {verdict(C::kPass, "group-1"), verdict(C::kNodata, "group-1"), verdict(C::kHigh, "group-2")},
       50.0},
      {"Two Metrics, one good (normal), one fail (critical)",
       {},
       {verdict(C::kPass, "test-group"), verdict(C::kHigh, "test-group", true)},
       0.0},
      {"Two Metrics, one low (normal), one good (critical)",
       {},
       {verdict(C::kLow, "test-group"), verdict(C::kPass, "test-group", true)},
       50.0},
      {"Two Metrics, one good (normal), one nodata (critical)",
       {},
       {verdict(C::kPass, "test-group"), verdict(C::kNodata, "test-group", true)},
       0.0},
      {"Two Groups (Unequal Weight), Four Metrics",
       {{"group1", 15.0}, {"group2", 85.0}},
       {verdict(C::kHigh, "group1"), verdict(C::kLow, "group1"), verdict(C::kPass, "group1"),
        verdict(C::kHigh, "group2")},
       5.0},
  };
}

TEST(ScorerSuite, EveryCase) {
  int passed = 0;
  const std::vector<ScorerCase> cases = scorer_suite();
  for (const ScorerCase& c : cases) {
    SCOPED_TRACE(c.name);
    const ScoreResult s = score_results(c.results, c.weights);
    const bool ok = s.score == c.summary;
    EXPECT_EQ(s.score, c.summary);
    passed += ok ? 1 : 0;
  }
  std::printf("kayenta-vectors: ScorerSuite: %d of %zu cases pass\n", passed, cases.size());
}

TEST(ScorerSuite, GroupScoresOfTheNodataCases) {
  const ScoreResult single = score_results(scorer_suite()[2].results, {});
  ASSERT_EQ(single.groups.size(), 1u);
  EXPECT_EQ(single.groups[0].score, 0.0);
  EXPECT_TRUE(single.groups[0].no_data);
  const ScoreResult two = score_results(scorer_suite()[3].results, {});
  ASSERT_EQ(two.groups.size(), 2u);
  EXPECT_EQ(two.groups[0].name, "test-group-nodata");
  EXPECT_EQ(two.groups[0].score, 0.0);
  EXPECT_EQ(two.groups[1].score, 100.0);
}

TEST(Scorer, CriticalFailureNamesTheMetric) {
  const ScoreResult s = score_results(
      std::vector<MetricResult>{verdict(C::kPass, "g"), verdict(C::kHigh, "g", true)}, {});
  EXPECT_EQ(s.score, 0.0);
  EXPECT_EQ(s.reason, "Canary Failed: High-in-g reason");
}

TEST(Scorer, MutedMetricsAreLeftOut) {
  // A muted High neither lowers the score nor, when critical, zeroes it; nor does it make a group.
  const ScoreResult s = score_results(
      std::vector<MetricResult>{verdict(C::kPass, "g"), verdict(C::kHigh, "g", true, true),
                                verdict(C::kLow, "other", false, true)},
      {});
  EXPECT_EQ(s.score, 100.0);
  EXPECT_EQ(s.groups.size(), 1u);
}

TEST(Scorer, WhatCountsInAGroup) {
  // NodataFailMetric fails its group; Error and Nodata are not counted.
  EXPECT_EQ(
      score_results(
          std::vector<MetricResult>{verdict(C::kPass, "g"), verdict(C::kNodataFailMetric, "g")}, {})
          .score,
      50.0);
  EXPECT_EQ(
      score_results(std::vector<MetricResult>{verdict(C::kPass, "g"), verdict(C::kError, "g")}, {})
          .score,
      100.0);
  // A metric in two groups counts in both.
  MetricResult both = verdict(C::kHigh, "a");
  both.groups = {"a", "b"};
  EXPECT_EQ(score_results(std::vector<MetricResult>{verdict(C::kPass, "a"), both}, {}).score, 25.0);
}

TEST(Scorer, HalfTheMetricsWithoutDataFailsTheCanary) {
  // NODATA_THRESHOLD 50 is inclusive: one Nodata in two is enough (one in three is not, above).
  const ScoreResult s = score_results(
      std::vector<MetricResult>{verdict(C::kPass, "a"), verdict(C::kNodata, "b")}, {});
  EXPECT_EQ(s.score, 0.0);
  EXPECT_FALSE(s.reason.empty());
}

TEST(Scorer, WeightsAreNotRenormalised) {
  const std::vector<MetricResult> passing = {verdict(C::kPass, "a"), verdict(C::kPass, "b")};
  // Every group weighted, total 80: a perfect canary scores 80.
  EXPECT_EQ(score_results(passing, {{"a", 40}, {"b", 40}}).score, 80.0);
  // A weight for a group no metric uses still counts in the total: b gets 100 - 80 = 20.
  EXPECT_EQ(score_results(passing, {{"a", 50}, {"ghost", 30}}).score, 70.0);
}

TEST(ThresholdScoreClassifier, InclusiveThresholds) {
  const ScoreThresholds t{.pass = 95, .marginal = 75};
  EXPECT_EQ(classify_score(95, t), SummaryClassification::kPass);
  EXPECT_EQ(classify_score(94.99, t), SummaryClassification::kMarginal);
  EXPECT_EQ(classify_score(75, t), SummaryClassification::kMarginal);
  EXPECT_EQ(classify_score(74.99, t), SummaryClassification::kFail);
  EXPECT_EQ(to_string(SummaryClassification::kMarginal), "Marginal");
}

TEST(RoundHalfUp, DecimalNotBinary) {
  // BigDecimal(Double.toString(x)).setScale(2, ROUND_HALF_UP): the decimal the double prints as
  // is rounded, so 1.005 (stored as 1.00499999999999989...) goes up, away from zero.
  EXPECT_EQ(round_half_up(1.005, 2), 1.01);
  EXPECT_EQ(round_half_up(2.675, 2), 2.68);
  EXPECT_EQ(round_half_up(-1.005, 2), -1.01);
  EXPECT_EQ(round_half_up(0.125, 2), 0.13);
  EXPECT_EQ(round_half_up(100.0 / 3, 2), 33.33);
  EXPECT_EQ(round_half_up(4.999999999999999, 2), 5.0);
  EXPECT_EQ(round_half_up(99.995, 2), 100.0);
  EXPECT_EQ(round_half_up(0.005, 2), 0.01);
  EXPECT_EQ(round_half_up(0.0049, 2), 0.0);
  EXPECT_EQ(round_half_up(1e-300, 2), 0.0);
  EXPECT_EQ(round_half_up(12345.678, 0), 12346.0);
  EXPECT_EQ(round_half_up(75.0, 2), 75.0);
}

}  // namespace
}  // namespace deploysim::canary
