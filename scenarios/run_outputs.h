// What simulated runs (world_run.h) and real ones (local_run.h) share: the trace file, the checks,
// the pipeline's summary and the metrics CSV, so both report a run the same way.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "scenarios/checkers.h"
#include "scenarios/loader.h"
#include "scenarios/pipeline_driver.h"
#include "scenarios/world_run.h"
#include "sim/kernel/trace.h"
#include "sim/world/metrics.h"

namespace deploysim::world {
class World;
}

namespace deploysim::scenarios {

// What the world did over a run (server groups, clients, totals): the summary before checks,
// scorecard and pipeline are added.
WorldRunSummary summarise_world(const world::World& w, uint64_t seed, sim::Duration simulated);
// Appends the run's scorecard and check verdicts to its trace (the last event before End).
void record_scorecard(sim::TraceWriter& trace, sim::TimePoint at, const WorldRunSummary& summary);
// The trace header of a run of `scenario` with `seed`.
trace::Header trace_header(const LoadedScenario& scenario, uint64_t seed);
// A trace writer for the run: to `path` with the scenario in its header, or in memory when empty.
sim::Result<std::unique_ptr<sim::TraceWriter>> open_trace(const LoadedScenario& scenario, uint64_t seed,
                                                          const std::filesystem::path& path);
// Fails now if `path` (when given) cannot be written, so a typo does not cost a whole run.
sim::Status probe_output(const std::filesystem::path& path);

// The invariant checkers for the scenario, and their verdicts at the end of the run.
std::vector<std::unique_ptr<Checker>> scenario_checkers(const LoadedScenario& scenario);
void finish_checks(const LoadedScenario& scenario, std::vector<std::unique_ptr<Checker>>& checkers, sim::TimePoint end,
                   WorldRunSummary& summary);

PipelineSummary summarise_pipeline(const PipelineDriver& driver);

// One scope's rows of the metrics CSV.
struct MetricsScope {
  const char* kind;  // server_group or client
  std::string scope;
  const world::MetricSeries* series;
};
// Writes the per-interval CSV (docs/scenario-format.md) through "<path>.partial", renamed when
// complete.
sim::Status write_metrics_csv(const std::filesystem::path& path, const std::vector<MetricsScope>& scopes,
                              size_t intervals);

}  // namespace deploysim::scenarios
