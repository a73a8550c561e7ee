// The time-dependent parts of a world's configuration: error models, rate profiles, port rules.
#include "sim/world/config.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace deploysim::world {

double ErrorModel::at_time(sim::TimePoint now, int in_flight) const {
  switch (kind) {
    case Kind::kConstant:
      return probability;
    case Kind::kStep:
      return now < at ? probability : probability_after;
    case Kind::kRamp: {
      if (now <= at) return probability;
      if (now >= until) return probability_after;
      const double f = (now - at).to_seconds() / (until - at).to_seconds();
      return probability + f * (probability_after - probability);
    }
    case Kind::kLoad: {
      const int above = in_flight - load_knee;
      if (above <= 0) return probability;
      return std::min(1.0, probability + per_request_above_knee * above);
    }
    case Kind::kSeries:
      return std::clamp(interpolate(series, now), 0.0, 1.0);
  }
  return probability;
}

bool SecurityRules::allows(int port) const {
  return allowed_ports.empty() ||
         std::find(allowed_ports.begin(), allowed_ports.end(), port) != allowed_ports.end();
}

double interpolate(const std::vector<RateProfile::Point>& points, sim::TimePoint t) {
  if (points.empty()) return 0;
  if (t <= points.front().at) return points.front().rate;
  if (t >= points.back().at) return points.back().rate;
  // The first point after t; binary search, as request paths ask for every request.
  const auto b = std::upper_bound(points.begin(), points.end(), t, [](sim::TimePoint at, const RateProfile::Point& p) { return at < p.at; });
  const RateProfile::Point& hi = *b;
  const RateProfile::Point& lo = *(b - 1);
  if (hi.at == lo.at) return hi.rate;
  const double f = (t - lo.at).to_seconds() / (hi.at - lo.at).to_seconds();
  return lo.rate + f * (hi.rate - lo.rate);
}

double RateProfile::rate_at(sim::TimePoint t) const {
  double rate = base;
  switch (kind) {
    case Kind::kConstant:
      break;
    case Kind::kSteps:
      for (const Point& p : points) {
        if (t >= p.at) rate = p.rate;
      }
      break;
    case Kind::kDiurnal: {
      const double cycle = (t.since_start() + phase).to_seconds() / period.to_seconds();
      rate = base + amplitude * std::sin(2 * std::numbers::pi * cycle);
      break;
    }
    case Kind::kSeries:
      rate = interpolate(points, t);
      break;
  }
  for (const Spike& s : spikes) {
    if (t >= s.at && t < s.at + s.duration) rate *= s.multiplier;
  }
  return std::max(0.0, rate);
}

double RateProfile::max_rate() const {
  double peak = base;
  switch (kind) {
    case Kind::kConstant:
      break;
    case Kind::kSteps:
      for (const Point& p : points) peak = std::max(peak, p.rate);
      break;
    case Kind::kDiurnal:
      peak = base + std::fabs(amplitude);
      break;
    case Kind::kSeries:
      peak = 0;
      for (const Point& p : points) peak = std::max(peak, p.rate);
      break;
  }
  double multiplier = 1;
  for (const Spike& s : spikes) multiplier = std::max(multiplier, s.multiplier);
  // Overlapping spikes multiply; bound them all applying at once.
  double all = 1;
  for (const Spike& s : spikes) all *= std::max(1.0, s.multiplier);
  return std::max(0.0, peak * std::max(multiplier, all));
}

}  // namespace deploysim::world
