// The simulated world against queueing theory: request-level simulation must agree with closed
// forms (Erlang C for one instance with c workers, E_k/M/1 for round robin, M/M/1 for random
// routing), with Little's law, and with conservation of requests. Each check runs R seeded
// replications with the warm-up discarded and asserts the replication mean lies within 4 standard
// errors of the exact value.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <vector>

#include "tests/support/queueing_oracles.h"
#include "tests/world/world_test_util.h"

namespace deploysim::world {
namespace {

using testing::queueing_world;
using testing::WorldRun;

constexpr int kReplications = 10;
const sim::Duration kWarmup = sim::Duration::minutes(20);
const sim::Duration kLength = sim::Duration::hours(3);

using deploysim::testing::Estimate;

Estimate replicate(const std::function<double(uint64_t seed)>& run_once) {
  std::vector<double> x;
  for (int r = 0; r < kReplications; ++r) x.push_back(run_once(100 + static_cast<uint64_t>(r)));
  return deploysim::testing::mean_and_standard_error(x);
}

// Mean response time (queue + service), in seconds, of requests finished after the warm-up.
double mean_response_s(const WorldConfig& config, uint64_t seed) {
  WorldRun run(config, seed);
  run.until(kLength);
  const IntervalStats s =
      run.group().metrics.window(sim::TimePoint::start() + kWarmup, sim::TimePoint::start() + kLength);
  EXPECT_EQ(s.errors(), 0u);
  return s.mean_latency().to_seconds();
}

TEST(Queueing, OneInstanceWithCWorkersIsMMc) {
  const int c = 10;
  const double lambda = 8, mu = 1;  // utilisation 0.8
  const WorldConfig config =
      queueing_world(1, c, lambda, sim::Duration::seconds(1), Algorithm::kRoundRobin);
  const Estimate w = replicate([&](uint64_t seed) { return mean_response_s(config, seed); });
  const double exact = deploysim::testing::mmc_mean_response(c, lambda, mu);  // 1.2046 s
  std::printf("MMc %.4f +- %.4f exact %.4f\n", w.mean, w.standard_error, exact);
  EXPECT_NEAR(w.mean, exact, 4 * w.standard_error) << "M/M/10 mean response, exact " << exact;
  EXPECT_LT(4 * w.standard_error, 0.05) << "too imprecise to tell queueing models apart";
}

TEST(Queueing, RoundRobinOverSingleWorkerInstancesIsEkM1) {
  const int k = 4;
  const double lambda = 2.8, mu = 1;  // utilisation 0.7
  const WorldConfig config =
      queueing_world(k, 1, lambda, sim::Duration::seconds(1), Algorithm::kRoundRobin);
  const Estimate w = replicate([&](uint64_t seed) { return mean_response_s(config, seed); });
  // Each instance sees every k-th arrival: Erlang-k inter-arrival times, an E_k/M/1 queue.
  const double exact = deploysim::testing::ekm1_mean_response(k, lambda, mu);
  std::printf("EkM1 %.4f +- %.4f exact %.4f\n", w.mean, w.standard_error, exact);
  EXPECT_NEAR(w.mean, exact, 4 * w.standard_error) << "E4/M/1 mean response, exact " << exact;
  // And it is not the random-split answer (M/M/1 per instance: 3.33 s).
  EXPECT_GT(std::fabs(w.mean - deploysim::testing::mm1_mean_response(lambda / k, mu)),
            8 * w.standard_error);
}

TEST(Queueing, RandomRoutingIsMM1PerInstance) {
  const int k = 4;
  const double lambda = 2.4, mu = 1;  // utilisation 0.6
  const WorldConfig config =
      queueing_world(k, 1, lambda, sim::Duration::seconds(1), Algorithm::kRandom);
  const Estimate w = replicate([&](uint64_t seed) { return mean_response_s(config, seed); });
  const double exact = deploysim::testing::mm1_mean_response(lambda / k, mu);  // 2.5 s
  std::printf("MM1 %.4f +- %.4f exact %.4f\n", w.mean, w.standard_error, exact);
  EXPECT_NEAR(w.mean, exact, 4 * w.standard_error) << "M/M/1 mean response, exact " << exact;
}

TEST(Queueing, LeastOutstandingBeatsRoundRobinAndRandom) {
  // No closed form for join-the-shortest-queue, but it is bounded: no better than one shared
  // queue (M/M/k, Erlang C) and no worse than round robin.
  const int k = 4;
  const double lambda = 2.8, mu = 1;
  const WorldConfig config =
      queueing_world(k, 1, lambda, sim::Duration::seconds(1), Algorithm::kLeastOutstanding);
  const Estimate w = replicate([&](uint64_t seed) { return mean_response_s(config, seed); });
  const double shared_queue = deploysim::testing::mmc_mean_response(k, lambda, mu);
  const double round_robin = deploysim::testing::ekm1_mean_response(k, lambda, mu);
  EXPECT_GT(w.mean + 4 * w.standard_error, shared_queue);
  EXPECT_LT(w.mean - 4 * w.standard_error, round_robin);
}

TEST(Queueing, LittlesLawAndConservation) {
  const WorldConfig config =
      queueing_world(3, 2, 4.2, sim::Duration::seconds(1), Algorithm::kRoundRobin);
  WorldRun run(config, 7);
  // Sample the number of requests in the system once a second after the warm-up.
  double in_system_sum = 0;
  int samples = 0;
  struct Sampler {
    WorldRun* run;
    double* sum;
    int* samples;
    void operator()() const {
      if (run->loop.now() >= sim::TimePoint::start() + kWarmup) {
        int n = 0;
        for (InstanceId i : run->group().instances) n += run->world->instance(i).in_flight();
        *sum += n;
        ++*samples;
      }
      run->loop.schedule_after(sim::Duration::seconds(1), *this);
    }
  };
  run.loop.schedule(sim::TimePoint::start(), Sampler{&run, &in_system_sum, &samples});
  run.until(kLength);
  const IntervalStats s = run.group().metrics.window(sim::TimePoint::start() + kWarmup,
                                                     sim::TimePoint::start() + kLength);
  const double throughput = static_cast<double>(s.requests()) / (kLength - kWarmup).to_seconds();
  const double little = throughput * s.mean_latency().to_seconds();
  const double measured = in_system_sum / samples;
  EXPECT_NEAR(measured, little, 0.05 * little) << "L = lambda W";

  // Conservation: every user request is answered or still in flight.
  const World::Totals& t = run.world->totals();
  const IntervalStats client = run.client().total();
  EXPECT_EQ(t.user_requests, client.requests() + t.attempts_in_flight);
  EXPECT_EQ(t.attempts, t.user_requests);  // no retries configured
  int in_flight = 0;
  for (InstanceId i : run.group().instances) in_flight += run.world->instance(i).in_flight();
  EXPECT_EQ(t.attempts_in_flight, static_cast<uint64_t>(in_flight));
  EXPECT_EQ(run.group().metrics.total().requests(), client.requests());
}

}  // namespace
}  // namespace deploysim::world
