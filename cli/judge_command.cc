// deploysim judge: Kayenta's NetflixACAJudge over recorded series, offline. For checking a canary
// config against data one already has: which metrics would fail, and the score.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/commands.h"
#include "scenarios/series_csv.h"
#include "strategies/canary/judge.h"

namespace deploysim::cli {
namespace {

std::string number(double v, const char* format = "%.4g") {
  if (std::isnan(v)) return "-";
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, format, v);
  return buffer;
}

void print_table(const canary::JudgeResult& r) {
  std::printf("%-24s %-17s %12s %5s %12s %5s %9s  %s\n", "metric", "classification", "baseline", "n", "canary", "n", "ratio",
              "shift (98% interval)");
  for (const canary::MetricResult& m : r.metrics) {
    std::string shift = "-";
    if (m.test) {
      shift = number(m.test->interval.estimate) + " [" + number(m.test->interval.lower) + ", " + number(m.test->interval.upper) + "]";
    }
    std::string label = std::string(canary::to_string(m.classification));
    if (m.critical) label += " critical";
    if (m.muted) label += " muted";
    std::printf("%-24s %-17s %12s %5.0f %12s %5.0f %9s  %s\n", m.name.substr(0, 24).c_str(), label.c_str(),
                number(m.baseline.mean).c_str(), m.baseline.count, number(m.canary.mean).c_str(), m.canary.count,
                number(m.deviation, "%.3f").c_str(), shift.c_str());
  }
  std::printf("\n");
  for (const canary::GroupScore& g : r.groups) {
    std::printf("group %-18s %s%s\n", g.name.c_str(), number(g.score, "%.2f").c_str(), g.no_data ? " (no data)" : "");
  }
  std::printf("\nscore %.2f: %s (pass %g, marginal %g)%s%s\n", r.score, std::string(canary::to_string(r.classification)).c_str(),
              r.thresholds.pass, r.thresholds.marginal, r.reason.empty() ? "" : " - ", r.reason.c_str());
}

}  // namespace

int run_judge(const JudgeArgs& args) {
  std::ifstream in(args.config);
  if (!in) {
    std::cerr << "deploysim judge: cannot read canary config " << args.config << "\n";
    return kExitUsage;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const sim::Result<canary::CanaryConfig> config = canary::load_canary_config(text, args.config);
  const sim::Result<scenarios::SeriesTable> baseline = scenarios::read_series_csv(args.baseline);
  const sim::Result<scenarios::SeriesTable> experiment = scenarios::read_series_csv(args.canary);
  bool bad = false;
  for (const sim::Error* e : {config.ok() ? nullptr : &config.error(), baseline.ok() ? nullptr : &baseline.error(),
                              experiment.ok() ? nullptr : &experiment.error()}) {
    if (e != nullptr) {
      std::cerr << e->message << "\n";
      bad = true;
    }
  }
  if (bad) return kExitUsage;
  canary::MetricSeriesByName series;
  for (const auto& [table, path, is_canary] : {std::tuple{&*baseline, &args.baseline, false}, std::tuple{&*experiment, &args.canary, true}}) {
    for (const std::string& name : table->names) {
      if (config->metric(name) == nullptr) {
        std::cerr << *path << ": column \"" << name << "\" is not a metric of the canary config " << args.config
                  << " (its metrics are named in metrics[].name)\n";
        bad = true;
        continue;
      }
      (is_canary ? series[name].canary : series[name].baseline) = table->by_name.at(name);
    }
  }
  if (bad) return kExitUsage;
  canary::ScoreThresholds thresholds = canary::effective_thresholds(*config);
  if (args.pass) thresholds.pass = *args.pass;
  if (args.marginal) thresholds.marginal = *args.marginal;
  if (!(thresholds.marginal >= 0 && thresholds.marginal <= thresholds.pass && thresholds.pass <= 100)) {
    std::cerr << "deploysim judge: thresholds must satisfy 0 <= marginal <= pass <= 100 (got pass " << thresholds.pass
              << ", marginal " << thresholds.marginal << ")\n";
    return kExitUsage;
  }
  const sim::Result<canary::JudgeResult> judged = canary::judge(*config, series, thresholds, sim::Rng::stream(args.seed, "judge"));
  if (!judged.ok()) {
    std::cerr << "deploysim judge: " << judged.error().message << "\n";
    return kExitUsage;
  }
  if (args.json) {
    std::printf("%s\n", judged->to_json().dump(2).c_str());
  } else {
    print_table(*judged);
  }
  if (args.check && judged->classification != canary::SummaryClassification::kPass) return kExitFailed;
  return kExitOk;
}

}  // namespace deploysim::cli
