// Running a scenario for real: the same scenario file, pipeline and strategy code, against the
// local provider (real processes behind a real HAProxy, traffic from the load generator) on the
// wall-clock event loop. The summary, checks and scorecard are those of a simulated run, read from
// the same kinds of trace events, so the two can be set side by side (`deploysim fidelity`).
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/loader.h"
#include "scenarios/world_run.h"

namespace deploysim::providers::local {
class LocalProvider;
}

namespace deploysim::scenarios {

struct LocalRunOptions {
  std::optional<uint64_t> seed;
  std::filesystem::path trace_path;
  std::filesystem::path metrics_path;
  // Run despite world features the real provider cannot honour (they are then left out).
  bool ignore_unsupported = false;
  std::string app = "deploysim-app";  // the sample service's binary
  std::string haproxy = "haproxy";
  // Per version, a command to run instead of the sample service ({port}, {instance}, {version}).
  std::map<std::string, std::vector<std::string>> commands;
  // End once every execution has finished and `settle` has passed, instead of at the scenario's
  // duration (which still bounds the run).
  bool stop_when_done = true;
  sim::Duration settle = sim::Duration::seconds(2);
  // Set from a signal handler (Ctrl-C): the run stops at its next step and cleans up.
  const std::atomic<bool>* interrupted = nullptr;
  // Called about once a second with the time reached and what the pipeline is doing.
  std::function<void(sim::TimePoint, const std::string&)> on_progress;
  // Called on the loop's thread every step, for tests that act on the real provider mid-run.
  std::function<void(sim::TimePoint, providers::local::LocalProvider&)> on_step;
};

// What of the scenario the real provider cannot do, one line each naming the field; empty when
// it can run everything.
std::vector<std::string> unsupported_features(const LoadedScenario& scenario);

// Runs `scenario` for real. Errors: unsupported features (unless ignored), HAProxy or the sample
// service missing, an output that cannot be written, an interrupted run (outputs removed). Every
// process, socket and file the run started is gone when it returns.
sim::Result<WorldRunSummary> run_local(const LoadedScenario& scenario, const LocalRunOptions& options);

}  // namespace deploysim::scenarios
