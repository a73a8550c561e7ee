// The scorecard (scorecard.h): replays what served from the trace, then takes what users saw from
// the clients' figures.
#include "scenarios/scorecard.h"

#include <algorithm>

namespace deploysim::scenarios {
namespace {

sim::TimePoint at_of(const trace::Event& e) { return sim::TimePoint::from_micros(e.time_us()); }

bool failing(const std::string& status) {
  return status == "TERMINAL" || status == "STOPPED" || status == "CANCELED" || status == "FAILED_CONTINUE";
}

bool still_running(const std::string& status) {
  return status == "RUNNING" || status == "PAUSED" || status == "NOT_STARTED" || status == "SUSPENDED";
}

}  // namespace

const std::vector<std::string>& scorecard_figure_names() {
  static const std::vector<std::string> names = {
      "user_requests",      "failed_requests",  "failed_by_candidate", "error_budget_burned",
      "time_to_detect_s",   "time_to_mitigate_s", "deploy_duration_s", "capacity_overhead_instance_s",
      "peak_healthy",       "min_healthy"};
  return names;
}

const std::vector<std::string>& scorecard_outcomes() {
  static const std::vector<std::string> names = {"promoted", "rolled_back", "partial", "failed", "stuck", "none"};
  return names;
}

const std::vector<std::string>& sweep_statistics() {
  static const std::vector<std::string> names = {"p50", "p90", "p99", "max", "mean"};
  return names;
}

const std::vector<std::string>& sweep_rates() {
  static const std::vector<std::string> names = {"promoted",       "rolled_back",     "partial",          "failed",
                                                 "stuck",          "verdict_correct", "good_promoted",    "good_rolled_back",
                                                 "bad_caught",     "bad_escaped"};
  return names;
}

std::vector<std::pair<std::string, std::optional<double>>> scorecard_figures(const Scorecard& c) {
  const auto seconds = [](const std::optional<sim::Duration>& d) -> std::optional<double> {
    if (!d) return std::nullopt;
    return d->to_seconds();
  };
  const bool deployed = !c.execution_status.empty();
  const auto if_deployed = [&](double v) -> std::optional<double> {
    if (!deployed) return std::nullopt;
    return v;
  };
  const std::vector<std::optional<double>> values = {
      double(c.user_requests),
      double(c.failed_requests),
      double(c.failed_by_candidate),
      c.error_budget_burned,
      seconds(c.time_to_detect),
      seconds(c.time_to_mitigate),
      if_deployed(c.deploy_duration.to_seconds()),
      if_deployed(c.capacity_overhead_instance_s),
      if_deployed(c.peak_healthy),
      if_deployed(c.min_healthy)};
  std::vector<std::pair<std::string, std::optional<double>>> out;
  const std::vector<std::string>& names = scorecard_figure_names();
  for (size_t i = 0; i < names.size(); ++i) out.emplace_back(names[i], values[i]);
  return out;
}

void ScorecardRecorder::observe(const trace::Event& e) {
  const sim::TimePoint t = at_of(e);
  if (t > now_) {
    settle();
    if (execution_start_ && now_ >= *execution_start_) overhead_ += std::max(0, live_ - steady_) * (t - now_).to_seconds();
    now_ = t;
  }
  serving_.observe(e);
  if (e.has_instance()) {
    const bool live = e.instance().state() != "terminated";
    bool& known = instance_live_[e.instance().instance()];
    live_ += int(live) - int(known);
    known = live;
  }
  if (e.has_execution()) {
    const trace::ExecutionChange& x = e.execution();
    // The pipeline's first execution, not an operator's rollback (deploysim-viz).
    if (execution_.empty() && x.execution().rfind("operator-", 0) != 0) {
      execution_ = x.execution();
      execution_start_ = t;
      steady_ = live_;
    }
    if (x.execution() == execution_) {
      execution_status_ = x.status();
      if (!still_running(x.status())) {
        execution_end_ = t;
        if (x.status() != "SUCCEEDED" && !decided_) decided_ = t;
      }
    }
  }
  if (e.has_stage() && e.stage().execution() == execution_ && failing(e.stage().status()) && !decided_) decided_ = t;
  if (e.has_rollback() && e.rollback().execution() == execution_ && !decided_) decided_ = t;
}

bool ScorecardRecorder::candidate_receives_traffic() const {
  if (settings_.candidate.empty()) return false;
  for (const auto& [lb, instances] : serving_.in_service()) {
    for (const auto& [instance, group] : instances) {
      if (serving_.version_of(group) == settings_.candidate && serving_.receives_traffic(lb, group)) return true;
    }
  }
  return false;
}

bool ScorecardRecorder::others_receive_traffic() const {
  for (const std::string& lb : candidate_lbs_) {
    const auto it = serving_.in_service().find(lb);
    if (it == serving_.in_service().end()) continue;
    for (const auto& [instance, group] : it->second) {
      if (serving_.version_of(group) != settings_.candidate && serving_.receives_traffic(lb, group)) return true;
    }
  }
  return false;
}

void ScorecardRecorder::settle() {
  if (!execution_start_ || now_ < *execution_start_) return;
  const int n = serving_.distinct_in_service();
  if (!settled_once_) {
    peak_ = min_ = n;
    settled_once_ = true;
  }
  peak_ = std::max(peak_, n);
  min_ = std::min(min_, n);
  if (candidate_receives_traffic()) {
    candidate_served_ = true;
    dark_since_.reset();
    for (const auto& [lb, instances] : serving_.in_service()) {
      for (const auto& [instance, group] : instances) {
        if (serving_.version_of(group) == settings_.candidate) candidate_lbs_.insert(lb);
      }
    }
  } else if (candidate_served_ && !dark_since_) {
    dark_since_ = now_;
  }
}

UserFigures user_figures(const world::World& w, const std::string& candidate) {
  UserFigures u;
  for (size_t v = 0; v < w.version_count(); ++v) {
    if (w.version(static_cast<uint32_t>(v)).name == candidate) u.candidate_bad = w.version(static_cast<uint32_t>(v)).bad;
  }
  for (size_t s = 0; s < w.traffic_source_count(); ++s) {
    if (w.traffic_source(s).config.synthetic) continue;
    const world::IntervalStats total = w.traffic_source(s).client.total();
    u.user_requests += total.requests();
    u.failed_requests += total.errors();
  }
  for (size_t g = 0; g < w.server_group_count(); ++g) {
    const world::ServerGroup& group = w.server_group(static_cast<world::ServerGroupId>(g));
    if (candidate.empty() || w.version(group.version).name != candidate) continue;
    u.failed_by_candidate += group.users.failed;
    if (group.users.any_bad && (!u.first_bad || group.users.first_bad < *u.first_bad)) u.first_bad = group.users.first_bad;
    if (group.users.routed > 0 && (!u.first_routed || group.users.first_routed < *u.first_routed)) {
      u.first_routed = group.users.first_routed;
    }
  }
  return u;
}

Scorecard ScorecardRecorder::finish(const UserFigures& users, sim::TimePoint end) {
  settle();
  if (execution_start_ && now_ >= *execution_start_ && end > now_) {
    overhead_ += std::max(0, live_ - steady_) * (end - now_).to_seconds();
  }
  now_ = std::max(now_, end);

  Scorecard c;
  c.candidate = settings_.candidate;
  c.availability_objective = settings_.availability;
  c.candidate_bad = users.candidate_bad;
  c.user_requests = users.user_requests;
  c.failed_requests = users.failed_requests;
  const double allowed = (1 - settings_.availability) * double(c.user_requests);
  c.error_budget_burned = allowed > 0 ? double(c.failed_requests) / allowed : 0;
  c.failed_by_candidate = users.failed_by_candidate;
  c.first_bad = users.first_bad;
  // A bad candidate that never served a failing or slow request is bad from its first request.
  if (!c.first_bad) c.first_bad = users.first_routed;

  c.steady_instances = steady_;
  c.capacity_overhead_instance_s = overhead_;
  c.peak_healthy = peak_;
  c.min_healthy = min_;
  if (!execution_start_) return c;
  c.execution_status = execution_status_;
  c.deploy_duration = execution_end_.value_or(end) - *execution_start_;
  if (c.candidate.empty()) return c;  // nothing under test: the outcome stays "none"
  c.candidate_serving_at_end = candidate_receives_traffic();
  if (still_running(execution_status_)) {
    c.outcome = "stuck";
  } else if (c.candidate_serving_at_end) {
    c.outcome = others_receive_traffic() ? "partial" : "promoted";
  } else {
    c.outcome = candidate_served_ ? "rolled_back" : "failed";
  }
  if (c.outcome == "stuck") {
    c.verdict = "undecided";
  } else {
    c.verdict = execution_status_ == "SUCCEEDED" && c.candidate_serving_at_end ? "accepted" : "rejected";
  }
  c.verdict_correct = c.candidate_bad ? c.verdict == "rejected" && !c.candidate_serving_at_end : c.verdict == "accepted";
  if (!c.candidate_serving_at_end && candidate_served_ && dark_since_) c.mitigated = dark_since_;
  c.decided = decided_;
  if (c.candidate_bad && c.first_bad) {
    if (c.decided && *c.decided >= *c.first_bad) c.time_to_detect = *c.decided - *c.first_bad;
    if (c.mitigated) c.time_to_mitigate = std::max(sim::Duration::zero(), *c.mitigated - *c.first_bad);
  }
  return c;
}

}  // namespace deploysim::scenarios
