// From metric verdicts to a canary score, as Kayenta's WeightedSumScorer (with ScoringHelper)
// and ThresholdScoreClassifier do it: per-group pass rates, weighted by the config's groupWeights,
// overridden to 0 by a critical failure or by too many metrics without data.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "strategies/canary/canary_config.h"
#include "strategies/canary/metric_result.h"

namespace deploysim::canary {

struct GroupScore {
  std::string name;
  double score = 0;      // 100 * Pass / (Pass + High + Low + NodataFailMetric); 0 when no_data
  bool no_data = false;  // no metric of the group had a countable verdict
};

struct ScoreResult {
  std::vector<GroupScore> groups;  // by group name
  double score = 0;                // the summary score, rounded half up to 2 decimals
  std::string reason;              // why the score was forced to 0, or ""
};

// Kayenta's NODATA_THRESHOLD: at least this percentage of Nodata results scores the canary 0.
inline constexpr double kNodataThresholdPercent = 50;

// Scores the results that are not muted:
//  - each group a metric lists gets its verdict; Nodata and Error are not counted;
//  - a critical result that is not Pass scores the canary 0 ("Canary Failed: <its reason>");
//  - so does a Nodata share of at least kNodataThresholdPercent;
//  - otherwise sum(group score x weight / 100) over the groups, a group with no data counting as
//    100; a group without a configured weight gets (100 - total configured weight) / (number of
//    such groups). Weights are not renormalised: configured weights of groups that no metric uses
//    still count in the total.
ScoreResult score_results(std::span<const MetricResult> results,
                          const std::map<std::string, double>& group_weights);

enum class SummaryClassification { kPass, kMarginal, kFail };
std::string_view to_string(SummaryClassification c);  // "Pass", "Marginal", "Fail"

// ThresholdScoreClassifier: score >= pass is Pass, else score >= marginal is Marginal, else Fail.
// (Orca's stage fails a run at score <= marginal, so a Marginal score equal to marginal still
// stops a pipeline: that rule belongs to the stage, not to the judge.)
SummaryClassification classify_score(double score, const ScoreThresholds& thresholds);

// Commons Math Precision.round(value, decimals): the shortest decimal that reads back as `value`
// (Java's Double.toString), rounded half up (away from zero), read back as a double. So 1.005
// rounds to 1.01, where rounding value * 100 in binary would give 1.0. Non-finite values pass
// through. REQUIRES: 0 <= decimals <= 15.
double round_half_up(double value, int decimals);

}  // namespace deploysim::canary
