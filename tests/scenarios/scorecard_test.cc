// The scorecard against figures worked out by hand from the scenario: a candidate that fails every
// request while it holds a known share of traffic for a known time, and a red/black deploy whose
// extra capacity is a closed form.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "scenarios/scorecard.h"
#include "tests/scenarios/library_run.h"

namespace deploysim::scenarios {
namespace {

using testing::LibraryRun;
using testing::run_library;

double at_s(const trace::Event& e) { return double(e.time_us()) / 1e6; }

// The candidate fails every request and the running version none: every failure is the
// candidate's, and there are as many as requests it took. At 100 requests/s with 20% routed to it
// from the moment the weights say so until they take it out, that is Poisson with mean 20 per
// second of exposure.
TEST(Scorecard, FailuresAndDetectionOfACandidateThatFailsEverything) {
  const LibraryRun run = run_library("stepcanary-error-regression", [](nlohmann::json& s) {
    s["versions"] = {{{"name", "v1"}, {"errors", {{"probability", 0.0}}}},
                     {{"name", "v2"}, {"bad", true}, {"errors", {{"probability", 1.0}}}}};
    s.erase("expect");
  });
  ASSERT_TRUE(run.ok);
  double on = -1, off = -1, decided = -1;
  for (const trace::Event& e : run.events) {
    if (e.has_weights()) {
      for (const auto& w : e.weights().weights()) {
        if (w.server_group() != "shop-web-v001") continue;
        if (w.weight() == 20 && on < 0) on = at_s(e);
        if (w.weight() == 0 && on >= 0 && off < 0) off = at_s(e);
      }
    }
    if (e.has_stage() && e.stage().status() == "TERMINAL" && decided < 0) decided = at_s(e);
  }
  ASSERT_GT(on, 0);
  ASSERT_GT(off, on);
  const Scorecard& c = run.summary.scorecard;
  EXPECT_EQ(c.outcome, "rolled_back");
  EXPECT_TRUE(c.candidate_bad);
  EXPECT_TRUE(c.verdict_correct);
  const double mean = 0.2 * 100 * (off - on);
  EXPECT_NEAR(double(c.failed_by_candidate), mean, 5 * std::sqrt(mean)) << "exposed for " << off - on << " s";
  EXPECT_EQ(c.failed_requests, c.failed_by_candidate);
  EXPECT_NEAR(c.error_budget_burned, double(c.failed_requests) / (0.005 * double(c.user_requests)), 1e-12);
  // The first request to the candidate comes within a second of the weights (20 per second), and
  // fails; the first analysis interval ends five minutes after the weights were set.
  ASSERT_TRUE(c.first_bad && c.decided && c.mitigated && c.time_to_detect && c.time_to_mitigate);
  EXPECT_GE(c.first_bad->since_start().to_seconds(), on);
  EXPECT_LT(c.first_bad->since_start().to_seconds(), on + 1);
  EXPECT_DOUBLE_EQ(c.decided->since_start().to_seconds(), decided);
  EXPECT_NEAR(decided - on, 300, 1);
  EXPECT_DOUBLE_EQ(c.mitigated->since_start().to_seconds(), off);
  EXPECT_NEAR(c.time_to_detect->to_seconds(), decided - on, 1);
  EXPECT_NEAR(c.time_to_mitigate->to_seconds(), off - on, 1);
}

// Red/black keeping the old group: the six new instances run from their launch to the end, on top
// of the six that were there, and nothing stops.
TEST(Scorecard, CapacityOverheadOfRedBlackIsTheNewInstancesLifetimes) {
  const LibraryRun run = run_library("redblack-good-candidate");
  ASSERT_TRUE(run.ok);
  std::map<std::string, double> launched;
  double created = -1;
  for (const trace::Event& e : run.events) {
    if (e.has_instance() && e.instance().server_group() == "shop-web-v001" && !launched.count(e.instance().instance())) {
      launched[e.instance().instance()] = at_s(e);
    }
    if (e.has_server_group() && e.server_group().server_group() == "shop-web-v001" && e.server_group().action() == "created") created = at_s(e);
  }
  ASSERT_EQ(launched.size(), 6u);
  const double end = run.summary.simulated.to_seconds();
  double lifetimes = 0;
  for (const auto& [instance, at] : launched) lifetimes += end - at;
  const Scorecard& c = run.summary.scorecard;
  EXPECT_EQ(c.steady_instances, 6);
  EXPECT_NEAR(c.capacity_overhead_instance_s, lifetimes, 1e-6);
  EXPECT_NEAR(c.capacity_overhead_instance_s, 6 * (end - created), 0.005 * 6 * (end - created));
  EXPECT_EQ(c.peak_healthy, 12);
  EXPECT_EQ(c.min_healthy, 6);
  EXPECT_EQ(c.outcome, "promoted");
  EXPECT_EQ(c.verdict, "accepted");
  EXPECT_FALSE(c.time_to_detect.has_value());  // a good candidate: nothing to detect
}

// A good candidate the pipeline gives up on is a wrong verdict; nothing to detect, no time.
TEST(Scorecard, GoodCandidateRolledBackIsAWrongVerdict) {
  const LibraryRun run = run_library("canary-metric-gap");
  ASSERT_TRUE(run.ok);
  const Scorecard& c = run.summary.scorecard;
  EXPECT_FALSE(c.candidate_bad);
  EXPECT_EQ(c.verdict, "rejected");
  EXPECT_FALSE(c.verdict_correct);
  EXPECT_FALSE(c.time_to_detect.has_value());
}

TEST(Scorecard, WithoutAPipelineOnlyTheUsersFiguresApply) {
  const LibraryRun run = run_library("steady-state");
  ASSERT_TRUE(run.ok);
  const Scorecard& c = run.summary.scorecard;
  EXPECT_EQ(c.outcome, "none");
  EXPECT_GT(c.user_requests, 0u);
  for (const auto& [name, value] : scorecard_figures(c)) {
    const bool users = name == "user_requests" || name == "failed_requests" || name == "failed_by_candidate" || name == "error_budget_burned";
    EXPECT_EQ(value.has_value(), users) << name;
  }
}

// A candidate that never serves (its instances never pass health checks) failed; the deploy's
// duration runs to the execution's end.
TEST(Scorecard, CandidateThatNeverServedFailed) {
  const LibraryRun run = run_library("unhealthy-candidate-rollback");
  ASSERT_TRUE(run.ok);
  const Scorecard& c = run.summary.scorecard;
  EXPECT_EQ(c.outcome, "failed");
  EXPECT_EQ(c.failed_by_candidate, 0u);
  EXPECT_FALSE(c.mitigated.has_value());
  ASSERT_TRUE(run.summary.pipeline.has_value());
  EXPECT_EQ(c.deploy_duration, run.summary.pipeline->end - run.summary.pipeline->start);
}

}  // namespace
}  // namespace deploysim::scenarios
