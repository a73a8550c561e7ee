// Reading and writing human durations ("1h30m", "250ms") exactly, in integer microseconds.
#include "sim/kernel/time.h"

#include <array>
#include <cstdint>
#include <limits>

namespace deploysim::sim {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t micros;
};

// Largest first: parts must appear in this order, and printing walks it.
constexpr std::array<Unit, 5> kUnits{{
    {"h", 3'600'000'000},
    {"m", 60'000'000},
    {"s", 1'000'000},
    {"ms", 1'000},
    {"us", 1},
}};

constexpr std::string_view kExpected = "expected e.g. 250ms, 90s, 5m, 1h30m (units h, m, s, ms, us)";

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

Error duration_error(std::string_view text, std::string_view why) {
  std::string message = "invalid duration \"";
  message.append(text);
  message.append("\": ");
  message.append(why);
  return invalid_argument(std::move(message));
}

// Index into kUnits of a unit suffix, or -1.
int unit_index(std::string_view suffix) {
  for (size_t i = 0; i < kUnits.size(); ++i) {
    if (kUnits[i].suffix == suffix) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

Result<Duration> parse_duration(std::string_view text) {
  if (text.empty()) return duration_error(text, std::string("empty; ") + std::string(kExpected));
  if (text == "0") return Duration::zero();
  if (text.front() == '-') return duration_error(text, "durations cannot be negative");

  using Wide = __int128;
  constexpr Wide kMax = std::numeric_limits<int64_t>::max();
  Wide total = 0;
  int previous_unit = -1;
  size_t pos = 0;
  while (pos < text.size()) {
    // <digits>[.<digits>]
    Wide whole = 0;
    size_t digits = 0;
    while (pos < text.size() && is_digit(text[pos])) {
      whole = whole * 10 + (text[pos] - '0');
      if (whole > kMax) return duration_error(text, "too large (the limit is about 292,000 years)");
      ++pos;
      ++digits;
    }
    Wide fraction = 0;
    Wide fraction_scale = 1;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      size_t fraction_digits = 0;
      while (pos < text.size() && is_digit(text[pos])) {
        if (fraction_digits == 18) {
          return duration_error(text, "too many decimals (the resolution is 1us)");
        }
        fraction = fraction * 10 + (text[pos] - '0');
        fraction_scale *= 10;
        ++pos;
        ++fraction_digits;
      }
      if (fraction_digits == 0) return duration_error(text, "a '.' must be followed by digits");
    }
    if (digits == 0 && fraction_scale == 1) {
      const std::string why = pos < text.size() && text[pos] == '+'
                                  ? std::string("a sign is not allowed; ") + std::string(kExpected)
                                  : "expected a number at position " + std::to_string(pos) +
                                        "; " + std::string(kExpected);
      return duration_error(text, why);
    }
    // <unit>
    const size_t unit_start = pos;
    while (pos < text.size() && is_letter(text[pos])) ++pos;
    const std::string_view suffix = text.substr(unit_start, pos - unit_start);
    if (suffix.empty()) {
      if (pos == text.size()) {
        return duration_error(text, std::string("missing unit after the number; ") +
                                        std::string(kExpected));
      }
      return duration_error(text, "unexpected character '" + std::string(1, text[pos]) +
                                      "' at position " + std::to_string(pos) + "; " +
                                      std::string(kExpected));
    }
    const int unit = unit_index(suffix);
    if (unit < 0) {
      return duration_error(text, "unknown unit \"" + std::string(suffix) + "\"; " +
                                      std::string(kExpected));
    }
    if (unit <= previous_unit) {
      return duration_error(text, "unit \"" + std::string(suffix) +
                                      "\" is repeated or out of order (write larger units first, "
                                      "each once, e.g. 1h30m)");
    }
    previous_unit = unit;
    const Wide unit_micros = kUnits[unit].micros;
    const Wide fraction_micros = fraction * unit_micros;
    if (fraction_micros % fraction_scale != 0) {
      return duration_error(text, "finer than the 1us resolution");
    }
    total += whole * unit_micros + fraction_micros / fraction_scale;
    if (total > kMax) return duration_error(text, "too large (the limit is about 292,000 years)");
  }
  return Duration::micros(static_cast<int64_t>(total));
}

std::string to_string(Duration d) {
  const int64_t us = d.count_micros();
  if (us == 0) return "0s";
  std::string out;
  // Magnitude in unsigned arithmetic so that the most negative value prints too.
  uint64_t rest = us < 0 ? 0 - static_cast<uint64_t>(us) : static_cast<uint64_t>(us);
  if (us < 0) out.push_back('-');
  for (const Unit& unit : kUnits) {
    const uint64_t size = static_cast<uint64_t>(unit.micros);
    const uint64_t count = rest / size;
    if (count == 0) continue;
    out += std::to_string(count);
    out.append(unit.suffix);
    rest -= count * size;
  }
  return out;
}

std::string to_string(TimePoint t) { return "T+" + to_string(t.since_start()); }

}  // namespace deploysim::sim
