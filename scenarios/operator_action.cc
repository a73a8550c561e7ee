// Operator actions and their trace records.
#include "scenarios/operator_action.h"

#include <cstdio>
#include <utility>

namespace deploysim::scenarios {
namespace {

constexpr std::pair<OperatorAction::Kind, const char*> kKindNames[] = {
    {OperatorAction::Kind::kJudgment, "judgment"},
    {OperatorAction::Kind::kRollback, "rollback"},
    {OperatorAction::Kind::kCrash, "crash"},
    {OperatorAction::Kind::kHealthFailure, "health_failure"},
    {OperatorAction::Kind::kErrorRate, "error_rate"},
};

const char* kind_name(OperatorAction::Kind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

}  // namespace

OperatorAction OperatorAction::judgment(std::string execution, std::string stage_id, std::string status, std::string input) {
  OperatorAction a;
  a.kind = Kind::kJudgment;
  a.execution = std::move(execution);
  a.target = std::move(stage_id);
  a.status = std::move(status);
  a.input = std::move(input);
  return a;
}

OperatorAction OperatorAction::rollback(std::string cluster, std::string region) {
  OperatorAction a;
  a.kind = Kind::kRollback;
  a.target = std::move(cluster);
  a.region = std::move(region);
  return a;
}

OperatorAction OperatorAction::crash(std::string server_group, int count) {
  OperatorAction a;
  a.kind = Kind::kCrash;
  a.target = std::move(server_group);
  a.count = count;
  return a;
}

OperatorAction OperatorAction::health_failure(std::string server_group, sim::Duration duration) {
  OperatorAction a;
  a.kind = Kind::kHealthFailure;
  a.target = std::move(server_group);
  a.duration = duration;
  return a;
}

OperatorAction OperatorAction::error_rate(std::string version, double probability) {
  OperatorAction a;
  a.kind = Kind::kErrorRate;
  a.target = std::move(version);
  a.probability = probability;
  return a;
}

trace::OperatorAction to_trace(const OperatorAction& a) {
  trace::OperatorAction r;
  r.set_kind(kind_name(a.kind));
  r.set_target(a.target);
  switch (a.kind) {
    case OperatorAction::Kind::kJudgment:
      r.set_execution(a.execution);
      r.set_status(a.status);
      r.set_input(a.input);
      break;
    case OperatorAction::Kind::kRollback:
      r.set_region(a.region);
      break;
    case OperatorAction::Kind::kCrash:
      r.set_count(a.count);
      break;
    case OperatorAction::Kind::kHealthFailure:
      r.set_duration_us(a.duration.count_micros());
      break;
    case OperatorAction::Kind::kErrorRate:
      r.set_probability(a.probability);
      break;
  }
  return r;
}

sim::Result<OperatorAction> from_trace(const trace::OperatorAction& r, sim::TimePoint at) {
  OperatorAction a;
  bool known = false;
  for (const auto& [k, name] : kKindNames) {
    if (r.kind() == name) {
      a.kind = k;
      known = true;
    }
  }
  if (!known) {
    return sim::invalid_argument("operator_action.kind: unknown action \"" + r.kind() +
                                 "\"; expected judgment, rollback, crash, health_failure or error_rate");
  }
  if (r.target().empty()) return sim::invalid_argument("operator_action.target: empty for a " + r.kind() + " action");
  a.at = at;
  a.target = r.target();
  a.execution = r.execution();
  a.status = r.status();
  a.input = r.input();
  a.region = r.region();
  a.count = r.count();
  a.probability = r.probability();
  a.duration = sim::Duration::micros(r.duration_us());
  if (a.kind == OperatorAction::Kind::kJudgment && a.status != "continue" && a.status != "stop") {
    return sim::invalid_argument("operator_action.status: \"" + a.status + "\"; expected continue or stop");
  }
  if (a.kind == OperatorAction::Kind::kCrash && a.count <= 0) {
    return sim::invalid_argument("operator_action.count: " + std::to_string(a.count) + "; expected at least 1");
  }
  if (a.kind == OperatorAction::Kind::kErrorRate && !(a.probability >= 0 && a.probability <= 1)) {
    return sim::invalid_argument("operator_action.probability: expected a probability between 0 and 1");
  }
  if (a.kind == OperatorAction::Kind::kHealthFailure && a.duration < sim::Duration::zero()) {
    return sim::invalid_argument("operator_action.duration_us: negative");
  }
  return a;
}

std::string describe(const OperatorAction& a) {
  switch (a.kind) {
    case OperatorAction::Kind::kJudgment:
      return "judgment " + a.status + (a.input.empty() ? "" : " (" + a.input + ")") + " on stage " + a.target + " of " + a.execution;
    case OperatorAction::Kind::kRollback:
      return "rollback of " + a.target + (a.region.empty() ? "" : " in " + a.region);
    case OperatorAction::Kind::kCrash:
      return "crash " + std::to_string(a.count) + " instance" + (a.count == 1 ? "" : "s") + " of " + a.target;
    case OperatorAction::Kind::kHealthFailure:
      return "fail the health checks of " + a.target +
             (a.duration > sim::Duration::zero() ? " for " + sim::to_string(a.duration) : "");
    case OperatorAction::Kind::kErrorRate: {
      char p[32];
      std::snprintf(p, sizeof(p), "%g", a.probability * 100);
      return "error rate of " + a.target + " to " + p + "%";
    }
  }
  return "unknown action";
}

}  // namespace deploysim::scenarios
