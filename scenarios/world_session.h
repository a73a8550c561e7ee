// A simulated run that can be driven a piece at a time: the same world, provider, pipelines,
// checkers and scorecard as `deploysim run`, but advanced by whoever holds it (run_world runs it
// straight through; deploysim-viz paces it against the wall clock, steps it, and lets people act
// on it). Actions are done between events, after every event of their time, and recorded in the
// trace; a session given recorded actions (deploysim replay) does them again at the same points.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/loader.h"
#include "scenarios/operator_action.h"
#include "scenarios/pipeline_driver.h"
#include "scenarios/world_run.h"
#include "sim/kernel/result.h"
#include "sim/kernel/trace.h"
#include "sim/world/world.h"

namespace deploysim::world {
class CloudApi;
}
namespace deploysim::providers {
class SimProvider;
}

namespace deploysim::scenarios {

class WorldSession {
 public:
  // Builds the run at time 0 with its outputs open. `scenario` must outlive the session. Errors:
  // an output that cannot be written, pipelines that do not load.
  static sim::Result<std::unique_ptr<WorldSession>> open(const LoadedScenario& scenario, const WorldRunOptions& options);
  ~WorldSession();
  WorldSession(const WorldSession&) = delete;
  WorldSession& operator=(const WorldSession&) = delete;

  sim::TimePoint now() const;
  // The end of the run: time 0 plus the scenario's duration.
  sim::TimePoint end() const { return end_; }
  bool at_end() const { return now() >= end_; }

  // Runs every event up to `t` (at most the end), doing recorded actions that fall due on the way.
  // Errors: a recorded action that cannot be done again.
  sim::Status run_until(sim::TimePoint t);
  // Runs until the trace records something new (or the end): the viewer's "next event". False
  // at the end.
  bool step();
  // Does `action` now and records it. Errors, with nothing done or recorded: a judgment that is
  // not waiting, a server group, version or cluster that does not exist, a rollback without a
  // pipeline, values out of range.
  sim::Status act(OperatorAction action);

  // What a person can act on now.
  std::vector<PipelineDriver::PendingJudgment> pending_judgments() const;
  struct Cluster {
    std::string application;
    std::string name;
    std::string region;
  };
  // The clusters with at least one live server group, by name.
  std::vector<Cluster> clusters() const;
  const world::World& world() const { return *world_; }
  const PipelineDriver* driver() const { return driver_.get(); }
  // What the trace file starts with (also when the trace is kept in memory only).
  const trace::Header& header() const { return header_; }

  // Every event recorded from now on is also passed to `listener`, stamped, instead of
  // WorldRunOptions::on_event (which sees the events of the start, too).
  void set_listener(std::function<void(const trace::Event&)> listener) { listener_ = std::move(listener); }

  // The scorecard as it would be if the run ended now (the viewer's live summary).
  Scorecard scorecard_now() const;
  // Runs to the end, then judges, scores, and writes the outputs. Called once; the session can
  // only be destroyed afterwards.
  sim::Result<WorldRunSummary> finish();

 private:
  WorldSession(const LoadedScenario& scenario, const WorldRunOptions& options, uint64_t seed);
  // Does the recorded actions due at or before `t` (strictly before when `before`).
  sim::Status replay_due(sim::TimePoint t, bool before);

  const LoadedScenario& scenario_;
  WorldRunOptions options_;
  uint64_t seed_;
  sim::TimePoint end_;
  trace::Header header_;
  std::unique_ptr<sim::TraceWriter> trace_;
  std::vector<std::unique_ptr<Checker>> checkers_;
  std::unique_ptr<ScorecardRecorder> scorecard_;
  std::unique_ptr<sim::EventLoop> loop_;
  std::unique_ptr<world::World> world_;
  std::unique_ptr<world::CloudApi> api_;
  std::unique_ptr<providers::SimProvider> provider_;
  std::unique_ptr<PipelineDriver> driver_;
  size_t next_recorded_ = 0;  // into options_.actions
  std::function<void(const trace::Event&)> listener_;
  bool finished_ = false;
};

}  // namespace deploysim::scenarios
