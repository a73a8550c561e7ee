// Running a library scenario in a test, optionally edited first, and reading back its trace: what
// the assertions about library scenarios look at.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "scenarios/loader.h"
#include "scenarios/world_run.h"
#include "sim/kernel/trace.h"

namespace deploysim::scenarios::testing {

struct LibraryRun {
  bool ok = false;
  WorldRunSummary summary;
  std::vector<trace::Event> events;

  std::vector<trace::CanaryJudgment> canary() const {
    std::vector<trace::CanaryJudgment> out;
    for (const trace::Event& e : events) {
      if (e.has_canary()) out.push_back(e.canary());
    }
    return out;
  }
  // The last status the trace records for the top-level execution's stage with this name.
  std::string stage_status(const std::string& name) const {
    std::string status = "NOT_STARTED";
    for (const trace::Event& e : events) {
      if (e.has_stage() && e.stage().name() == name && e.stage().execution() == "execution-1") status = e.stage().status();
    }
    return status;
  }
  std::string execution_status() const {
    std::string status = "NOT_STARTED";
    for (const trace::Event& e : events) {
      if (e.has_execution() && e.execution().execution() == "execution-1") status = e.execution().status();
    }
    return status;
  }
  // The actions the trace records for a server group, in order (created, resized, disabled, ...).
  std::vector<std::string> group_actions(const std::string& server_group) const {
    std::vector<std::string> out;
    for (const trace::Event& e : events) {
      if (e.has_server_group() && e.server_group().server_group() == server_group) out.push_back(e.server_group().action());
    }
    return out;
  }
};

// Runs scenarios/library/<name>.json, after `edit` (if given) changes its JSON, with `seed` when
// set. Failures to load or run are test failures.
inline LibraryRun run_library(const std::string& name, const std::function<void(nlohmann::json&)>& edit = {},
                              std::optional<uint64_t> seed = std::nullopt) {
  LibraryRun run;
  const std::filesystem::path path = std::filesystem::path(DEPLOYSIM_LIBRARY) / (name + ".json");
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::stringstream text;
  text << in.rdbuf();
  std::string json = text.str();
  if (edit) {
    nlohmann::json j = nlohmann::json::parse(json);
    edit(j);
    json = j.dump();
  }
  const sim::Result<LoadedScenario> loaded = parse_scenario(json, path);
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().message);
  if (!loaded.ok()) return run;
  const std::filesystem::path trace_path =
      std::filesystem::temp_directory_path() / ("deploysim-" + name + "-" + std::to_string(::getpid()) + ".trace");
  WorldRunOptions options;
  options.seed = seed;
  options.trace_path = trace_path;
  sim::Result<WorldRunSummary> summary = run_world(*loaded, options);
  EXPECT_TRUE(summary.ok()) << (summary.ok() ? "" : summary.error().message);
  if (!summary.ok()) return run;
  run.summary = *summary;
  sim::Result<std::unique_ptr<sim::TraceReader>> reader = sim::TraceReader::open(trace_path);
  EXPECT_TRUE(reader.ok()) << (reader.ok() ? "" : reader.error().message);
  if (!reader.ok()) return run;
  trace::Event e;
  for (;;) {
    sim::Result<bool> more = (*reader)->next(&e);
    EXPECT_TRUE(more.ok()) << (more.ok() ? "" : more.error().message);
    if (!more.ok() || !*more) break;
    run.events.push_back(e);
  }
  std::filesystem::remove(trace_path);
  run.ok = true;
  return run;
}

}  // namespace deploysim::scenarios::testing
