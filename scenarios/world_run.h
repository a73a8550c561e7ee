// Running a world scenario (no pipeline yet): build the world from a loaded scenario, run it for
// its duration on the virtual clock, and summarise what happened. Outputs (trace, metrics CSV) are
// written through "<path>.partial" and renamed when complete, so an error leaves nothing that
// could pass for a finished output.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/checkers.h"
#include "scenarios/loader.h"
#include "scenarios/operator_action.h"
#include "scenarios/scorecard.h"
#include "sim/kernel/result.h"
#include "sim/world/metrics.h"

namespace deploysim::scenarios {

struct WorldRunOptions {
  std::optional<uint64_t> seed;          // overrides the scenario's seed
  std::filesystem::path trace_path;      // none when empty
  std::filesystem::path metrics_path;    // per-interval CSV; none when empty
  // Called every simulated `progress_every` with the time reached (for progress displays).
  std::function<void(sim::TimePoint)> on_progress;
  sim::Duration progress_every = sim::Duration::minutes(5);
  // Actions people took in a recorded live run, in time order: done again at the same points
  // (deploysim replay).
  std::vector<OperatorAction> actions;
  // Called with every event the run records, stamped, from the first (a viewer's store).
  std::function<void(const trace::Event&)> on_event;
};

struct ServerGroupSummary {
  std::string name;
  std::string version;
  world::IntervalStats server;  // whole run, server side
  std::vector<std::pair<std::string, int>> instances_by_state;  // state name, count (non-zero)
};

struct StageTimeline {
  std::string name;
  std::string type;
  std::string status;
  sim::TimePoint start;
  sim::TimePoint end;
  std::string message;
  int depth = 0;  // 0 for top-level stages, 1 for their synthetic stages, ...
};

struct PipelineSummary {
  std::string name;
  std::string status;
  sim::TimePoint start;
  sim::TimePoint end;
  std::vector<StageTimeline> stages;  // top-level stages in pipeline order, each followed by its synthetic ones
  // Each canary interval judged, in order.
  struct CanaryInterval {
    std::string stage;  // the kayentaCanary stage
    int64_t interval = 0;
    sim::TimePoint at;
    std::string baseline, canary;  // the server groups compared
    double score = 0;
    std::string classification;
    std::string metrics;  // "error rate High (critical), p50 latency Pass"
  };
  std::vector<CanaryInterval> canary;
  // Every execution the triggers started, in start order.
  struct ExecutionSummary {
    std::string id;
    std::string pipeline;
    std::string trigger_type;
    std::string status;  // final, or current when the run ended first
    sim::TimePoint start;
  };
  std::vector<ExecutionSummary> executions;
};

struct WorldRunSummary {
  uint64_t seed = 0;
  sim::Duration simulated;
  std::vector<ServerGroupSummary> server_groups;
  std::vector<std::pair<std::string, world::IntervalStats>> clients;  // per traffic source
  uint64_t user_requests = 0;
  uint64_t health_transitions = 0;
  uint64_t crashes = 0;
  uint64_t events_run = 0;
  uint64_t trace_events = 0;
  uint64_t trace_hash = 0;
  std::optional<PipelineSummary> pipeline;
  // Each invariant checker's verdict on the run.
  struct Check {
    std::string name;
    std::vector<Violation> violations;
    bool allowed = false;   // the scenario allows it to fail
    bool expected = false;  // the scenario expects it to fail
    bool passed() const { return expected ? !violations.empty() : violations.empty() || allowed; }
  };
  std::vector<Check> checks;
  Scorecard scorecard;
  bool checks_passed() const {
    return std::all_of(checks.begin(), checks.end(), [](const Check& c) { return c.passed(); });
  }
};

// Runs `scenario`. Errors: an output that cannot be written (nothing is left behind).
sim::Result<WorldRunSummary> run_world(const LoadedScenario& scenario, const WorldRunOptions& options);

}  // namespace deploysim::scenarios
