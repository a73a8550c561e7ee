// The project's distributions against closed forms: mean and variance within 4 standard errors
// over 10^5 draws, Kolmogorov-Smirnov for the exponential and normal, chi-square against the pmf
// for Poisson. Seeds are fixed, so each check passes or fails deterministically.
#include "sim/kernel/distributions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <numeric>
#include <vector>

namespace deploysim::sim {
namespace {

constexpr int kDraws = 100000;

// Expected moments of a distribution: mean, variance, and fourth central moment (which sets the
// standard error of the sample variance: sqrt((mu4 - var^2) / n)).
struct Moments {
  double mean;
  double variance;
  double mu4;
};

void expect_moments(const std::vector<double>& x, const Moments& m, const std::string& what) {
  const double n = static_cast<double>(x.size());
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / n;
  double ss = 0;
  for (double v : x) ss += (v - mean) * (v - mean);
  const double variance = ss / (n - 1);
  const double se_mean = std::sqrt(m.variance / n);
  const double se_variance = std::sqrt((m.mu4 - m.variance * m.variance) / n);
  EXPECT_NEAR(mean, m.mean, 4 * se_mean) << what << ": mean";
  EXPECT_NEAR(variance, m.variance, 4 * se_variance) << what << ": variance";
}

std::vector<double> draw(const std::function<double()>& sample, int n = kDraws) {
  std::vector<double> x(static_cast<size_t>(n));
  for (double& v : x) v = sample();
  return x;
}

// Kolmogorov-Smirnov statistic against a continuous CDF; the 0.1% critical value is 1.95/sqrt(n).
void expect_ks(std::vector<double> x, const std::function<double(double)>& cdf,
               const std::string& what) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  double d = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double f = cdf(x[i]);
    d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  EXPECT_LT(d, 1.95 / std::sqrt(n)) << what << ": KS distance";
}

// Raw moments -> central moments.
Moments from_raw(double e1, double e2, double e3, double e4) {
  return {e1, e2 - e1 * e1, e4 - 4 * e1 * e3 + 6 * e1 * e1 * e2 - 3 * e1 * e1 * e1 * e1};
}

TEST(Distributions, Uniform) {
  Rng rng = Rng::stream(1, "uniform");
  const double a = -2, b = 6, w = b - a;
  expect_moments(draw([&] { return uniform(rng, a, b); }),
                 {(a + b) / 2, w * w / 12, w * w * w * w / 80}, "uniform(-2, 6)");
}

TEST(Distributions, UniformIntCoversTheRangeWithoutBias) {
  Rng rng = Rng::stream(1, "uniform-int");
  const int64_t lo = -3, hi = 9;
  std::vector<int> seen(13, 0);
  const std::vector<double> x = draw([&] {
    const int64_t v = uniform_int(rng, lo, hi);
    EXPECT_GE(v, lo);
    EXPECT_LE(v, hi);
    ++seen[static_cast<size_t>(v - lo)];
    return static_cast<double>(v);
  });
  // Discrete uniform over k values: variance (k^2 - 1)/12; mu4 = (k^2 - 1)(3k^2 - 7)/240.
  const double k = 13;
  expect_moments(x, {3, (k * k - 1) / 12, (k * k - 1) * (3 * k * k - 7) / 240}, "uniform_int");
  const double p = 1 / k, se = std::sqrt(p * (1 - p) / kDraws);
  for (int count : seen) EXPECT_NEAR(count / double(kDraws), p, 4 * se);
  // The extremes of the 64-bit range are reachable without overflow.
  const int64_t big = uniform_int(rng, INT64_MIN, INT64_MAX);
  (void)big;
  EXPECT_EQ(uniform_int(rng, 5, 5), 5);
}

TEST(Distributions, Exponential) {
  Rng rng = Rng::stream(1, "exponential");
  const double mean = 2.5;
  const std::vector<double> x = draw([&] { return exponential(rng, mean); });
  expect_moments(x, {mean, mean * mean, 9 * std::pow(mean, 4)}, "exponential(2.5)");
  expect_ks(x, [&](double v) { return 1 - std::exp(-v / mean); }, "exponential(2.5)");
  for (double v : x) ASSERT_GE(v, 0);
}

TEST(Distributions, ExponentialDurationRoundsToMicroseconds) {
  Rng rng = Rng::stream(1, "exponential-duration");
  const Duration mean = Duration::millis(200);
  const std::vector<double> x =
      draw([&] { return static_cast<double>(exponential_duration(rng, mean).count_micros()); });
  const double m = 200'000;
  expect_moments(x, {m, m * m, 9 * std::pow(m, 4)}, "exponential_duration(200ms)");
}

TEST(Distributions, Normal) {
  Rng rng = Rng::stream(1, "normal");
  const double mu = 10, sigma = 3;
  const std::vector<double> x = draw([&] { return normal(rng, mu, sigma); });
  expect_moments(x, {mu, sigma * sigma, 3 * std::pow(sigma, 4)}, "normal(10, 3)");
  expect_ks(x, [&](double v) { return 0.5 * std::erfc(-(v - mu) / (sigma * std::sqrt(2.0))); },
            "normal(10, 3)");
}

TEST(Distributions, LogNormal) {
  Rng rng = Rng::stream(1, "lognormal");
  const double mu = 0.2, sigma = 0.5;
  // E[X^k] = exp(k mu + k^2 sigma^2 / 2).
  const auto raw = [&](double k) { return std::exp(k * mu + k * k * sigma * sigma / 2); };
  const std::vector<double> x = draw([&] { return lognormal(rng, mu, sigma); });
  expect_moments(x, from_raw(raw(1), raw(2), raw(3), raw(4)), "lognormal(0.2, 0.5)");
  // log X is normal(mu, sigma).
  std::vector<double> logs(x.size());
  std::transform(x.begin(), x.end(), logs.begin(), [](double v) { return std::log(v); });
  expect_ks(logs, [&](double v) { return 0.5 * std::erfc(-(v - mu) / (sigma * std::sqrt(2.0))); },
            "log of lognormal");
}

TEST(Distributions, Bernoulli) {
  // (Not p = 0.5: there mu4 = var^2 and the variance's standard error formula degenerates.)
  for (double p : {0.01, 0.3, 0.8}) {
    Rng rng = Rng::stream(1, "bernoulli");
    const std::vector<double> x = draw([&] { return bernoulli(rng, p) ? 1.0 : 0.0; });
    expect_moments(x, {p, p * (1 - p), p * (1 - p) * (1 - 3 * p + 3 * p * p)},
                   "bernoulli(" + std::to_string(p) + ")");
  }
  Rng rng = Rng::stream(1, "bernoulli-edges");
  for (int i = 0; i < 1000; ++i) {
    ASSERT_FALSE(bernoulli(rng, 0));
    ASSERT_TRUE(bernoulli(rng, 1));
  }
}

// Chi-square goodness of fit of Poisson draws against the pmf, tails pooled so that every cell
// expects at least 5 draws; bound: df + 4 sqrt(2 df) (normal approximation, ~1e-4 false alarm).
void expect_poisson_fit(double mean, const std::vector<double>& x) {
  const double n = static_cast<double>(x.size());
  std::map<int64_t, double> observed;
  for (double v : x) observed[static_cast<int64_t>(v)] += 1;
  const auto pmf = [&](int64_t k) {
    return std::exp(static_cast<double>(k) * std::log(mean) - mean -
                    std::lgamma(static_cast<double>(k) + 1));
  };
  // Cells [lo, hi] around the mean wide enough to hold all but a negligible tail.
  const auto spread = static_cast<int64_t>(8 * std::sqrt(mean) + 10);
  const int64_t lo = std::max<int64_t>(0, static_cast<int64_t>(mean) - spread);
  const int64_t hi = static_cast<int64_t>(mean) + spread;
  double chi2 = 0, expected_cell = 0, observed_cell = 0, tail_p = 0;
  int cells = 0;
  for (int64_t k = 0; k < lo; ++k) tail_p += pmf(k);
  expected_cell = tail_p * n;
  for (auto& [k, count] : observed) {
    if (k < lo) observed_cell += count;
  }
  for (int64_t k = lo; k <= hi; ++k) {
    expected_cell += pmf(k) * n;
    observed_cell += observed.count(k) ? observed[k] : 0;
    if (expected_cell >= 5 && k < hi) {
      chi2 += (observed_cell - expected_cell) * (observed_cell - expected_cell) / expected_cell;
      ++cells;
      expected_cell = observed_cell = 0;
    }
  }
  // Last cell: everything from here up, including draws above hi.
  double upper_p = 0;
  for (int64_t k = hi + 1; k < hi + 200; ++k) upper_p += pmf(k);
  expected_cell += upper_p * n;
  for (auto& [k, count] : observed) {
    if (k > hi) observed_cell += count;
  }
  chi2 += (observed_cell - expected_cell) * (observed_cell - expected_cell) /
          std::max(expected_cell, 1e-9);
  ++cells;
  const double df = cells - 1;
  EXPECT_LT(chi2, df + 4 * std::sqrt(2 * df)) << "Poisson(" << mean << ") chi-square over "
                                              << cells << " cells";
}

TEST(Distributions, PoissonSmallAndLargeMeans) {
  for (double mean : {0.3, 3.0, 9.9, 10.0, 47.5, 1000.0, 1e6}) {
    Rng rng = Rng::stream(1, "poisson");
    const std::vector<double> x =
        draw([&] { return static_cast<double>(poisson(rng, mean)); });
    expect_moments(x, {mean, mean, mean * (1 + 3 * mean)},
                   "poisson(" + std::to_string(mean) + ")");
    expect_poisson_fit(mean, x);
  }
  Rng rng = Rng::stream(1, "poisson-zero");
  EXPECT_EQ(poisson(rng, 0), 0);
}

TEST(Distributions, EmpiricalInterpolatesBetweenSamples) {
  const std::vector<double> samples = {45, 50, 52, 61, 90, 47, 55};
  Result<EmpiricalDistribution> dist = EmpiricalDistribution::from_samples(samples);
  ASSERT_TRUE(dist.ok());
  // Each gap [a, b] between sorted neighbours is uniform with probability 1/(n-1):
  // E[X^k] = mean over gaps of (b^(k+1) - a^(k+1)) / ((k+1)(b-a)).
  const std::vector<double>& s = dist->sorted_samples();
  const auto raw = [&](int k) {
    double sum = 0;
    for (size_t i = 0; i + 1 < s.size(); ++i) {
      const double a = s[i], b = s[i + 1];
      sum += (std::pow(b, k + 1) - std::pow(a, k + 1)) / ((k + 1) * (b - a));
    }
    return sum / static_cast<double>(s.size() - 1);
  };
  Rng rng = Rng::stream(1, "empirical");
  const std::vector<double> x = draw([&] { return dist->sample(rng); });
  expect_moments(x, from_raw(raw(1), raw(2), raw(3), raw(4)), "empirical");
  EXPECT_GE(*std::min_element(x.begin(), x.end()), 45);
  EXPECT_LE(*std::max_element(x.begin(), x.end()), 90);

  Result<EmpiricalDistribution> one = EmpiricalDistribution::from_samples({7.5});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->sample(rng), 7.5);
}

TEST(Distributions, EmpiricalRejectsBadSamples) {
  EXPECT_FALSE(EmpiricalDistribution::from_samples({}).ok());
  Result<EmpiricalDistribution> nan = EmpiricalDistribution::from_samples({1, NAN, 3});
  ASSERT_FALSE(nan.ok());
  EXPECT_NE(nan.error().message.find("sample 1"), std::string::npos);
}

TEST(Distributions, WeightedChoiceFollowsTheWeights) {
  const std::vector<double> weights = {1, 0, 3, 6, 0.5};
  Result<WeightedChoice> choice = WeightedChoice::from_weights(weights);
  ASSERT_TRUE(choice.ok());
  const double total = 10.5;
  std::vector<int> counts(weights.size(), 0);
  Rng rng = Rng::stream(1, "weighted");
  for (int i = 0; i < kDraws; ++i) ++counts[choice->sample(rng)];
  for (size_t i = 0; i < weights.size(); ++i) {
    const double p = weights[i] / total;
    const double se = std::sqrt(p * (1 - p) / kDraws);
    EXPECT_NEAR(counts[i] / double(kDraws), p, 4 * se + 1e-12) << "index " << i;
  }
  EXPECT_EQ(counts[1], 0) << "a zero weight is never chosen";
}

TEST(Distributions, WeightedChoiceRejectsBadWeights) {
  EXPECT_FALSE(WeightedChoice::from_weights(std::vector<double>{}).ok());
  EXPECT_FALSE(WeightedChoice::from_weights(std::vector<double>{0, 0}).ok());
  Result<WeightedChoice> negative = WeightedChoice::from_weights(std::vector<double>{1, -1});
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.error().message.find("weight 1"), std::string::npos);
  EXPECT_FALSE(WeightedChoice::from_weights(std::vector<double>{1, INFINITY}).ok());
}

}  // namespace
}  // namespace deploysim::sim
