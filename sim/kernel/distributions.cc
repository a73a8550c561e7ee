// Algorithms for the project's random distributions. Each one consumes a fixed, documented
// pattern of draws so that a run's randomness is reproducible from its seed.
#include "sim/kernel/distributions.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "sim/kernel/check.h"

namespace deploysim::sim {

double uniform(Rng& rng, double lo, double hi) {
  DEPLOYSIM_CHECK(lo <= hi, "uniform: lo must not exceed hi");
  return lo + (hi - lo) * rng.next_double();
}

int64_t uniform_int(Rng& rng, int64_t lo, int64_t hi) {
  DEPLOYSIM_CHECK(lo <= hi, "uniform_int: lo must not exceed hi");
  const uint64_t range = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
  if (range == 0) return static_cast<int64_t>(rng.next_u64());  // the full 64-bit range
  unsigned __int128 product = static_cast<unsigned __int128>(rng.next_u64()) * range;
  auto low = static_cast<uint64_t>(product);
  if (low < range) {
    const uint64_t threshold = (0 - range) % range;
    while (low < threshold) {
      product = static_cast<unsigned __int128>(rng.next_u64()) * range;
      low = static_cast<uint64_t>(product);
    }
  }
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + static_cast<uint64_t>(product >> 64));
}

double exponential(Rng& rng, double mean) {
  DEPLOYSIM_CHECK(mean >= 0, "exponential: the mean must not be negative");
  return -mean * std::log(rng.next_double_nonzero());
}

Duration exponential_duration(Rng& rng, Duration mean) {
  const double micros = exponential(rng, static_cast<double>(mean.count_micros()));
  // Non-negative, so adding one half and truncating rounds to nearest (cheaper than llround).
  return Duration::micros(static_cast<int64_t>(micros + 0.5));
}

double normal(Rng& rng, double mean, double stddev) {
  DEPLOYSIM_CHECK(stddev >= 0, "normal: the standard deviation must not be negative");
  double z = 0;
  if (rng.take_normal_spare(&z)) return mean + stddev * z;
  double u = 0;
  double v = 0;
  double s = 0;
  do {
    u = 2 * rng.next_double() - 1;
    v = 2 * rng.next_double() - 1;
    s = u * u + v * v;
  } while (s >= 1 || s == 0);
  const double factor = std::sqrt(-2 * std::log(s) / s);
  rng.keep_normal_spare(v * factor);
  return mean + stddev * u * factor;
}

double lognormal(Rng& rng, double mu, double sigma) { return std::exp(normal(rng, mu, sigma)); }

bool bernoulli(Rng& rng, double p) {
  DEPLOYSIM_CHECK(p >= 0 && p <= 1, "bernoulli: p must be in [0, 1]");
  return rng.next_double() < p;
}

namespace {

// ln(k!), exact from a table for small k, Stirling's series beyond (error below 1e-13 for k >= 10).
// Written out rather than calling lgamma, which writes the global `signgam` (a data race when
// runs go in parallel).
double log_factorial(int64_t k) {
  static constexpr std::array<double, 10> kTable = {
      0.0,
      0.0,
      0.69314718055994530942,
      1.79175946922805500081,
      3.17805383034794561964,
      4.78749174278204599425,
      6.57925121201010099506,
      8.52516136106541430017,
      10.60460290274525022842,
      12.80182748008146961121,
  };
  if (k < 10) return kTable[static_cast<size_t>(k)];
  const double x = static_cast<double>(k);
  const double inv = 1 / x;
  const double inv2 = inv * inv;
  constexpr double kHalfLogTwoPi = 0.91893853320467274178;
  return (x + 0.5) * std::log(x) - x + kHalfLogTwoPi +
         inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260 - inv2 / 1680)));
}

int64_t poisson_by_inversion(Rng& rng, double mean) {
  double p = std::exp(-mean);
  double cumulative = p;
  const double u = rng.next_double();
  int64_t k = 0;
  // The cap ends the search if rounding leaves the cumulative sum just below u (u < 1 - 2^-53);
  // P(k > 200) is below 1e-250 for a mean under 10.
  while (u > cumulative && k < 200) {
    ++k;
    p *= mean / static_cast<double>(k);
    cumulative += p;
  }
  return k;
}

int64_t poisson_by_ptrs(Rng& rng, double mean) {
  const double sqrt_mean = std::sqrt(mean);
  const double log_mean = std::log(mean);
  const double b = 0.931 + 2.53 * sqrt_mean;
  const double a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  const double v_r = 0.9277 - 3.6224 / (b - 2);
  while (true) {
    const double u = rng.next_double() - 0.5;
    const double v = rng.next_double();
    const double us = 0.5 - std::fabs(u);
    const auto k = static_cast<int64_t>(std::floor((2 * a / us + b) * u + mean + 0.43));
    if (us >= 0.07 && v <= v_r) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <=
        -mean + static_cast<double>(k) * log_mean - log_factorial(k)) {
      return k;
    }
  }
}

}  // namespace

int64_t poisson(Rng& rng, double mean) {
  DEPLOYSIM_CHECK(mean >= 0 && mean < 0x1.0p40, "poisson: the mean must be in [0, 2^40)");
  if (mean == 0) return 0;
  return mean < 10 ? poisson_by_inversion(rng, mean) : poisson_by_ptrs(rng, mean);
}

Result<EmpiricalDistribution> EmpiricalDistribution::from_samples(std::vector<double> samples) {
  if (samples.empty()) return invalid_argument("an empirical distribution needs at least one sample");
  for (size_t i = 0; i < samples.size(); ++i) {
    if (!std::isfinite(samples[i])) {
      return invalid_argument("empirical distribution sample " + std::to_string(i) +
                              " is not a finite number");
    }
  }
  std::sort(samples.begin(), samples.end());
  return EmpiricalDistribution(std::move(samples));
}

double EmpiricalDistribution::sample(Rng& rng) const {
  const double u = rng.next_double();
  if (sorted_.size() == 1) return sorted_[0];
  const double position = u * static_cast<double>(sorted_.size() - 1);
  const auto i = static_cast<size_t>(position);
  const double fraction = position - static_cast<double>(i);
  return sorted_[i] + fraction * (sorted_[i + 1] - sorted_[i]);
}

Result<WeightedChoice> WeightedChoice::from_weights(std::span<const double> weights) {
  if (weights.empty()) return invalid_argument("a weighted choice needs at least one weight");
  double total = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (!std::isfinite(weights[i]) || weights[i] < 0) {
      return invalid_argument("weight " + std::to_string(i) +
                              " must be a finite number >= 0, got " + std::to_string(weights[i]));
    }
    total += weights[i];
  }
  if (!(total > 0)) return invalid_argument("the weights must not all be zero");

  // Vose: scale weights to mean 1, then pair each column below 1 with one above it.
  const size_t n = weights.size();
  WeightedChoice choice;
  choice.threshold_.assign(n, 1.0);
  choice.alias_.resize(n);
  std::vector<double> scaled(n);
  std::vector<size_t> small;
  std::vector<size_t> large;
  for (size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] * static_cast<double>(n) / total;
    choice.alias_[i] = i;
    (scaled[i] < 1 ? small : large).push_back(i);
  }
  while (!small.empty() && !large.empty()) {
    const size_t s = small.back();
    small.pop_back();
    const size_t l = large.back();
    choice.threshold_[s] = scaled[s];
    choice.alias_[s] = l;
    scaled[l] = (scaled[l] + scaled[s]) - 1;
    if (scaled[l] < 1) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Columns left over are full up to rounding error: keep threshold 1 (always themselves).
  return choice;
}

size_t WeightedChoice::sample(Rng& rng) const {
  const auto column =
      static_cast<size_t>(uniform_int(rng, 0, static_cast<int64_t>(threshold_.size()) - 1));
  return rng.next_double() < threshold_[column] ? column : alias_[column];
}

}  // namespace deploysim::sim
