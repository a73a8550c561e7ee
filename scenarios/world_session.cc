// A simulated run driven a piece at a time, and the operator's actions on it.
#include "scenarios/world_session.h"

#include <algorithm>
#include <set>

#include "providers/sim/sim_provider.h"
#include "scenarios/run_outputs.h"
#include "sim/kernel/event_loop.h"
#include "sim/world/cloud_api.h"

namespace deploysim::scenarios {

namespace fs = std::filesystem;

namespace {

// The world fault a fault action injects: the same faults a scenario can list.
world::FaultConfig fault_of(const OperatorAction& action) {
  world::FaultConfig fault;
  if (action.kind == OperatorAction::Kind::kErrorRate) {
    fault.kind = world::FaultConfig::Kind::kVersionChange;
    fault.version = action.target;
    fault.error_probability = action.probability;
    return fault;
  }
  fault.kind = action.kind == OperatorAction::Kind::kCrash ? world::FaultConfig::Kind::kCrash
                                                           : world::FaultConfig::Kind::kHealthFailure;
  fault.server_group = action.target;
  fault.count = action.count;
  fault.duration = action.duration;
  return fault;
}

}  // namespace

WorldSession::WorldSession(const LoadedScenario& scenario, const WorldRunOptions& options, uint64_t seed)
    : scenario_(scenario), options_(options), seed_(seed), end_(sim::TimePoint::start() + scenario.duration),
      listener_(options.on_event) {}

WorldSession::~WorldSession() = default;

sim::Result<std::unique_ptr<WorldSession>> WorldSession::open(const LoadedScenario& scenario, const WorldRunOptions& options) {
  const uint64_t seed = options.seed.value_or(scenario.seed);
  std::unique_ptr<WorldSession> s(new WorldSession(scenario, options, seed));
  s->header_ = trace_header(scenario, seed);
  sim::Result<std::unique_ptr<sim::TraceWriter>> opened = open_trace(scenario, seed, options.trace_path);
  if (!opened.ok()) return opened.error();
  s->trace_ = std::move(*opened);
  if (sim::Status probed = probe_output(options.metrics_path); !probed.ok()) return probed.error();

  s->checkers_ = scenario_checkers(scenario);
  s->scorecard_ = std::make_unique<ScorecardRecorder>(ScorecardSettings{scenario.candidate, scenario.availability});
  WorldSession* self = s.get();
  s->trace_->set_observer([self](const trace::Event& e) {
    for (const auto& c : self->checkers_) c->observe(e);
    self->scorecard_->observe(e);
    if (self->listener_) self->listener_(e);
  });
  s->loop_ = std::make_unique<sim::EventLoop>();
  s->world_ = std::make_unique<world::World>(scenario.world, *s->loop_, seed, s->trace_.get());
  s->world_->start();
  if (scenario.pipeline) {
    s->api_ = std::make_unique<world::CloudApi>(*s->world_, *s->loop_, seed);
    s->provider_ = std::make_unique<providers::SimProvider>(*s->world_, *s->api_, *s->loop_);
    s->driver_ = std::make_unique<PipelineDriver>(*scenario.pipeline, *s->provider_, *s->loop_, seed, s->trace_.get());
    s->api_->start();
    if (sim::Status started = s->driver_->start(); !started.ok()) return started.error();
  }
  return s;
}

sim::TimePoint WorldSession::now() const { return loop_->now(); }

sim::Status WorldSession::replay_due(sim::TimePoint t, bool before) {
  while (next_recorded_ < options_.actions.size()) {
    const OperatorAction& a = options_.actions[next_recorded_];
    if (before ? a.at >= t : a.at > t) break;
    if (a.at < loop_->now()) {
      return sim::invalid_argument("the recorded action \"" + describe(a) + "\" at " + sim::to_string(a.at) +
                                   " comes after the run has passed that time");
    }
    ++next_recorded_;
    loop_->run_until(a.at);
    if (sim::Status done = act(a); !done.ok()) {
      return sim::invalid_argument("the recorded action \"" + describe(a) + "\" at " + sim::to_string(a.at) +
                                   " could not be done again: " + done.error().message);
    }
  }
  return sim::Status();
}

sim::Status WorldSession::run_until(sim::TimePoint t) {
  t = std::min(t, end_);
  if (t < loop_->now()) return sim::Status();
  if (sim::Status replayed = replay_due(t, false); !replayed.ok()) return replayed;
  loop_->run_until(t);
  return sim::Status();
}

bool WorldSession::step() {
  const uint64_t recorded = trace_->event_count();
  while (trace_->event_count() == recorded) {
    const std::optional<sim::TimePoint> next = loop_->next_event_time();
    if (!next || *next > end_) {
      (void)run_until(end_);
      return false;
    }
    if (!replay_due(*next, true).ok()) return false;
    if (trace_->event_count() != recorded) break;
    loop_->step();
  }
  return true;
}

sim::Status WorldSession::act(OperatorAction action) {
  if (finished_) return sim::invalid_argument("the run has finished");
  // After every event of this time, so that a replay, which runs to this time first, does the
  // same.
  loop_->run_until(loop_->now());
  action.at = loop_->now();
  world::World& w = *world_;
  std::string application;  // a rollback's: the cluster's application
  switch (action.kind) {
    case OperatorAction::Kind::kJudgment: {
      if (!driver_) return sim::invalid_argument("the scenario has no pipeline");
      if (action.status != "continue" && action.status != "stop") {
        return sim::invalid_argument("a judgment is continue or stop, not \"" + action.status + "\"");
      }
      const std::vector<PipelineDriver::PendingJudgment> pending = driver_->pending_judgments();
      const bool waiting = std::any_of(pending.begin(), pending.end(), [&](const auto& p) {
        return p.execution == action.execution && p.stage_id == action.target;
      });
      if (!waiting) {
        return sim::invalid_argument("no judgment is waiting at stage " + action.target + " of " + action.execution);
      }
      break;
    }
    case OperatorAction::Kind::kRollback: {
      if (!driver_) return sim::invalid_argument("the scenario has no pipeline to roll back with");
      const std::vector<Cluster> known = clusters();
      const auto found = std::find_if(known.begin(), known.end(), [&](const Cluster& c) {
        return c.name == action.target && (action.region.empty() || c.region == action.region);
      });
      if (found == known.end()) return sim::invalid_argument("no live cluster \"" + action.target + "\"");
      if (action.region.empty()) action.region = found->region;
      application = found->application;
      break;
    }
    case OperatorAction::Kind::kCrash:
    case OperatorAction::Kind::kHealthFailure:
      if (const std::optional<world::ServerGroupId> g = w.find_server_group(action.target); !g || w.server_group(*g).destroyed) {
        return sim::invalid_argument("no live server group \"" + action.target + "\"");
      }
      if (action.kind == OperatorAction::Kind::kCrash && action.count <= 0) {
        return sim::invalid_argument("crash at least one instance");
      }
      if (action.duration < sim::Duration::zero()) return sim::invalid_argument("a negative duration");
      break;
    case OperatorAction::Kind::kErrorRate: {
      bool known = false;
      for (size_t v = 0; v < w.version_count(); ++v) known = known || w.version(static_cast<uint32_t>(v)).name == action.target;
      if (!known) return sim::invalid_argument("no version \"" + action.target + "\"");
      if (!(action.probability >= 0 && action.probability <= 1)) {
        return sim::invalid_argument("an error probability is between 0 and 1");
      }
      break;
    }
  }
  trace::Event e;
  *e.mutable_operator_action() = to_trace(action);
  trace_->append(action.at, e);
  switch (action.kind) {
    case OperatorAction::Kind::kJudgment:
      driver_->judge(action.execution, action.target, action.status, action.input);
      break;
    case OperatorAction::Kind::kRollback:
      driver_->rollback(application, action.target, action.region);
      break;
    case OperatorAction::Kind::kCrash:
    case OperatorAction::Kind::kHealthFailure:
    case OperatorAction::Kind::kErrorRate:
      w.inject_fault(fault_of(action));
      break;
  }
  return sim::Status();
}

std::vector<PipelineDriver::PendingJudgment> WorldSession::pending_judgments() const {
  return driver_ ? driver_->pending_judgments() : std::vector<PipelineDriver::PendingJudgment>{};
}

std::vector<WorldSession::Cluster> WorldSession::clusters() const {
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  const world::World& w = *world_;
  for (size_t g = 0; g < w.server_group_count(); ++g) {
    const world::ServerGroup& group = w.server_group(static_cast<world::ServerGroupId>(g));
    if (group.destroyed) continue;
    seen.emplace(group.moniker.cluster(), w.config().regions[group.region].name, group.moniker.app);
  }
  std::vector<Cluster> out;
  for (const auto& [name, region, app] : seen) out.push_back({app, name, region});
  return out;
}

Scorecard WorldSession::scorecard_now() const {
  ScorecardRecorder copy = *scorecard_;
  return copy.finish(user_figures(*world_, scenario_.candidate), loop_->now());
}

sim::Result<WorldRunSummary> WorldSession::finish() {
  if (sim::Status ran = run_until(end_); !ran.ok()) return ran.error();
  if (next_recorded_ < options_.actions.size()) {
    const OperatorAction& a = options_.actions[next_recorded_];
    return sim::invalid_argument("the recorded action \"" + describe(a) + "\" at " + sim::to_string(a.at) +
                                 " is after the run's end (" + sim::to_string(end_) + ")");
  }
  finished_ = true;
  trace_->set_observer(listener_);  // the checks and scorecard have seen the whole run
  const world::World& w = *world_;
  WorldRunSummary summary = summarise_world(w, seed_, scenario_.duration);
  finish_checks(scenario_, checkers_, end_, summary);
  summary.scorecard = scorecard_->finish(user_figures(w, scenario_.candidate), end_);
  if (driver_) summary.pipeline = summarise_pipeline(*driver_);
  summary.events_run = loop_->events_run();
  record_scorecard(*trace_, end_, summary);
  if (sim::Status finished = trace_->finish(); !finished.ok()) return finished.error();
  summary.trace_events = trace_->event_count();
  summary.trace_hash = trace_->hash();
  if (!options_.metrics_path.empty()) {
    std::vector<MetricsScope> scopes;
    for (size_t g = 0; g < w.server_group_count(); ++g) {
      const world::ServerGroup& group = w.server_group(static_cast<world::ServerGroupId>(g));
      scopes.push_back({"server_group", group.name, &group.metrics});
    }
    for (size_t t = 0; t < w.traffic_source_count(); ++t) {
      scopes.push_back({"client", w.traffic_source(t).config.name, &w.traffic_source(t).client});
    }
    const auto intervals = static_cast<size_t>(scenario_.duration / w.config().metrics_interval);
    if (sim::Status written = write_metrics_csv(options_.metrics_path, scopes, intervals); !written.ok()) {
      std::error_code ec;
      if (!options_.trace_path.empty()) fs::remove(options_.trace_path, ec);  // all outputs or none
      return written.error();
    }
  }
  return summary;
}

}  // namespace deploysim::scenarios
