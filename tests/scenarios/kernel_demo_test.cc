// The kernel demo against queueing theory and against itself: Erlang C predicts its statistics, and
// a seed fixes its fingerprint whichever clock drives it.
#include "scenarios/kernel_demo.h"
#include "tests/support/queueing_oracles.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

namespace deploysim::scenarios {
namespace {

using deploysim::testing::erlang_c;

TEST(ErlangC, AgreesWithTheDefinition) {
  for (const auto& [c, a] : std::vector<std::pair<int, double>>{
           {1, 0.5}, {2, 1.5}, {10, 8}, {50, 45}, {100, 70}}) {
    EXPECT_NEAR(scenarios::erlang_c(c, a), erlang_c(c, a), 1e-12) << "c=" << c << " a=" << a;
  }
  // M/M/1: C = rho.
  EXPECT_NEAR(scenarios::erlang_c(1, 0.3), 0.3, 1e-15);
  // The worked example of the queueing reference: c = 10, a = 8.
  EXPECT_NEAR(scenarios::erlang_c(10, 8), 0.40918, 5e-6);
}

// R independent replications (distinct seeds), warm-up discarded; the replication means must lie
// within 4 standard errors of the closed form (t with 11 degrees of freedom: 4 SE is past 99.8%).
TEST(KernelDemo, MatchesErlangCOverReplications) {
  constexpr int kReplications = 12;
  const int c = 10;
  const double lambda = 8, mu = 1;
  std::vector<double> wait_probability, mean_wait, utilisation;
  for (int r = 0; r < kReplications; ++r) {
    KernelDemoOptions options;
    options.seed = 1000 + static_cast<uint64_t>(r);
    options.servers = c;
    options.arrival_rate_per_s = lambda;
    options.mean_service = sim::Duration::seconds(1);
    options.duration = sim::Duration::hours(3);
    options.warmup = sim::Duration::minutes(20);
    sim::Result<KernelDemoResult> result = run_kernel_demo(options);
    ASSERT_TRUE(result.ok()) << result.error().message;
    wait_probability.push_back(result->wait_probability);
    mean_wait.push_back(result->mean_wait_s);
    utilisation.push_back(result->utilisation);
  }
  const double a = lambda / mu;
  const double exact_c = erlang_c(c, a);
  const double exact_wq = exact_c / (c * mu - lambda);
  const testing::Estimate p = testing::mean_and_standard_error(wait_probability);
  const testing::Estimate wq = testing::mean_and_standard_error(mean_wait);
  const testing::Estimate u = testing::mean_and_standard_error(utilisation);
  EXPECT_NEAR(p.mean, exact_c, 4 * p.standard_error) << "P(wait), exact " << exact_c;
  EXPECT_NEAR(wq.mean, exact_wq, 4 * wq.standard_error) << "mean wait, exact " << exact_wq;
  EXPECT_NEAR(u.mean, a / c, 4 * u.standard_error) << "utilisation, exact " << a / c;
  // And the estimates are sharp enough to tell the queue apart from a random split (Wq = 4 s) or
  // round-robin (Wq = 1.92 s) at the same load: the check above has teeth.
  EXPECT_LT(4 * wq.standard_error, 0.1);
}

TEST(KernelDemo, SameSeedSameFingerprintDifferentSeedDifferent) {
  KernelDemoOptions options;
  options.duration = sim::Duration::minutes(30);
  options.warmup = sim::Duration::minutes(1);
  const sim::Result<KernelDemoResult> a = run_kernel_demo(options);
  const sim::Result<KernelDemoResult> b = run_kernel_demo(options);
  options.seed = 2;
  const sim::Result<KernelDemoResult> other = run_kernel_demo(options);
  ASSERT_TRUE(a.ok() && b.ok() && other.ok());
  EXPECT_EQ(a->trace_hash, b->trace_hash);
  EXPECT_EQ(a->events_run, b->events_run);
  EXPECT_EQ(a->mean_wait_s, b->mean_wait_s);
  EXPECT_NE(a->trace_hash, other->trace_hash);
}

TEST(KernelDemo, RunsOnParallelThreadsGiveTheSameFingerprints) {
  // One loop per run and no global state: runs on four threads at once match sequential runs.
  constexpr int kRuns = 4;
  const auto options_for = [](int i) {
    KernelDemoOptions options;
    options.seed = 50 + static_cast<uint64_t>(i % 2);  // two pairs of equal seeds
    options.duration = sim::Duration::minutes(20);
    options.warmup = sim::Duration::minutes(1);
    return options;
  };
  std::vector<uint64_t> sequential(kRuns), parallel(kRuns);
  for (int i = 0; i < kRuns; ++i) {
    const sim::Result<KernelDemoResult> r = run_kernel_demo(options_for(i));
    ASSERT_TRUE(r.ok());
    sequential[static_cast<size_t>(i)] = r->trace_hash;
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < kRuns; ++i) {
    threads.emplace_back([&, i] {
      const sim::Result<KernelDemoResult> r = run_kernel_demo(options_for(i));
      parallel[static_cast<size_t>(i)] = r.ok() ? r->trace_hash : 0;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(parallel, sequential);
  EXPECT_EQ(sequential[0], sequential[2]);
  EXPECT_NE(sequential[0], sequential[1]);
}

TEST(KernelDemo, WallClockRunIsTheSameRun) {
  // Nothing above the kernel can tell which clock drives the loop: at 100,000x, ten minutes of
  // simulated time take 6 ms of wall time and produce the same events.
  KernelDemoOptions options;
  options.duration = sim::Duration::minutes(10);
  options.warmup = sim::Duration::minutes(1);
  const sim::Result<KernelDemoResult> virtual_run = run_kernel_demo(options);
  options.wall_clock_speed = 100000;
  const sim::Result<KernelDemoResult> wall_run = run_kernel_demo(options);
  ASSERT_TRUE(virtual_run.ok() && wall_run.ok());
  EXPECT_EQ(virtual_run->trace_hash, wall_run->trace_hash);
  EXPECT_EQ(virtual_run->events_run, wall_run->events_run);
}

TEST(KernelDemo, RejectsInconsistentOptions) {
  KernelDemoOptions unstable;
  unstable.arrival_rate_per_s = 12;  // 12 x 1s / 10 servers = 1.2
  sim::Result<KernelDemoResult> r = run_kernel_demo(unstable);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("unstable"), std::string::npos) << r.error().message;

  KernelDemoOptions warmup_too_long;
  warmup_too_long.warmup = sim::Duration::hours(2);
  r = run_kernel_demo(warmup_too_long);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("warm-up"), std::string::npos) << r.error().message;

  KernelDemoOptions no_servers;
  no_servers.servers = 0;
  EXPECT_FALSE(run_kernel_demo(no_servers).ok());
}

}  // namespace
}  // namespace deploysim::scenarios
