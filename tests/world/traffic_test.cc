// Traffic: arrivals follow each rate profile (thinning against the profile's peak), counted against
// the integral of the rate; retries turn failed attempts into later successes.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "tests/world/world_test_util.h"

namespace deploysim::world {
namespace {

using testing::queueing_world;
using testing::WorldRun;

sim::TimePoint at_min(int m) { return sim::TimePoint::start() + sim::Duration::minutes(m); }

// Requests users sent in [from, to), against the expected count (the rate's integral).
void expect_arrivals(const WorldRun& run, int from_min, int to_min, double expected) {
  const double got = double(run.client().window(at_min(from_min), at_min(to_min)).requests());
  EXPECT_NEAR(got, expected, 4 * std::sqrt(expected) + 1)
      << "minutes " << from_min << "-" << to_min;
}

WorldConfig with_rate(RateProfile rate) {
  WorldConfig c = queueing_world(10, 8, 0, sim::Duration::millis(5), Algorithm::kRoundRobin);
  c.traffic[0].rate = rate;
  return c;
}

TEST(Traffic, StepsChangeTheRateAtTheirTimes) {
  RateProfile r;
  r.kind = RateProfile::Kind::kSteps;
  r.base = 20;
  r.points = {{at_min(10), 80}, {at_min(20), 5}};
  WorldRun run(with_rate(r), 1);
  run.until(sim::Duration::minutes(30));
  expect_arrivals(run, 0, 10, 20 * 600);
  expect_arrivals(run, 10, 20, 80 * 600);
  expect_arrivals(run, 20, 30, 5 * 600);
}

TEST(Traffic, DiurnalFollowsTheSine) {
  RateProfile r;
  r.kind = RateProfile::Kind::kDiurnal;
  r.base = 50;
  r.amplitude = 40;
  r.period = sim::Duration::hours(1);
  WorldRun run(with_rate(r), 2);
  run.until(sim::Duration::hours(1));
  // Integral over a quarter period: base*T/4 + amplitude*T/(2 pi) for the rising quarter.
  const double quarter = 900;
  expect_arrivals(run, 0, 15, 50 * quarter + 40 * 3600 / (2 * std::numbers::pi));
  expect_arrivals(run, 30, 45, 50 * quarter - 40 * 3600 / (2 * std::numbers::pi));
}

TEST(Traffic, SeriesInterpolatesAndSpikesMultiply) {
  RateProfile r;
  r.kind = RateProfile::Kind::kSeries;
  r.points = {{at_min(0), 10}, {at_min(10), 110}};  // linear ramp, then flat at 110
  r.spikes = {{at_min(20), sim::Duration::minutes(5), 2.0}};
  WorldRun run(with_rate(r), 3);
  run.until(sim::Duration::minutes(30));
  expect_arrivals(run, 0, 10, 60 * 600);       // mean of the ramp
  expect_arrivals(run, 10, 20, 110 * 600);
  expect_arrivals(run, 20, 25, 220 * 300);     // spike
  expect_arrivals(run, 25, 30, 110 * 300);
}

TEST(Traffic, RetriesRecoverFailedAttempts) {
  const auto users_failed = [](int retries) {
    WorldConfig c = queueing_world(2, 4, 40, sim::Duration::millis(10), Algorithm::kRoundRobin);
    c.versions[0].errors.probability = 0.2;
    c.traffic[0].max_retries = retries;
    WorldRun run(c, 4);
    run.until(sim::Duration::minutes(20));
    const IntervalStats s = run.client().total();
    EXPECT_EQ(s.retries > 0, retries > 0);
    return double(s.errors()) / double(s.requests());
  };
  // Each attempt fails independently with 0.2: after r retries a user fails with 0.2^(r+1).
  EXPECT_NEAR(users_failed(0), 0.2, 0.01);
  EXPECT_NEAR(users_failed(2), 0.008, 0.002);
}

}  // namespace
}  // namespace deploysim::world
