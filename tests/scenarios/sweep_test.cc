// Sweeps: statistics against values computed by hand, Student's t against its table, merging, the
// report's round trip, and runs that do not depend on threads or shards.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "scenarios/scorecard.h"
#include "scenarios/sweep.h"

namespace deploysim::scenarios {
namespace {

const std::filesystem::path kLibrary = DEPLOYSIM_LIBRARY;

// A sweep of `n` replications whose failed_requests are 1..n (other figures absent).
SweepResult synthetic(uint64_t n, const std::vector<std::string>& variants = {""}) {
  SweepResult r;
  r.identity = {"synthetic", "synthetic.json", 1, n, 42, variants};
  for (const std::string& v : variants) {
    for (uint64_t i = 0; i < n; ++i) {
      Replication rep;
      rep.index = i;
      rep.seed = replication_seed(1, i);
      rep.variant = v;
      rep.outcome = i % 4 == 0 ? "rolled_back" : "promoted";
      rep.verdict = i % 4 == 0 ? "rejected" : "accepted";
      rep.candidate_bad = false;
      rep.verdict_correct = rep.verdict == "accepted";
      rep.candidate_serving_at_end = rep.verdict == "accepted";
      rep.figures.assign(scorecard_figure_names().size(), std::nullopt);
      rep.figures[1] = double(n - i);  // failed_requests, in reverse so sorting matters
      r.replications.push_back(rep);
    }
  }
  return r;
}

TEST(SweepStats, NearestRankQuantilesAndMean) {
  const std::vector<VariantStats> stats = sweep_stats(synthetic(100));
  ASSERT_EQ(stats.size(), 1u);
  const VariantStats& s = stats.front();
  EXPECT_EQ(*s.value("failed_requests.p50"), 50);
  EXPECT_EQ(*s.value("failed_requests.p90"), 90);
  EXPECT_EQ(*s.value("failed_requests.p99"), 99);
  EXPECT_EQ(*s.value("failed_requests.max"), 100);
  EXPECT_DOUBLE_EQ(*s.value("failed_requests.mean"), 50.5);
  EXPECT_FALSE(s.value("time_to_detect_s.p50").has_value());  // no replication had one
  EXPECT_DOUBLE_EQ(*s.value("rate.rolled_back"), 0.25);
  EXPECT_DOUBLE_EQ(*s.value("rate.good_rolled_back"), 0.25);
  EXPECT_DOUBLE_EQ(*s.value("rate.good_promoted"), 0.75);
  EXPECT_DOUBLE_EQ(*s.value("rate.bad_caught"), 0);
  // Three values: the median is the second, p90 the third.
  const VariantStats three = sweep_stats(synthetic(3)).front();
  EXPECT_EQ(*three.value("failed_requests.p50"), 2);
  EXPECT_EQ(*three.value("failed_requests.p90"), 3);
}

TEST(SweepStats, StudentTMatchesItsTable) {
  // Two-sided 95% points, from the standard tables.
  EXPECT_DOUBLE_EQ(student_t_975(1), 12.706);
  EXPECT_DOUBLE_EQ(student_t_975(10), 2.228);
  EXPECT_NEAR(student_t_975(40), 2.021, 0.001);
  EXPECT_NEAR(student_t_975(60), 2.000, 0.001);
  EXPECT_NEAR(student_t_975(120), 1.980, 0.001);
  EXPECT_NEAR(student_t_975(100000), 1.960, 0.001);
}

TEST(SweepStats, PairedDifferencesAndTheirInterval) {
  SweepResult r = synthetic(4, {"", "b"});
  // Differences b - base of failed_requests: +1, -1, +1, -1 + 4 = 3: mean 1, sd of {1,-1,1,3} = sqrt(8/3).
  const double deltas[] = {1, -1, 1, 3};
  for (Replication& rep : r.replications) {
    if (rep.variant == "b") *rep.figures[1] += deltas[rep.index];
  }
  for (const PairedDifference& d : paired_differences(r, "", "b")) {
    if (d.name != "failed_requests") continue;
    EXPECT_EQ(d.pairs, 4u);
    EXPECT_DOUBLE_EQ(d.mean, 1);
    const double half = 3.182 * std::sqrt(8.0 / 3.0) / 2;
    EXPECT_NEAR(d.ci_low, 1 - half, 1e-9);
    EXPECT_NEAR(d.ci_high, 1 + half, 1e-9);
    EXPECT_DOUBLE_EQ(d.reference_mean, 2.5);
    EXPECT_DOUBLE_EQ(d.variant_mean, 3.5);
    return;
  }
  FAIL() << "no failed_requests row";
}

TEST(SweepSeeds, DependOnTheSeedAndIndexOnly) {
  std::set<uint64_t> seen;
  for (uint64_t i = 0; i < 1000; ++i) seen.insert(replication_seed(7, i));
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(replication_seed(7, 3), replication_seed(7, 3));
  EXPECT_NE(replication_seed(7, 3), replication_seed(8, 3));
}

TEST(SweepReport, RoundTripsAndMergesExactly) {
  const SweepResult whole = synthetic(10, {"", "b"});
  const std::string text = sweep_report_json(whole);
  const sim::Result<SweepResult> parsed = parse_sweep_report(text, "whole.json");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(sweep_report_json(*parsed), text);

  std::vector<SweepResult> parts(3);
  for (uint64_t p = 0; p < 3; ++p) {
    parts[p].identity = whole.identity;
    parts[p].shard_index = p;
    parts[p].shard_count = 3;
    for (const Replication& r : whole.replications) {
      if (r.index % 3 == p) parts[p].replications.push_back(r);
    }
  }
  const std::vector<std::string> files = {"a", "b", "c"};
  const sim::Result<SweepResult> merged = merge_sweeps({parts[2], parts[0], parts[1]}, files);
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  EXPECT_EQ(sweep_report_json(*merged), text);

  const sim::Result<SweepResult> missing = merge_sweeps({parts[0], parts[1]}, {"a", "b"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("a shard is missing"), std::string::npos);
  SweepResult other = parts[1];
  other.identity.scenario_hash = 43;
  const sim::Result<SweepResult> mixed = merge_sweeps({parts[0], other, parts[2]}, files);
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.error().message.find("b: a different sweep"), std::string::npos);
}

TEST(SweepReport, RejectsWhatIsNotAReport) {
  EXPECT_FALSE(parse_sweep_report("[]", "x.json").ok());
  const auto wrong_kind = parse_sweep_report(R"({"kind": "something else"})", "x.json");
  ASSERT_FALSE(wrong_kind.ok());
  EXPECT_NE(wrong_kind.error().message.find("x.json: kind"), std::string::npos);
  const auto missing = parse_sweep_report(R"({"kind": "deploysim sweep", "format": 1, "scenario": "s"})", "x.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("x.json: not a sweep report"), std::string::npos);
}

// Real runs: the same report with one thread or three, and shards that add up to it.
TEST(Sweep, ResultsDoNotDependOnThreadsOrShards) {
  SweepOptions one;
  one.seeds = 6;
  one.jobs = 1;
  const sim::Result<SweepResult> a = run_sweep(kLibrary / "stepcanary-error-regression.json", one);
  ASSERT_TRUE(a.ok()) << a.error().message;
  SweepOptions three = one;
  three.jobs = 3;
  const sim::Result<SweepResult> b = run_sweep(kLibrary / "stepcanary-error-regression.json", three);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(sweep_report_json(*a), sweep_report_json(*b));
  std::set<uint64_t> fingerprints;
  for (const Replication& r : a->replications) fingerprints.insert(r.fingerprint);
  EXPECT_EQ(fingerprints.size(), 6u) << "each replication is a different run";

  std::vector<SweepResult> parts;
  for (uint64_t s = 0; s < 2; ++s) {
    SweepOptions shard = one;
    shard.shard_index = s;
    shard.shard_count = 2;
    const sim::Result<SweepResult> part = run_sweep(kLibrary / "stepcanary-error-regression.json", shard);
    ASSERT_TRUE(part.ok());
    parts.push_back(*part);
  }
  const sim::Result<SweepResult> merged = merge_sweeps(parts, {"0", "1"});
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  EXPECT_EQ(sweep_report_json(*merged), sweep_report_json(*a));
}

// Variants run on the same seeds: arrivals are common, so user requests barely differ.
TEST(Sweep, VariantsShareSeeds) {
  SweepOptions options;
  options.seeds = 3;
  options.jobs = 2;
  options.variants = {"", "weight-5"};
  const sim::Result<SweepResult> r = run_sweep(kLibrary / "stepcanary-error-regression.json", options);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->replications.size(), 6u);
  for (uint64_t i = 0; i < 3; ++i) {
    const Replication& base = r->replications[i];
    const Replication& variant = r->replications[3 + i];
    EXPECT_EQ(base.seed, variant.seed);
    EXPECT_NEAR(*base.figures[0], *variant.figures[0], 5) << "user requests differ beyond in-flight ones at the end";
    EXPECT_LT(*variant.figures[2], *base.figures[2]) << "a 5% step exposes fewer users than 20%";
  }
}

}  // namespace
}  // namespace deploysim::scenarios
