// Expectations of one run (expectations.h).
#include "scenarios/expectations.h"

#include <cmath>
#include <cstdio>

namespace deploysim::scenarios {
namespace {

std::string number(double v) {
  char text[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(text, sizeof(text), "%.0f", v);
  } else {
    std::snprintf(text, sizeof(text), "%.6g", v);
  }
  return text;
}

}  // namespace

std::optional<Unmet> check_bound(const LoadedScenario::Bound& bound, std::optional<double> value) {
  if (!value) {
    return Unmet{bound.name, bound.name + ": no value (the figure does not apply to this run), expected " +
                                 (bound.min ? ">= " + number(*bound.min) : std::string()) +
                                 (bound.min && bound.max ? " and " : "") + (bound.max ? "<= " + number(*bound.max) : std::string())};
  }
  if (bound.min && *value < *bound.min) {
    return Unmet{bound.name, bound.name + " = " + number(*value) + ": below the minimum " + number(*bound.min)};
  }
  if (bound.max && *value > *bound.max) {
    return Unmet{bound.name, bound.name + " = " + number(*value) + ": above the maximum " + number(*bound.max)};
  }
  return std::nullopt;
}

std::vector<Unmet> check_run(const LoadedScenario& scenario, const WorldRunSummary& run) {
  std::vector<Unmet> unmet;
  for (const WorldRunSummary::Check& c : run.checks) {
    if (c.passed()) continue;
    unmet.push_back({"check " + c.name, c.expected ? "check " + c.name + ": expected a violation, none came"
                                                   : "check " + c.name + ": " + c.violations.front().what + " at " +
                                                         sim::to_string(c.violations.front().at)});
  }
  const LoadedScenario::Expectations& x = scenario.expect;
  const Scorecard& card = run.scorecard;
  if (!x.outcome.empty() && x.outcome != card.outcome) {
    unmet.push_back({"outcome", "outcome: expected " + x.outcome + ", got " + card.outcome});
  }
  if (!x.execution_status.empty() && x.execution_status != card.execution_status) {
    unmet.push_back({"execution_status", "execution_status: expected " + x.execution_status + ", got " +
                                             (card.execution_status.empty() ? "no execution" : card.execution_status)});
  }
  if (x.verdict_correct && *x.verdict_correct != card.verdict_correct) {
    unmet.push_back({"verdict_correct", std::string("verdict_correct: expected ") + (*x.verdict_correct ? "true" : "false") +
                                            ": the verdict was " + card.verdict + " for a " + (card.candidate_bad ? "bad" : "good") +
                                            " candidate (" + card.outcome + ")"});
  }
  const auto figures = scorecard_figures(card);
  for (const LoadedScenario::Bound& b : x.bounds) {
    for (const auto& [name, value] : figures) {
      if (name != b.name) continue;
      if (auto failed = check_bound(b, value)) unmet.push_back(*failed);
    }
  }
  return unmet;
}

}  // namespace deploysim::scenarios
