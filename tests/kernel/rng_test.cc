// Rng: the generator against the reference algorithms, pinned first draws of named streams, and
// the independence of streams.
#include "sim/kernel/rng.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace deploysim::sim {
namespace {

// SplitMix64 from state 0: the sequence its authors' reference code prints.
TEST(SplitMix64, MatchesReferenceOutput) {
  SplitMix64 g(0);
  EXPECT_EQ(g.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(g.next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(g.next(), 0x06c45d188009454fULL);
}

// xoshiro256** from state {1, 2, 3, 4}, worked by hand from the algorithm's definition:
// out = rotl(s1 * 5, 7) * 9, then the state update.
TEST(Xoshiro256StarStar, MatchesTheAlgorithmWorkedByHand) {
  Rng rng = Rng::from_state(1, 2, 3, 4);
  // s1 = 2: rotl(10, 7) * 9 = 1280 * 9.
  EXPECT_EQ(rng.next_u64(), 11520u);
  // After one update: t = 2<<17; s2 = 3^1 = 2; s3 = 4^2 = 6; s1 = 2^2 = 0; s0 = 1^6 = 7;
  // s2 ^= t -> 262146; s3 = rotl(6, 45). Next output uses s1 = 0.
  EXPECT_EQ(rng.next_u64(), 0u);
  // Then: t = 0; s2 = 262146^7 = 262149; s3 = rotl(6,45)^0; s1 = 0^262149 = 262149;
  // s0 = 7^rotl(6,45); output = rotl(262149 * 5, 7) * 9.
  const uint64_t s1 = 262149;
  const uint64_t x = s1 * 5;
  EXPECT_EQ(rng.next_u64(), ((x << 7) | (x >> 57)) * 9);
}

// Pinned: changing the generator, the seeding or the stream derivation changes every run's
// randomness, so it must be a deliberate decision that updates these numbers.
TEST(Rng, FirstDrawsOfNamedStreamsArePinned) {
  Rng traffic = Rng::stream(42, "traffic");
  EXPECT_EQ(traffic.next_u64(), 0x23bd8f2352440981ULL);
  EXPECT_EQ(traffic.next_u64(), 0x8e98a297d861fd07ULL);
  Rng boot = Rng::stream(1, "boot");
  EXPECT_EQ(boot.next_u64(), 0x6e7386bb39aaa66cULL);
  Rng child = Rng::stream(42, "instances").derive("i-7");
  EXPECT_EQ(child.next_u64(), 0xfdcef0b7f4569cecULL);
}

TEST(Rng, SameSeedAndNameGiveTheSameStream) {
  Rng a = Rng::stream(9, "faults");
  Rng b = Rng::stream(9, "faults");
  EXPECT_EQ(a.key(), b.key());
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.next_u64(), b.next_u64());
}

TEST(Rng, DifferentSeedsOrNamesGiveDifferentStreams) {
  EXPECT_NE(Rng::stream(1, "a").next_u64(), Rng::stream(2, "a").next_u64());
  EXPECT_NE(Rng::stream(1, "a").next_u64(), Rng::stream(1, "b").next_u64());
  EXPECT_NE(Rng::stream(1, "ab").key(), Rng::stream(1, "ba").key());
  EXPECT_NE(Rng::stream(1, "a").derive("b").key(), Rng::stream(1, "b").derive("a").key());
}

TEST(Rng, AddingAStreamDoesNotChangeAnother) {
  Rng alone = Rng::stream(5, "traffic");
  std::vector<uint64_t> expected;
  for (int i = 0; i < 100; ++i) expected.push_back(alone.next_u64());

  Rng traffic = Rng::stream(5, "traffic");
  std::vector<uint64_t> got;
  for (int i = 0; i < 50; ++i) got.push_back(traffic.next_u64());
  // A new consumer appears mid-run, from the same seed and from the traffic stream itself.
  Rng newcomer = Rng::stream(5, "new-consumer");
  Rng child = traffic.derive("retries");
  for (int i = 0; i < 10; ++i) {
    newcomer.next_u64();
    child.next_u64();
  }
  for (int i = 0; i < 50; ++i) got.push_back(traffic.next_u64());
  EXPECT_EQ(got, expected);
}

TEST(Rng, DeriveDependsOnIdentityNotOnDraws) {
  Rng fresh = Rng::stream(3, "world");
  Rng used = Rng::stream(3, "world");
  for (int i = 0; i < 17; ++i) used.next_u64();
  EXPECT_EQ(fresh.derive("boot").next_u64(), used.derive("boot").next_u64());
}

double correlation(Rng a, Rng b, int n) {
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (int i = 0; i < n; ++i) {
    const double x = a.next_double();
    const double y = b.next_double();
    sa += x;
    sb += y;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
  }
  const double cov = sab / n - (sa / n) * (sb / n);
  const double va = saa / n - (sa / n) * (sa / n);
  const double vb = sbb / n - (sb / n) * (sb / n);
  return cov / std::sqrt(va * vb);
}

TEST(Rng, StreamsWithDifferentNamesAreUncorrelated) {
  constexpr int kDraws = 100000;
  // Under independence the sample correlation has standard error 1/sqrt(n).
  const double bound = 4 / std::sqrt(static_cast<double>(kDraws));
  const std::pair<Rng, Rng> pairs[] = {
      {Rng::stream(1, "a"), Rng::stream(1, "b")},
      {Rng::stream(1, "instance-1"), Rng::stream(1, "instance-2")},
      {Rng::stream(1, "x"), Rng::stream(2, "x")},
      {Rng::stream(1, "x").derive("boot"), Rng::stream(1, "x").derive("health")},
  };
  for (const auto& [a, b] : pairs) {
    EXPECT_LT(std::fabs(correlation(a, b, kDraws)), bound);
  }
  // Lagged: a stream against itself one draw later.
  Rng lead = Rng::stream(1, "lag");
  Rng lag = Rng::stream(1, "lag");
  lag.next_u64();
  EXPECT_LT(std::fabs(correlation(lead, lag, kDraws)), bound);
}

TEST(Rng, DoublesAreInTheUnitInterval) {
  Rng rng = Rng::stream(11, "unit");
  double lo = 1, hi = 0;
  for (int i = 0; i < 100000; ++i) {
    const double u = rng.next_double();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    lo = std::min(lo, u);
    hi = std::max(hi, u);
  }
  EXPECT_LT(lo, 1e-3);
  EXPECT_GT(hi, 1 - 1e-3);
}

}  // namespace
}  // namespace deploysim::sim
