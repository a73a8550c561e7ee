// A scenario simulated inside the viewer: the run advances with the wall clock at the chosen speed
// (or one recorded event at a time), every event it records goes into a TraceStore the panels
// draw, and people act on it through LiveControls. The trace file is written as for
// `deploysim run --trace`, operator actions included, so `deploysim replay` reproduces the run.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "scenarios/loader.h"
#include "scenarios/world_session.h"
#include "sim/kernel/result.h"
#include "viz/store/trace_store.h"
#include "viz/ui/panels.h"

namespace deploysim::viz {

class LiveRun {
 public:
  // Loads the scenario and starts its run at time 0. `trace_path` may be empty (no file).
  static sim::Result<std::unique_ptr<LiveRun>> start(const std::filesystem::path& scenario, std::optional<uint64_t> seed,
                                                     const std::filesystem::path& trace_path);

  const TraceStore& store() const { return store_; }
  Micros now() const { return session_->now().micros_since_start(); }
  Micros end() const { return session_->end().micros_since_start(); }
  bool at_end() const { return session_->at_end(); }

  // Advances the run by `wall_seconds` times `speed` simulated seconds, but spends no more than
  // `budget_seconds` of wall time on it (the frame must stay smooth): returns the simulated
  // time actually covered, in seconds.
  double advance(double wall_seconds, double speed, double budget_seconds);
  // Runs every event up to `t` (at most the end).
  sim::Status run_to(Micros t) { return session_->run_until(sim::TimePoint::from_micros(t)); }
  // Runs to the next recorded event. False at the end.
  bool step();
  // The actions panel's view of this run; valid while the run lives.
  LiveControls& controls() { return controls_; }
  // The last action refused, for the status line.
  const std::string& last_error() const { return last_error_; }

  // Runs to the end and writes the trace. Called once, when the viewer closes.
  sim::Result<scenarios::WorldRunSummary> finish();

 private:
  LiveRun() = default;
  std::string act(scenarios::OperatorAction action);

  scenarios::LoadedScenario scenario_;
  std::unique_ptr<scenarios::WorldSession> session_;
  TraceStore store_;
  LiveControls controls_;
  std::string last_error_;
};

}  // namespace deploysim::viz
