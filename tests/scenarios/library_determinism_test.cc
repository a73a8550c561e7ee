// Every library scenario, run twice with its seed, is the same run: the same trace hash and the
// same scorecard.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "scenarios/loader.h"
#include "scenarios/reports.h"
#include "scenarios/world_run.h"

namespace deploysim::scenarios {
namespace {

std::vector<std::string> library_scenarios() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(DEPLOYSIM_LIBRARY)) {
    if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class LibraryDeterminism : public ::testing::TestWithParam<std::string> {};

TEST_P(LibraryDeterminism, TwoRunsAreTheSameRun) {
  const sim::Result<LoadedScenario> s = load_scenario(std::filesystem::path(DEPLOYSIM_LIBRARY) / (GetParam() + ".json"));
  ASSERT_TRUE(s.ok()) << s.error().message;
  WorldRunOptions options;
  options.progress_every = s->duration;
  const sim::Result<WorldRunSummary> a = run_world(*s, options);
  const sim::Result<WorldRunSummary> b = run_world(*s, options);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->trace_hash, b->trace_hash);
  EXPECT_EQ(a->trace_events, b->trace_events);
  EXPECT_EQ(scorecard_json(a->scorecard).dump(), scorecard_json(b->scorecard).dump());
}

INSTANTIATE_TEST_SUITE_P(Library, LibraryDeterminism, ::testing::ValuesIn(library_scenarios()),
                         [](const ::testing::TestParamInfo<std::string>& scenario) {
                           std::string name = scenario.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace deploysim::scenarios
