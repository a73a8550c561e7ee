// The project's own random distributions, drawn from an Rng.
//
// Written here rather than taken from <random>: std::*_distribution algorithms differ between
// standard libraries, so the same seed would give different runs on different machines. These use
// fixed algorithms (named at each function) and only + - * / sqrt log exp, so a seed means the same
// run wherever the C library's log and exp agree (glibc on every Debian machine).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "sim/kernel/result.h"
#include "sim/kernel/rng.h"
#include "sim/kernel/time.h"

namespace deploysim::sim {

// Uniform on [lo, hi). REQUIRES: lo <= hi.
double uniform(Rng& rng, double lo, double hi);

// Uniform over the integers lo..hi inclusive, without modulo bias (Lemire's multiply-and-reject,
// 2019). REQUIRES: lo <= hi.
int64_t uniform_int(Rng& rng, int64_t lo, int64_t hi);

// Exponential with the given mean, by inversion: -mean * ln(U) with U uniform on (0, 1].
// REQUIRES: mean >= 0.
double exponential(Rng& rng, double mean);

// An exponentially distributed duration, rounded to the nearest microsecond.
Duration exponential_duration(Rng& rng, Duration mean);

// Normal (Gaussian), by Marsaglia's polar method. Each accepted pair of uniforms gives two
// independent normals: the first is returned, the second kept in `rng` for the next call.
// REQUIRES: stddev >= 0.
double normal(Rng& rng, double mean, double stddev);

// Log-normal: exp(N(mu, sigma)), where mu and sigma are the mean and standard deviation of the
// logarithm. Its median is exp(mu). REQUIRES: sigma >= 0.
double lognormal(Rng& rng, double mu, double sigma);

// True with probability p. REQUIRES: 0 <= p <= 1.
bool bernoulli(Rng& rng, double p);

// Poisson with the given mean. Inversion by sequential search below a mean of 10; Hörmann's
// transformed rejection with squeeze (PTRS, 1993) from 10 up, so the cost stays flat for large
// means. REQUIRES: 0 <= mean < 2^40.
int64_t poisson(Rng& rng, double mean);

// The distribution of a set of observed samples (boot times, latencies), with its CDF interpolated
// linearly between sorted samples: draws fall anywhere between the smallest and largest sample,
// and with n samples each of the n-1 gaps between neighbours gets probability 1/(n-1).
class EmpiricalDistribution {
 public:
  // Errors if `samples` is empty or holds a NaN or infinity.
  static Result<EmpiricalDistribution> from_samples(std::vector<double> samples);

  double sample(Rng& rng) const;
  const std::vector<double>& sorted_samples() const { return sorted_; }

 private:
  explicit EmpiricalDistribution(std::vector<double> sorted) : sorted_(std::move(sorted)) {}
  std::vector<double> sorted_;
};

// Picks index i with probability weights[i] / sum(weights), in O(1) per draw (Vose's alias
// method, 1991). Used for weighted routing and any discrete choice.
class WeightedChoice {
 public:
  // Errors if `weights` is empty, holds a negative, NaN or infinite weight, or sums to zero.
  static Result<WeightedChoice> from_weights(std::span<const double> weights);

  std::size_t sample(Rng& rng) const;
  std::size_t size() const { return threshold_.size(); }

 private:
  WeightedChoice() = default;
  std::vector<double> threshold_;   // keep column i when U < threshold_[i]
  std::vector<std::size_t> alias_;  // otherwise take alias_[i]
};

}  // namespace deploysim::sim
