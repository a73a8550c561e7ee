// One metric's entry in a judgment: Kayenta's CanaryAnalysisResult (the classification and why,
// the groups it scores in, and the summary statistics of both series after preprocessing), plus
// the rank test's numbers, which Kayenta computes but does not report.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "strategies/canary/metric_classifier.h"
#include "strategies/canary/statistics.h"

namespace deploysim::canary {

struct MetricResult {
  std::string name;
  Classification classification = Classification::kPass;
  std::string reason;     // classificationReason; "" where Kayenta gives none
  bool critical = false;  // a critical failure (see MetricClassification)
  bool muted = false;     // reported, but left out of every score
  std::vector<std::string> groups;
  double deviation =
      1.0;  // resultMetadata.ratio: mean(canary) / mean(baseline), NaN on a zero mean
  std::optional<RankTest> test;  // when the rank test ran
  SampleSummary baseline;        // controlMetadata.stats
  SampleSummary canary;          // experimentMetadata.stats
};

}  // namespace deploysim::canary
