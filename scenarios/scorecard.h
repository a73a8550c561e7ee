// The scorecard of a run: what the deployment did to users and how well the pipeline judged its
// candidate. Computed from the run's trace events (what served, when the pipeline decided) and the
// clients' figures (which requests failed where). docs/scorecard.md defines every
// figure; expectations and sweeps read them by name.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "scenarios/serving_state.h"
#include "sim/kernel/time.h"
#include "sim/kernel/trace.pb.h"
#include "sim/world/world.h"

namespace deploysim::scenarios {

struct Scorecard {
  std::string candidate;       // the version under test; empty without one
  bool candidate_bad = false;  // its ground truth
  // promoted, rolled_back, partial, failed, stuck; "none" without a candidate or an execution.
  std::string outcome = "none";
  std::string execution_status;  // the first execution's, "" when none started
  // accepted (the candidate serves after a successful execution), rejected (it was taken out, never
  // served, or the execution failed), undecided (still running).
  std::string verdict = "undecided";
  bool verdict_correct = false;
  bool candidate_serving_at_end = false;

  uint64_t user_requests = 0;
  uint64_t failed_requests = 0;      // user requests that failed, after retries
  uint64_t failed_by_candidate = 0;  // ... on an attempt the candidate took
  double availability_objective = 0.999;
  double error_budget_burned = 0;    // failed / ((1 - objective) * user requests)

  std::optional<sim::TimePoint> first_bad;  // first bad request the candidate served
  std::optional<sim::TimePoint> decided;    // the pipeline's first move against the candidate
  std::optional<sim::TimePoint> mitigated;  // from here on the candidate received no traffic
  std::optional<sim::Duration> time_to_detect;
  std::optional<sim::Duration> time_to_mitigate;
  sim::Duration deploy_duration;  // first execution's start to end (or to the run's end)

  int steady_instances = 0;               // instances running when the execution started
  double capacity_overhead_instance_s = 0;  // instance-seconds above that, to the run's end
  int peak_healthy = 0;                   // instances in service, from the execution's start on
  int min_healthy = 0;
};

// The scorecard's figures by name, in a fixed order; empty where a figure does not apply (no
// detection, say). Expectations and sweeps use these names.
std::vector<std::pair<std::string, std::optional<double>>> scorecard_figures(const Scorecard& card);
const std::vector<std::string>& scorecard_figure_names();
const std::vector<std::string>& scorecard_outcomes();
// What sweep expectations may bound: "<figure>.<statistic>" and "rate.<rate>".
const std::vector<std::string>& sweep_statistics();  // p50, p90, p99, max, mean
const std::vector<std::string>& sweep_rates();       // promoted, ..., bad_escaped

struct ScorecardSettings {
  std::string candidate;  // "": no candidate
  double availability = 0.999;
};

// What users saw over a whole run, as the traffic's clients recorded it: the figures the trace's
// events do not carry. The simulated world and the real provider's load generator both give them.
struct UserFigures {
  bool candidate_bad = false;  // the candidate version's ground truth
  uint64_t user_requests = 0;  // user (not synthetic) requests
  uint64_t failed_requests = 0;
  uint64_t failed_by_candidate = 0;         // failures on an attempt the candidate served
  std::optional<sim::TimePoint> first_bad;  // first failing or slow request the candidate served
  std::optional<sim::TimePoint> first_routed;  // first request the candidate served
};
// The user figures of a simulated run.
UserFigures user_figures(const world::World& world, const std::string& candidate);

// Watches a run's trace events, then takes the users' figures at the end.
class ScorecardRecorder {
 public:
  explicit ScorecardRecorder(ScorecardSettings settings) : settings_(std::move(settings)) {}
  void observe(const trace::Event& event);
  Scorecard finish(const UserFigures& users, sim::TimePoint end);

 private:
  void settle();  // the state after all of one moment's events
  bool candidate_receives_traffic() const;
  bool others_receive_traffic() const;

  ScorecardSettings settings_;
  ServingState serving_;
  sim::TimePoint now_;
  std::map<std::string, bool> instance_live_;  // instance -> not terminated
  int live_ = 0;
  std::string execution_;  // the first execution's id
  std::string execution_status_;
  std::optional<sim::TimePoint> execution_start_, execution_end_;
  std::optional<sim::TimePoint> decided_;
  std::optional<sim::TimePoint> dark_since_;  // the candidate has received no traffic since
  bool candidate_served_ = false;
  std::set<std::string> candidate_lbs_;  // load balancers the candidate served behind
  int steady_ = 0;
  double overhead_ = 0;
  int peak_ = 0, min_ = 0;
  bool settled_once_ = false;
};

}  // namespace deploysim::scenarios
