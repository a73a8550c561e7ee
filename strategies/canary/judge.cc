// NetflixACAJudge.judge / classifyMetric, and the report of a judgment.
#include "strategies/canary/judge.h"

#include <cmath>

#include "strategies/canary/preprocessing.h"

namespace deploysim::canary {
namespace {

using Json = nlohmann::json;

// JSON has no NaN: Kayenta's reports carry a NaN ratio as null too.
Json number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json stats_json(const SampleSummary& s) {
  return Json{{"min", number(s.min)},
              {"max", number(s.max)},
              {"mean", number(s.mean)},
              {"std", number(s.std)},
              {"count", number(s.count)}};
}

Json metric_json(const MetricResult& r) {
  Json out{{"name", r.name},
           {"classification", to_string(r.classification)},
           {"classificationReason", r.reason},
           {"critical", r.critical},
           {"muted", r.muted},
           {"groups", r.groups},
           {"resultMetadata", {{"ratio", number(r.deviation)}}},
           {"controlMetadata", {{"stats", stats_json(r.baseline)}}},
           {"experimentMetadata", {{"stats", stats_json(r.canary)}}}};
  if (r.test) {
    out["mannWhitney"] = {{"lowerConfidence", number(r.test->interval.lower)},
                          {"upperConfidence", number(r.test->interval.upper)},
                          {"estimate", number(r.test->interval.estimate)},
                          {"effectSize", number(r.test->effect_size)},
                          {"bound", number(r.test->bound)}};
  }
  return out;
}

}  // namespace

Json JudgeResult::to_json() const {
  Json results = Json::array();
  for (const MetricResult& r : metrics) results.push_back(metric_json(r));
  Json group_scores = Json::array();
  for (const GroupScore& g : groups) {
    group_scores.push_back({{"name", g.name}, {"score", number(g.score)}, {"noData", g.no_data}});
  }
  return Json{{"judgeName", kJudgeName},
              {"score",
               {{"score", number(score)},
                {"classification", to_string(classification)},
                {"classificationReason", reason}}},
              {"scoreThresholds", {{"pass", thresholds.pass}, {"marginal", thresholds.marginal}}},
              {"results", std::move(results)},
              {"groupScores", std::move(group_scores)}};
}

MetricResult judge_metric(const MetricConfig& config, const MetricSeries& series, sim::Rng& noise) {
  const MetricAnalysisConfig& analysis = config.canary;
  const std::vector<double> canary = preprocess(series.canary, analysis);
  const std::vector<double> baseline = preprocess(series.baseline, analysis);
  const MetricRules rules{.direction = analysis.direction,
                          .nan_strategy = analysis.nan_strategy,
                          .critical = analysis.critical,
                          .must_have_data = analysis.must_have_data};
  MetricClassification verdict = classify_metric(
      config.name, baseline, canary, ClassifierOptions::for_judge(analysis), rules, noise);
  return MetricResult{.name = config.name,
                      .classification = verdict.classification,
                      .reason = std::move(verdict.reason),
                      .critical = verdict.critical,
                      .muted = analysis.muted,
                      .groups = config.groups,
                      .deviation = verdict.deviation,
                      .test = verdict.test,
                      .baseline = summarize(baseline),
                      .canary = summarize(canary)};
}

sim::Result<JudgeResult> judge(const CanaryConfig& config, const MetricSeriesByName& series,
                               const ScoreThresholds& thresholds, const sim::Rng& noise) {
  std::string unknown;
  for (const auto& [name, unused] : series) {
    if (config.metric(name) == nullptr)
      unknown += (unknown.empty() ? "" : ", ") + ("\"" + name + "\"");
  }
  if (!unknown.empty()) {
    return sim::invalid_argument("canary config \"" + config.name + "\" has no metric named " +
                                 unknown + " (Kayenta: Could not find metric config)");
  }
  JudgeResult out;
  const MetricSeries no_data;
  for (const MetricConfig& metric : config.metrics) {
    const auto it = series.find(metric.name);
    sim::Rng metric_noise = noise.derive(metric.name);
    out.metrics.push_back(
        judge_metric(metric, it == series.end() ? no_data : it->second, metric_noise));
  }
  ScoreResult scored = score_results(out.metrics, config.classifier.group_weights);
  out.groups = std::move(scored.groups);
  out.score = scored.score;
  out.reason = std::move(scored.reason);
  out.thresholds = thresholds;
  out.classification = classify_score(out.score, thresholds);
  return out;
}

}  // namespace deploysim::canary
