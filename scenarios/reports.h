// Reports of runs and sweeps, in the formats people read them in: JSON for programs, Markdown for
// pull requests, JUnit XML for CI dashboards, and Chrome trace-event JSON for Perfetto. Every file
// is written through "<path>.partial" and renamed when complete.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "scenarios/expectations.h"
#include "scenarios/scorecard.h"
#include "scenarios/sweep.h"
#include "scenarios/world_run.h"
#include "sim/kernel/result.h"

namespace deploysim::scenarios {

// Writes `text` to `path` atomically (nothing is left under `path` on an error).
sim::Status write_file_atomically(const std::filesystem::path& path, const std::string& text);

// The scorecard as JSON: every figure by name (null where it does not apply) and the verdict.
nlohmann::ordered_json scorecard_json(const Scorecard& card);

// One run: the scenario, seed, fingerprint, scorecard, checks and unmet expectations.
nlohmann::ordered_json run_report_json(const LoadedScenario& scenario, const WorldRunSummary& run, const std::vector<Unmet>& unmet);

// Markdown summaries, for pull requests and CI job summaries.
std::string run_markdown(const LoadedScenario& scenario, const WorldRunSummary& run, const std::vector<Unmet>& unmet);
std::string sweep_markdown(const SweepResult& result);
// Variants against the first on the same seeds (paired differences, 95% intervals).
std::string compare_markdown(const SweepResult& result);

// `deploysim test` results as JUnit XML: one test case per scenario (or sweep), a failure per
// unmet expectation, with the command that reproduces it.
struct TestCaseResult {
  std::string name;       // e.g. "canary-bad-candidate" or "canary-bad-candidate (sweep)"
  std::string file;
  double seconds = 0;     // wall time
  std::vector<std::string> failures;
  std::string error;      // the scenario could not be run at all
  std::string reproduce;  // the command that repeats it
};
std::string junit_xml(const std::string& suite, const std::vector<TestCaseResult>& cases);

// A run as Chrome trace-event JSON, read back from its trace file: stages as spans on the
// pipeline's track, each server group and its instances as tracks of lifecycle spans.
sim::Result<std::string> chrome_trace_json(const std::filesystem::path& trace_path);

}  // namespace deploysim::scenarios
