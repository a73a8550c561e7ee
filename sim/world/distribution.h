// Distribution: a random quantity described in a scenario (a boot time, a service time), sampled
// with the project's own algorithms from a named stream. Values are in the unit of the field that
// holds the distribution (microseconds for durations).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/kernel/distributions.h"
#include "sim/kernel/result.h"
#include "sim/kernel/rng.h"
#include "sim/kernel/time.h"

namespace deploysim::world {

class Distribution {
 public:
  // Always `value`.
  static Distribution constant(double value);
  // Exponential with this mean.
  static Distribution exponential(double mean);
  // Uniform on [lo, hi).
  static Distribution uniform(double lo, double hi);
  // Normal, truncated at zero (negative draws become 0: times and sizes cannot be negative).
  static Distribution normal(double mean, double stddev);
  // Log-normal with this median and 99th percentile (the way latencies are usually quoted).
  // REQUIRES: 0 < median <= p99.
  static Distribution lognormal(double median, double p99);
  // The distribution of these observed samples (linear interpolation between them).
  static sim::Result<Distribution> empirical(std::vector<double> samples);

  // Constant durations, the most common case in code.
  static Distribution constant(sim::Duration d) { return constant(double(d.count_micros())); }

  double sample(sim::Rng& rng) const;
  // A draw, rounded to whole microseconds, for distributions of durations.
  sim::Duration sample_duration(sim::Rng& rng) const {
    return sim::Duration::micros(static_cast<int64_t>(sample(rng) + 0.5));
  }
  double mean() const;

  // The distribution as the sample service's flags write one (deploysim-app --latency): "Nus",
  // "exp:MEAN", "uniform:LO:HI", "normal:MEAN:SD", "lognormal:MEDIAN:P99", values in microseconds
  // with the unit "us". Empty for an empirical distribution, which has no such spelling.
  std::string duration_spec() const;

 private:
  enum class Kind { kConstant, kExponential, kUniform, kNormal, kLogNormal, kEmpirical };
  Distribution(Kind kind, double a, double b) : kind_(kind), a_(a), b_(b) {}

  Kind kind_ = Kind::kConstant;
  double a_ = 0;  // constant: value; exponential: mean; uniform: lo; normal: mean; lognormal: mu
  double b_ = 0;  // uniform: hi; normal: stddev; lognormal: sigma
  std::optional<sim::EmpiricalDistribution> empirical_;
};

}  // namespace deploysim::world
