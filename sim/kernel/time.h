// Simulated time: Duration and TimePoint, integer microseconds in strong types.
//
// Integer time keeps runs bit-for-bit reproducible (no rounding that depends on the order of
// additions), and the strong types keep seconds, milliseconds and instants from being mixed up.
// int64 microseconds cover +-292,000 years. Human-written durations in scenario files use the
// syntax of parse_duration: "250ms", "90s", "5m", "1h30m", "1.5s".
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "sim/kernel/result.h"

namespace deploysim::sim {

// A span of time, in whole microseconds. May be negative (the difference of two TimePoints);
// durations read from files are never negative.
class Duration {
 public:
  constexpr Duration() = default;

  static constexpr Duration micros(int64_t n) { return Duration(n); }
  static constexpr Duration millis(int64_t n) { return Duration(n * 1'000); }
  static constexpr Duration seconds(int64_t n) { return Duration(n * 1'000'000); }
  static constexpr Duration minutes(int64_t n) { return Duration(n * 60'000'000); }
  static constexpr Duration hours(int64_t n) { return Duration(n * 3'600'000'000); }
  static constexpr Duration zero() { return Duration(0); }
  static constexpr Duration max() { return Duration(std::numeric_limits<int64_t>::max()); }

  constexpr int64_t count_micros() const { return us_; }
  // For reports and statistics only; logic stays in integers.
  constexpr double to_seconds() const { return static_cast<double>(us_) / 1e6; }

  constexpr Duration operator-() const { return Duration(-us_); }
  constexpr Duration& operator+=(Duration d) { us_ += d.us_; return *this; }
  constexpr Duration& operator-=(Duration d) { us_ -= d.us_; return *this; }
  friend constexpr Duration operator+(Duration a, Duration b) { return Duration(a.us_ + b.us_); }
  friend constexpr Duration operator-(Duration a, Duration b) { return Duration(a.us_ - b.us_); }
  friend constexpr Duration operator*(Duration a, int64_t k) { return Duration(a.us_ * k); }
  friend constexpr Duration operator*(int64_t k, Duration a) { return Duration(a.us_ * k); }
  friend constexpr Duration operator/(Duration a, int64_t k) { return Duration(a.us_ / k); }
  friend constexpr int64_t operator/(Duration a, Duration b) { return a.us_ / b.us_; }
  friend constexpr Duration operator%(Duration a, Duration b) { return Duration(a.us_ % b.us_); }
  friend constexpr auto operator<=>(Duration, Duration) = default;

 private:
  constexpr explicit Duration(int64_t us) : us_(us) {}
  int64_t us_ = 0;
};

// An instant of a run: the time elapsed since the run started (TimePoint::start()). Runs begin at
// zero so that a scenario's "at 5m" means five minutes after the start, whatever the clock.
class TimePoint {
 public:
  constexpr TimePoint() = default;

  static constexpr TimePoint start() { return TimePoint(); }
  static constexpr TimePoint max() { return TimePoint() + Duration::max(); }
  static constexpr TimePoint from_micros(int64_t n) { return start() + Duration::micros(n); }

  constexpr Duration since_start() const { return since_start_; }
  constexpr int64_t micros_since_start() const { return since_start_.count_micros(); }

  constexpr TimePoint& operator+=(Duration d) { since_start_ += d; return *this; }
  friend constexpr TimePoint operator+(TimePoint t, Duration d) { return t += d; }
  friend constexpr TimePoint operator+(Duration d, TimePoint t) { return t += d; }
  friend constexpr TimePoint operator-(TimePoint t, Duration d) { return t += -d; }
  friend constexpr Duration operator-(TimePoint a, TimePoint b) {
    return a.since_start_ - b.since_start_;
  }
  friend constexpr auto operator<=>(TimePoint, TimePoint) = default;

 private:
  Duration since_start_;
};

// Parses a non-negative duration: one or more <number><unit> parts with units h, m, s, ms, us in
// that order, each at most once ("1h30m", "90s", "250ms", "2h", "1m30s250ms"); a number may have
// a decimal fraction ("1.5s") as long as the result is a whole number of microseconds. "0" alone
// is zero. Errors (empty text, a sign, spaces, unknown or repeated units, overflow, precision finer
// than 1us) quote the text and say what was expected.
Result<Duration> parse_duration(std::string_view text);

// Formats as parse_duration reads it, largest units first: 90s -> "1m30s", 1.5s -> "1s500ms",
// zero -> "0s", negative -> "-" followed by the magnitude. parse_duration(to_string(d)) == d for
// every d >= 0.
std::string to_string(Duration d);

// A TimePoint prints as the time since the start of the run, prefixed with "T+": "T+1h30m".
std::string to_string(TimePoint t);

}  // namespace deploysim::sim
