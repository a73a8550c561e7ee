// The canary library scenarios, asserted from their traces: Kayenta's judge over the simulated
// metrics catches an error regression at the first interval, a latency-only regression through the
// latency metrics, and a metric gap as mustHaveData says; a good candidate passes every interval
// and is promoted.
#include <gtest/gtest.h>

#include "tests/scenarios/library_run.h"
#include "tests/support/weights_text.h"

namespace deploysim::scenarios {
namespace {

using testing::LibraryRun;
using testing::run_library;

std::string verdicts(const trace::CanaryJudgment& j) {
  std::string out;
  for (const auto& m : j.metrics()) {
    out += (out.empty() ? "" : ", ") + m.name() + " " + m.classification() + (m.critical() ? " (critical)" : "");
  }
  return out;
}

TEST(CanaryScenarios, AnErrorRegressionFailsTheFirstIntervalAndIsNeverPromoted) {
  const LibraryRun r = run_library("canary-bad-candidate");
  ASSERT_TRUE(r.ok);
  const auto judged = r.canary();
  ASSERT_EQ(judged.size(), 1u) << "the canary stops after the failing interval";
  EXPECT_EQ(judged[0].interval(), 1u);
  EXPECT_EQ(judged[0].control_scope(), "myapp-baseline-v000");
  EXPECT_EQ(judged[0].experiment_scope(), "myapp-canary-v000");
  EXPECT_EQ(judged[0].score(), 0) << "a critical metric failed";
  EXPECT_EQ(judged[0].classification(), "Fail");
  EXPECT_EQ(judged[0].metrics(0).name(), "error rate");
  EXPECT_EQ(judged[0].metrics(0).classification(), "High");
  EXPECT_TRUE(judged[0].metrics(0).critical());
  EXPECT_GT(judged[0].metrics(0).experiment_mean(), 3 * judged[0].metrics(0).control_mean());
  EXPECT_EQ(judged[0].metrics(0).experiment_count(), 10u) << "ten one-minute points in the first 10-minute window";
  EXPECT_EQ(r.stage_status("Canary Analysis"), "FAILED_CONTINUE");
  EXPECT_EQ(r.stage_status("Remove canary"), "SUCCEEDED");
  EXPECT_EQ(r.stage_status("Promote"), "NOT_STARTED");
  EXPECT_EQ(r.execution_status(), "TERMINAL");
  const std::vector<std::string> canary = r.group_actions("myapp-canary-v000");
  ASSERT_FALSE(canary.empty());
  EXPECT_EQ(canary.back(), "destroying") << "the bad version is taken away";
  EXPECT_TRUE(r.group_actions("myapp-v001").empty()) << "nothing was promoted";
}

TEST(CanaryScenarios, AGoodCandidatePassesEveryIntervalAndIsPromoted) {
  const LibraryRun r = run_library("canary-good-candidate");
  ASSERT_TRUE(r.ok);
  const auto judged = r.canary();
  ASSERT_EQ(judged.size(), 3u);
  for (const auto& j : judged) {
    EXPECT_GE(j.score(), 75) << "interval " << j.interval() << ": " << verdicts(j);
  }
  EXPECT_EQ(judged[2].experiment_end_us() - judged[2].experiment_start_us(), 30 * 60 * 1000000LL) << "a growing window";
  EXPECT_EQ(r.stage_status("Canary Analysis"), "SUCCEEDED");
  EXPECT_EQ(r.stage_status("Promote"), "SUCCEEDED");
  EXPECT_EQ(r.execution_status(), "SUCCEEDED");
  const std::vector<std::string> old = r.group_actions("myapp-v000");
  EXPECT_NE(std::find(old.begin(), old.end(), "disabled"), old.end()) << "red/black disabled production's old group";
}

TEST(CanaryScenarios, ALatencyOnlyRegressionIsCaughtByTheLatencyMetrics) {
  const LibraryRun r = run_library("canary-latency-regression");
  ASSERT_TRUE(r.ok);
  const auto judged = r.canary();
  ASSERT_EQ(judged.size(), 1u);
  EXPECT_EQ(verdicts(judged[0]), "error rate Pass, p50 latency High, p99 latency High");
  EXPECT_EQ(judged[0].score(), 50) << "the latency group (weight 50) scores 0";
  EXPECT_EQ(judged[0].classification(), "Marginal") << "the judge calls 50 Marginal; Orca stops at <= marginal";
  EXPECT_EQ(r.stage_status("Promote"), "NOT_STARTED");
  EXPECT_EQ(r.execution_status(), "TERMINAL");
}

TEST(CanaryScenarios, AMetricGapFailsTheCanaryAsMustHaveDataSays) {
  const LibraryRun with = run_library("canary-metric-gap");
  ASSERT_TRUE(with.ok);
  const auto judged = with.canary();
  ASSERT_EQ(judged.size(), 2u);
  EXPECT_GE(judged[0].score(), 75) << verdicts(judged[0]);
  // A critical metric without data is Nodata and a critical failure, mustHaveData or not
  // (NetflixACAJudge checks critical first).
  EXPECT_EQ(verdicts(judged[1]), "error rate Nodata (critical), p50 latency NodataFailMetric, p99 latency NodataFailMetric");
  EXPECT_EQ(judged[1].score(), 0);
  EXPECT_EQ(with.execution_status(), "TERMINAL");

  // Without mustHaveData the missing metrics are Nodata; with half or more of them so, Kayenta
  // scores the canary 0 all the same, and says why.
  const LibraryRun without = run_library("canary-metric-gap", [](nlohmann::json& j) {
    for (auto& m : j["canary_configs"][0]["config"]["metrics"]) m["analysisConfigurations"]["canary"].erase("mustHaveData");
  });
  ASSERT_TRUE(without.ok);
  const auto judged2 = without.canary();
  ASSERT_EQ(judged2.size(), 2u);
  EXPECT_EQ(verdicts(judged2[1]), "error rate Nodata (critical), p50 latency Nodata, p99 latency Nodata");
  EXPECT_EQ(judged2[1].score(), 0);
  EXPECT_FALSE(judged2[1].reason().empty());
}

TEST(CanaryScenarios, TheSameSeedGivesTheSameRun) {
  const LibraryRun a = run_library("canary-bad-candidate");
  const LibraryRun b = run_library("canary-bad-candidate");
  EXPECT_EQ(a.summary.trace_hash, b.summary.trace_hash);
  const LibraryRun c = run_library("canary-bad-candidate", {}, 99);
  EXPECT_NE(a.summary.trace_hash, c.summary.trace_hash);
}

TEST(CanaryScenarios, ConfigMistakesAreNamedAtLoad) {
  const std::filesystem::path path = std::filesystem::path(DEPLOYSIM_LIBRARY) / "canary-bad-candidate.json";
  std::ifstream in(path);
  nlohmann::json j = nlohmann::json::parse(in);
  nlohmann::json unknown_series = j;
  unknown_series["canary_configs"][0]["config"]["metrics"][1]["query"]["metricName"] = "cpu";
  unknown_series["canary_configs"][0]["series"] = {{"error rate", "error_ratio"}};
  const auto problems = [&](const nlohmann::json& edited) {
    const sim::Result<LoadedScenario> s = parse_scenario(edited.dump(), path);
    return s.ok() ? std::string("loaded") : s.error().message;
  };
  std::string m = problems(unknown_series);
  EXPECT_NE(m.find("canary_configs[0].series: metric \"p50 latency\" reads series \"cpu\", which the world does not have"),
            std::string::npos) << m;
  EXPECT_NE(m.find("canary_configs[0].series.error rate: metric \"error rate\" reads series \"error_ratio\""), std::string::npos) << m;
  nlohmann::json bad = j;
  bad["canary_configs"][0]["config"]["metrics"][0]["analysisConfigurations"]["canary"]["direction"] = "up";
  bad["pipeline"]["stages"][2]["canaryConfig"]["canaryConfigId"] = "nope";
  m = problems(bad);
  EXPECT_NE(m.find("canary_configs[0].config: metrics[0].analysisConfigurations.canary.direction"), std::string::npos) << m;
  EXPECT_NE(m.find("stage 3 (Canary Analysis) of pipeline \"canary-release\" names canary config \"nope\""), std::string::npos) << m;
}

}  // namespace
}  // namespace deploysim::scenarios

namespace deploysim::scenarios {
namespace {

std::vector<std::string> weight_changes(const testing::LibraryRun& r) {
  std::vector<std::string> out;
  for (const trace::Event& e : r.events) {
    if (e.has_weights()) out.push_back(deploysim::testing::weights_text(e.weights()));
  }
  return out;
}

TEST(StepCanaryScenarios, ABadCandidateIsAbortedAndAllTrafficReturnsInOneUpdate) {
  const testing::LibraryRun r = testing::run_library("step-canary-bad-candidate");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(weight_changes(r), (std::vector<std::string>{"v000=100 v001=0", "v000=90 v001=10", "v000=100 v001=0"}));
  const auto judged = r.canary();
  ASSERT_EQ(judged.size(), 1u);
  EXPECT_EQ(judged[0].metrics(0).classification(), "High");
  EXPECT_EQ(r.stage_status("Abort: traffic to stable"), "SUCCEEDED");
  EXPECT_EQ(r.stage_status("Scale down canary"), "SUCCEEDED");
  EXPECT_EQ(r.stage_status("Set weight 3: 50%"), "NOT_STARTED");
  EXPECT_EQ(r.execution_status(), "TERMINAL");
  // The weights went back to stable the moment the judgment failed.
  int64_t judged_at = 0, restored_at = 0;
  for (const trace::Event& e : r.events) {
    if (e.has_canary()) judged_at = e.time_us();
    if (e.has_weights() && e.weights().weights_size() == 2 && e.weights().weights(1).weight() == 0) restored_at = e.time_us();
  }
  EXPECT_GT(restored_at, 0);
  EXPECT_LE(restored_at - judged_at, 1000000) << "within a second of the verdict";
  for (const auto& c : r.summary.checks) EXPECT_TRUE(c.passed()) << c.name;
}

TEST(StepCanaryScenarios, AGoodCandidateIsPromotedAfterTheOperatorsPause) {
  const testing::LibraryRun r = testing::run_library("step-canary-good-candidate");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(weight_changes(r), (std::vector<std::string>{"v000=100 v001=0", "v000=90 v001=10", "v000=50 v001=50", "v000=0 v001=100", "v000=0 v001=100",
                                                         "spread"}));
  EXPECT_EQ(r.stage_status("Pause #4"), "SUCCEEDED");
  EXPECT_EQ(r.execution_status(), "SUCCEEDED");
  const trace::ServerGroupChange* last = nullptr;
  for (const trace::Event& e : r.events) {
    if (e.has_server_group() && e.server_group().server_group() == "myapp-v000") last = &e.server_group();
  }
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->desired(), 0) << "stable scaled to zero after promotion";
  EXPECT_FALSE(last->enabled());
  for (const auto& c : r.summary.checks) EXPECT_TRUE(c.passed()) << c.name;
}

}  // namespace
}  // namespace deploysim::scenarios
