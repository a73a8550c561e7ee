// Group scores, the weighted summary score, and its classification.
#include "strategies/canary/scorer.h"

#include <charconv>
#include <cmath>

#include "sim/kernel/check.h"

namespace deploysim::canary {
namespace {

struct Tally {
  int pass = 0;
  int failed = 0;  // High, Low, NodataFailMetric
  GroupScore score(const std::string& name) const {
    const int total = pass + failed;
    if (total == 0) return GroupScore{.name = name, .score = 0.0, .no_data = true};
    return GroupScore{.name = name, .score = (pass / static_cast<double>(total)) * 100};
  }
};

std::vector<GroupScore> group_scores(std::span<const MetricResult> results) {
  std::map<std::string, Tally> tallies;
  for (const MetricResult& r : results) {
    if (r.muted) continue;
    for (const std::string& group : r.groups) {
      Tally& t = tallies[group];  // Nodata and Error still make the group exist
      if (r.classification == Classification::kPass) ++t.pass;
      if (r.classification == Classification::kHigh || r.classification == Classification::kLow ||
          r.classification == Classification::kNodataFailMetric) {
        ++t.failed;
      }
    }
  }
  std::vector<GroupScore> out;
  for (const auto& [name, tally] : tallies) out.push_back(tally.score(name));
  return out;
}

double weighted_sum(const std::vector<GroupScore>& groups,
                    const std::map<std::string, double>& weights) {
  double configured_total = 0;
  for (const auto& [group, weight] : weights) configured_total += weight;
  double unweighted = 0;
  for (const GroupScore& g : groups) unweighted += weights.count(g.name) ? 0 : 1;
  const double implied = unweighted > 0 ? (100 - configured_total) / unweighted : 0.0;
  double sum = 0;
  for (const GroupScore& g : groups) {
    const auto it = weights.find(g.name);
    const double weight = it == weights.end() ? implied : it->second;
    sum += (g.no_data ? 100.0 : g.score) * (weight / 100);
  }
  return sum;
}

// The decimal digits of `kept` plus one unit in the last place ("0999" -> "1000").
std::string plus_one(std::string kept) {
  for (size_t i = kept.size(); i-- > 0;) {
    if (kept[i] != '9') {
      ++kept[i];
      return kept;
    }
    kept[i] = '0';
  }
  return "1" + kept;
}

}  // namespace

ScoreResult score_results(std::span<const MetricResult> results,
                          const std::map<std::string, double>& group_weights) {
  ScoreResult out;
  out.groups = group_scores(results);
  double counted = 0;
  double nodata = 0;
  for (const MetricResult& r : results) {
    if (r.muted) continue;
    if (r.critical && r.classification != Classification::kPass) {
      out.reason = "Canary Failed: " + r.reason;
      return out;
    }
    counted += 1;
    if (r.classification == Classification::kNodata) nodata += 1;
  }
  if (counted > 0 && 100 * nodata / counted >= kNodataThresholdPercent) {
    out.reason = "Canary Failed: " + std::to_string(int(nodata)) + " of " +
                 std::to_string(int(counted)) + " metrics have no data (" +
                 std::to_string(int(kNodataThresholdPercent)) + "% or more)";
    return out;
  }
  out.score = round_half_up(weighted_sum(out.groups, group_weights), 2);
  return out;
}

std::string_view to_string(SummaryClassification c) {
  switch (c) {
    case SummaryClassification::kPass:
      return "Pass";
    case SummaryClassification::kMarginal:
      return "Marginal";
    case SummaryClassification::kFail:
      return "Fail";
  }
  return "Fail";
}

SummaryClassification classify_score(double score, const ScoreThresholds& thresholds) {
  if (score >= thresholds.pass) return SummaryClassification::kPass;
  if (score >= thresholds.marginal) return SummaryClassification::kMarginal;
  return SummaryClassification::kFail;
}

double round_half_up(double value, int decimals) {
  DEPLOYSIM_CHECK(decimals >= 0 && decimals <= 15, "round_half_up takes 0 to 15 decimals");
  if (!std::isfinite(value) || value == 0) return value;
  // Shortest round-trip digits, as Java's Double.toString gives them: "d.ddde[+-]xx".
  char text[64];
  const char* end =
      std::to_chars(text, text + sizeof text, std::fabs(value), std::chars_format::scientific).ptr;
  const std::string_view written(text, size_t(end - text));
  const size_t e = written.find('e');
  std::string digits;
  for (char ch : written.substr(0, e)) {
    if (ch != '.') digits += ch;
  }
  int exponent = 0;
  const char* exponent_begin = text + e + 1 + (text[e + 1] == '+' ? 1 : 0);
  std::from_chars(exponent_begin, end, exponent);
  // value = 0.<digits> x 10^(exponent + 1); keep the digits down to 10^-decimals.
  const long keep = long(exponent) + 1 + decimals;
  if (keep >= long(digits.size())) return value;  // nothing to round away
  std::string kept = keep > 0 ? digits.substr(0, size_t(keep)) : "0";
  const bool up = keep >= 0 && digits[size_t(keep)] >= '5';
  if (up) kept = plus_one(kept);
  const std::string rounded = (value < 0 ? "-" : "") + kept + "e-" + std::to_string(decimals);
  double out = 0;
  std::from_chars(rounded.data(), rounded.data() + rounded.size(), out);
  return out == 0 ? 0.0 : out;  // BigDecimal has no negative zero
}

}  // namespace deploysim::canary
