// Sampling scenario distributions with the kernel's algorithms.
#include "sim/world/distribution.h"

#include <algorithm>
#include <cmath>

#include "sim/kernel/check.h"

namespace deploysim::world {

// z such that P(N(0,1) <= z) = 0.99.
constexpr double kZ99 = 2.3263478740408408;

Distribution Distribution::constant(double value) { return {Kind::kConstant, value, 0}; }
Distribution Distribution::exponential(double mean) { return {Kind::kExponential, mean, 0}; }
Distribution Distribution::uniform(double lo, double hi) { return {Kind::kUniform, lo, hi}; }
Distribution Distribution::normal(double mean, double stddev) {
  return {Kind::kNormal, mean, stddev};
}
Distribution Distribution::lognormal(double median, double p99) {
  DEPLOYSIM_CHECK(median > 0 && p99 >= median, "lognormal needs 0 < median <= p99");
  return {Kind::kLogNormal, std::log(median), std::log(p99 / median) / kZ99};
}
sim::Result<Distribution> Distribution::empirical(std::vector<double> samples) {
  sim::Result<sim::EmpiricalDistribution> checked =
      sim::EmpiricalDistribution::from_samples(std::move(samples));
  if (!checked.ok()) return checked.error();
  Distribution d(Kind::kEmpirical, 0, 0);
  d.empirical_ = std::move(*checked);
  return d;
}

double Distribution::sample(sim::Rng& rng) const {
  switch (kind_) {
    case Kind::kConstant:
      return a_;
    case Kind::kExponential:
      return sim::exponential(rng, a_);
    case Kind::kUniform:
      return sim::uniform(rng, a_, b_);
    case Kind::kNormal:
      return std::max(0.0, sim::normal(rng, a_, b_));
    case Kind::kLogNormal:
      return sim::lognormal(rng, a_, b_);
    case Kind::kEmpirical:
      return empirical_->sample(rng);
  }
  return a_;
}

std::string Distribution::duration_spec() const {
  const auto us = [](double v) { return std::to_string(static_cast<int64_t>(std::llround(std::max(0.0, v)))) + "us"; };
  switch (kind_) {
    case Kind::kConstant: return us(a_);
    case Kind::kExponential: return "exp:" + us(a_);
    case Kind::kUniform: return "uniform:" + us(a_) + ":" + us(b_);
    case Kind::kNormal: return "normal:" + us(a_) + ":" + us(b_);
    case Kind::kLogNormal: return "lognormal:" + us(std::exp(a_)) + ":" + us(std::exp(a_ + kZ99 * b_));
    case Kind::kEmpirical: return "";
  }
  return "";
}

double Distribution::mean() const {
  switch (kind_) {
    case Kind::kConstant:
    case Kind::kExponential:
      return a_;
    case Kind::kUniform:
      return (a_ + b_) / 2;
    case Kind::kNormal:
      return a_;  // ignoring the (normally negligible) truncation at zero
    case Kind::kLogNormal:
      return std::exp(a_ + b_ * b_ / 2);
    case Kind::kEmpirical: {
      // Each gap between neighbouring samples carries equal probability, uniformly.
      const std::vector<double>& s = empirical_->sorted_samples();
      if (s.size() == 1) return s[0];
      double sum = 0;
      for (size_t i = 0; i + 1 < s.size(); ++i) sum += (s[i] + s[i + 1]) / 2;
      return sum / static_cast<double>(s.size() - 1);
    }
  }
  return a_;
}

}  // namespace deploysim::world
