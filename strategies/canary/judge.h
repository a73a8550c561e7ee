// The NetflixACAJudge-v1.0 canary judge: for each metric of a Kayenta canary config, preprocess
// the baseline and canary series, classify the canary against the baseline, then score the
// verdicts and classify the score. deploysim's judgment of a canary interval is this, so that a
// strategy scored here is scored as Spinnaker would score it (reference: canary-judges.md §1).
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "sim/kernel/result.h"
#include "sim/kernel/rng.h"
#include "strategies/canary/canary_config.h"
#include "strategies/canary/metric_result.h"
#include "strategies/canary/scorer.h"

namespace deploysim::canary {

inline constexpr std::string_view kJudgeName = "NetflixACAJudge-v1.0";

// One metric's points over the judged window, one per step, NaN where a point is missing.
// Kayenta calls the baseline "control" and the canary "experiment".
struct MetricSeries {
  std::vector<double> baseline;
  std::vector<double> canary;
};

// Series by metric name.
using MetricSeriesByName = std::map<std::string, MetricSeries, std::less<>>;

struct JudgeResult {
  std::vector<MetricResult> metrics;  // in the config's metric order, muted ones included
  std::vector<GroupScore> groups;     // by group name
  double score = 0;                   // 0..100 when the group weights total 100
  SummaryClassification classification = SummaryClassification::kFail;
  std::string reason;          // why the score was forced to 0, or ""
  ScoreThresholds thresholds;  // what `classification` was decided against

  // The result in the shape of Kayenta's CanaryJudgeResult (judgeName, score {score,
  // classification, classificationReason}, results [...], groupScores [...]), each result with
  // its rank test's numbers added under "mannWhitney". NaN is written as null.
  nlohmann::json to_json() const;
};

// Judges one metric: its series preprocessed as its analysis configuration says, then classified
// with the judge's constants (tolerance 0.25, confidence 0.98).
MetricResult judge_metric(const MetricConfig& config, const MetricSeries& series, sim::Rng& noise);

// Judges every metric of `config` and scores the canary against `thresholds` (usually
// effective_thresholds(config), or the stage's). A metric with no entry in `series` has no data.
// `noise` is the stream Kayenta's noise for constant series comes from; each metric draws from its
// own child stream, named after the metric, so adding a metric changes no other metric's draws.
// Errors (kInvalidArgument) when `series` has a metric the config does not name, as Kayenta fails
// a judgment with "Could not find metric config for <name>".
sim::Result<JudgeResult> judge(const CanaryConfig& config, const MetricSeriesByName& series,
                               const ScoreThresholds& thresholds, const sim::Rng& noise);

}  // namespace deploysim::canary
