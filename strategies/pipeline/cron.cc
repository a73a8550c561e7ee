// Quartz cron expressions and a small UTC calendar (1970-2099) to find their next fire time.
#include "strategies/pipeline/cron.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <sstream>
#include <vector>

namespace deploysim::strategies {
namespace {

constexpr int kFirstYear = 1970;
constexpr int kLastYear = 2099;
constexpr int64_t kDay = 86400;

bool leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }
int days_in_year(int year) { return leap(year) ? 366 : 365; }
int days_in_month(int year, int month) {
  static constexpr std::array<int, 13> kDays = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap(year) ? 29 : kDays[static_cast<size_t>(month)];
}

// Days from 1970-01-01 to the first day of `month` (1-12) of `year`.
int64_t days_before(int year, int month) {
  int64_t days = 0;
  for (int y = kFirstYear; y < year; ++y) days += days_in_year(y);
  for (int m = 1; m < month; ++m) days += days_in_month(year, m);
  return days;
}

struct Civil {
  int year = kFirstYear;
  int month = 1;  // 1-12
  int day = 1;    // 1-31
  int weekday = 1;  // Quartz: 1 = Sunday ... 7 = Saturday
};

Civil civil_from_days(int64_t days) {
  Civil c;
  c.weekday = static_cast<int>((days + 4) % 7) + 1;  // 1970-01-01 was a Thursday
  while (days >= days_in_year(c.year)) days -= days_in_year(c.year++);
  while (days >= days_in_month(c.year, c.month)) days -= days_in_month(c.year, c.month++);
  c.day = static_cast<int>(days) + 1;
  return c;
}

struct FieldSpec {
  const char* name;
  int min;
  int max;
  std::vector<std::string> names;  // names[i] stands for min + i
};

const FieldSpec kSeconds{"seconds", 0, 59, {}};
const FieldSpec kMinutes{"minutes", 0, 59, {}};
const FieldSpec kHours{"hours", 0, 23, {}};
const FieldSpec kDays{"day-of-month", 1, 31, {}};
const FieldSpec kMonths{"month", 1, 12, {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}};
const FieldSpec kWeekdays{"day-of-week", 1, 7, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}};
const FieldSpec kYears{"year", kFirstYear, kLastYear, {}};

class FieldParser {
 public:
  FieldParser(std::string_view expression, const FieldSpec& spec) : expression_(expression), spec_(spec) {}

  // Sets the bits (value - spec.min) of every value the field names; "?" leaves them clear and
  // sets `unspecified`.
  sim::Status parse(const std::string& field, std::vector<bool>& values, bool* unspecified) {
    values.assign(static_cast<size_t>(spec_.max - spec_.min + 1), false);
    if (field == "?") {
      if (unspecified == nullptr) return fail("? is only allowed in day-of-month and day-of-week");
      *unspecified = true;
      return sim::Status();
    }
    for (char ch : field) {
      if (ch == 'L' || ch == 'W' || ch == '#') {
        return fail(std::string("'") + ch + "' (Quartz's last / weekday / nth) is not supported");
      }
    }
    std::stringstream parts(field);
    std::string part;
    while (std::getline(parts, part, ',')) {
      if (part.empty()) return fail("empty list item in \"" + field + "\"");
      int first = spec_.min, last = spec_.max, step = 1;
      std::string range = part;
      if (const size_t slash = part.find('/'); slash != std::string::npos) {
        range = part.substr(0, slash);
        sim::Result<int> s = number(part.substr(slash + 1), 1, spec_.max - spec_.min + 1);
        if (!s.ok()) return s.error();
        step = *s;
      }
      if (range != "*") {
        const size_t dash = range.find('-', 1);
        sim::Result<int> a = value(range.substr(0, dash));
        if (!a.ok()) return a.error();
        first = *a;
        if (dash != std::string::npos) {
          sim::Result<int> b = value(range.substr(dash + 1));
          if (!b.ok()) return b.error();
          last = *b;
          if (last < first) return fail("range " + range + " runs backwards");
        } else if (part.find('/') == std::string::npos) {
          last = first;
        }
      }
      for (int v = first; v <= last; v += step) values[static_cast<size_t>(v - spec_.min)] = true;
    }
    return sim::Status();
  }

 private:
  sim::Error fail(const std::string& what) const {
    return sim::invalid_argument("cron \"" + std::string(expression_) + "\": " + spec_.name + ": " + what);
  }

  sim::Result<int> number(const std::string& text, int min, int max) const {
    if (text.empty() || text.size() > 4 || !std::all_of(text.begin(), text.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); })) {
      return fail("expected a number, got \"" + text + "\"");
    }
    const int v = std::stoi(text);
    if (v < min || v > max) return fail(text + " is out of range " + std::to_string(min) + "-" + std::to_string(max));
    return v;
  }

  sim::Result<int> value(const std::string& text) const {
    for (size_t i = 0; i < spec_.names.size(); ++i) {
      std::string upper = text;
      for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (upper == spec_.names[i]) return spec_.min + static_cast<int>(i);
    }
    return number(text, spec_.min, spec_.max);
  }

  std::string_view expression_;
  const FieldSpec& spec_;
};

template <size_t N>
void copy_bits(const std::vector<bool>& values, int offset, std::bitset<N>& bits) {
  for (size_t i = 0; i < values.size(); ++i) bits[i + static_cast<size_t>(offset)] = values[i];
}

}  // namespace

sim::Result<CronSchedule> CronSchedule::parse(std::string_view expression) {
  std::vector<std::string> fields;
  std::stringstream in{std::string(expression)};
  for (std::string f; in >> f;) fields.push_back(f);
  const std::string quoted = "cron \"" + std::string(expression) + "\": ";
  if (fields.size() < 6 || fields.size() > 7) {
    return sim::invalid_argument(quoted + "expected 6 or 7 fields (seconds minutes hours day-of-month month "
                                 "day-of-week [year]), got " + std::to_string(fields.size()));
  }
  CronSchedule s;
  s.expression_ = std::string(expression);
  std::vector<bool> v;
  bool days_unspecified = false, weekdays_unspecified = false;
  const auto parse = [&](size_t index, const FieldSpec& spec, bool* unspecified) {
    return FieldParser(expression, spec).parse(fields[index], v, unspecified);
  };
  if (sim::Status st = parse(0, kSeconds, nullptr); !st.ok()) return st.error();
  copy_bits(v, 0, s.seconds_);
  if (sim::Status st = parse(1, kMinutes, nullptr); !st.ok()) return st.error();
  copy_bits(v, 0, s.minutes_);
  if (sim::Status st = parse(2, kHours, nullptr); !st.ok()) return st.error();
  copy_bits(v, 0, s.hours_);
  if (sim::Status st = parse(3, kDays, &days_unspecified); !st.ok()) return st.error();
  copy_bits(v, 1, s.days_);
  if (sim::Status st = parse(4, kMonths, nullptr); !st.ok()) return st.error();
  copy_bits(v, 1, s.months_);
  if (sim::Status st = parse(5, kWeekdays, &weekdays_unspecified); !st.ok()) return st.error();
  copy_bits(v, 1, s.weekdays_);
  if (fields.size() == 7) {
    if (sim::Status st = parse(6, kYears, nullptr); !st.ok()) return st.error();
    copy_bits(v, 0, s.years_);
  } else {
    s.years_.set();
  }
  if (days_unspecified == weekdays_unspecified) {
    return sim::invalid_argument(quoted + "exactly one of day-of-month and day-of-week must be ? (Quartz does not "
                                 "combine them)");
  }
  s.by_weekday_ = days_unspecified;
  return s;
}

std::optional<int64_t> CronSchedule::next_after(int64_t after) const {
  int64_t t = after < 0 ? 0 : after + 1;
  // Each step moves to the next second, minute, hour, day, month or year that could match, so a
  // schedule that matches at all is found within a few thousand steps.
  for (int guard = 0; guard < 1'000'000; ++guard) {
    const int64_t day = t / kDay;
    const int64_t second_of_day = t % kDay;
    const Civil c = civil_from_days(day);
    if (c.year > kLastYear) return std::nullopt;
    if (!years_[static_cast<size_t>(c.year - kFirstYear)]) {
      t = days_before(c.year + 1, 1) * kDay;
      continue;
    }
    if (!months_[static_cast<size_t>(c.month)]) {
      t = (c.month == 12 ? days_before(c.year + 1, 1) : days_before(c.year, c.month + 1)) * kDay;
      continue;
    }
    const bool day_matches = by_weekday_ ? weekdays_[static_cast<size_t>(c.weekday)] : days_[static_cast<size_t>(c.day)];
    if (!day_matches) {
      t = (day + 1) * kDay;
      continue;
    }
    const int64_t hour = second_of_day / 3600, minute = second_of_day / 60 % 60, second = second_of_day % 60;
    if (!hours_[static_cast<size_t>(hour)]) {
      t = day * kDay + (hour + 1) * 3600;
      continue;
    }
    if (!minutes_[static_cast<size_t>(minute)]) {
      t = day * kDay + hour * 3600 + (minute + 1) * 60;
      continue;
    }
    if (!seconds_[static_cast<size_t>(second)]) {
      ++t;
      continue;
    }
    return t;
  }
  return std::nullopt;
}

sim::Result<int64_t> parse_utc_time(std::string_view text) {
  const auto bad = [&] {
    return sim::invalid_argument("\"" + std::string(text) + "\" is not a UTC time like 2026-01-05T09:30:00Z");
  };
  std::string s(text);
  if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) s.pop_back();
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  char t = 0;
  int consumed = 0;
  const int n = std::sscanf(s.c_str(), "%4d-%2d-%2d%c%2d:%2d%n", &y, &mo, &d, &t, &h, &mi, &consumed);
  if (n < 6 || (t != 'T' && t != ' ')) return bad();
  std::string rest = s.substr(static_cast<size_t>(consumed));
  if (!rest.empty()) {
    int more = 0;
    if (std::sscanf(rest.c_str(), ":%2d%n", &sec, &more) != 1 || static_cast<size_t>(more) != rest.size()) return bad();
  }
  if (y < kFirstYear || y > kLastYear || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
      sec > 59 || h < 0 || mi < 0 || sec < 0) {
    return bad();
  }
  return (days_before(y, mo) + d - 1) * kDay + h * 3600 + mi * 60 + sec;
}

CivilTime civil_time(int64_t seconds) {
  const Civil c = civil_from_days(seconds / kDay);
  const int64_t s = seconds % kDay;
  return CivilTime{c.year, c.month, c.day, c.weekday, static_cast<int>(s / 3600), static_cast<int>(s / 60 % 60),
                   static_cast<int>(s % 60)};
}

int64_t los_angeles_offset(int64_t utc) {
  const int year = civil_from_days(utc / kDay).year;
  // The n-th Sunday of a month: the first day's weekday gives the first Sunday.
  const auto sunday = [&](int month, int n) {
    const int64_t first = days_before(year, month);
    const int weekday = civil_from_days(first).weekday;  // 1 = Sunday
    return first + (8 - weekday) % 7 + 7 * (n - 1);
  };
  const int64_t starts = sunday(3, 2) * kDay + 10 * 3600;
  const int64_t ends = sunday(11, 1) * kDay + 9 * 3600;
  return utc >= starts && utc < ends ? -7 * 3600 : -8 * 3600;
}

std::string format_utc_time(int64_t seconds) {
  const Civil c = civil_from_days(seconds / kDay);
  const int64_t s = seconds % kDay;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day, static_cast<int>(s / 3600),
                static_cast<int>(s / 60 % 60), static_cast<int>(s % 60));
  return buffer;
}

}  // namespace deploysim::strategies
