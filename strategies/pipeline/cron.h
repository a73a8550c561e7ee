// Cron schedules as Spinnaker's cron triggers write them: Quartz expressions, evaluated in UTC.
//
//   seconds minutes hours day-of-month month day-of-week [year]
//
// Each field takes `*`, a value, a range `a-b`, a step `a/n`, `*/n` or `a-b/n`, and lists of these
// separated by commas. Months may be named JAN-DEC and weekdays SUN-SAT (Quartz numbers weekdays
// 1 = Sunday to 7 = Saturday). Exactly one of day-of-month and day-of-week is `?` ("no specific
// value"), as Quartz requires. Quartz's `L`, `W` and `#` are not supported and say so.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/kernel/result.h"

namespace deploysim::strategies {

class CronSchedule {
 public:
  // Errors name the field and what was expected, e.g. `cron "0 0 25 * * ?": hours: 25 is out of
  // range 0-23`.
  static sim::Result<CronSchedule> parse(std::string_view expression);

  // The first time strictly after `after` (seconds since 1970-01-01T00:00:00Z) that matches, or
  // nullopt if none does before the end of 2099 (Quartz's last year).
  std::optional<int64_t> next_after(int64_t after) const;

  const std::string& expression() const { return expression_; }

 private:
  std::string expression_;
  std::bitset<60> seconds_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;      // 1-31
  std::bitset<13> months_;    // 1-12
  std::bitset<8> weekdays_;   // 1 (Sunday) - 7 (Saturday)
  std::bitset<130> years_;    // 1970 + index
  bool by_weekday_ = false;   // day-of-month is "?": match on weekdays
};

// Reads an ISO 8601 UTC time, "2026-01-05T09:30:00Z" (the Z may be omitted; seconds too), as
// seconds since 1970-01-01T00:00:00Z.
sim::Result<int64_t> parse_utc_time(std::string_view text);

// The same time written back as "2026-01-05T09:30:00Z".
std::string format_utc_time(int64_t seconds);

// The calendar fields of a time in seconds since 1970 (weekday 1 = Sunday ... 7 = Saturday, as
// Quartz and Java's Calendar number them).
struct CivilTime {
  int year = 1970, month = 1, day = 1, weekday = 5, hour = 0, minute = 0, second = 0;
};
CivilTime civil_time(int64_t seconds);

// America/Los_Angeles minus UTC at the UTC time `utc`, in seconds: -7 h in US daylight saving time
// (from the second Sunday of March, 10:00 UTC, to the first Sunday of November, 09:00 UTC: the
// rules since 2007), else -8 h. Orca evaluates execution windows in this zone by default.
int64_t los_angeles_offset(int64_t utc);

}  // namespace deploysim::strategies
