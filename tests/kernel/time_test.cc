// Duration and TimePoint: parsing and printing human durations exactly, and their arithmetic.
#include "sim/kernel/time.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace deploysim::sim {
namespace {

Duration parsed(std::string_view text) {
  Result<Duration> d = parse_duration(text);
  EXPECT_TRUE(d.ok()) << text << ": " << (d.ok() ? "" : d.error().message);
  return d.ok() ? *d : Duration::zero();
}

TEST(Duration, ParsesTheDocumentedForms) {
  EXPECT_EQ(parsed("250ms"), Duration::millis(250));
  EXPECT_EQ(parsed("90s"), Duration::seconds(90));
  EXPECT_EQ(parsed("5m"), Duration::minutes(5));
  EXPECT_EQ(parsed("1h30m"), Duration::minutes(90));
  EXPECT_EQ(parsed("2h"), Duration::hours(2));
  EXPECT_EQ(parsed("1m30s250ms"), Duration::millis(90'250));
  EXPECT_EQ(parsed("7us"), Duration::micros(7));
  EXPECT_EQ(parsed("0"), Duration::zero());
  EXPECT_EQ(parsed("0s"), Duration::zero());
  EXPECT_EQ(parsed("1.5s"), Duration::millis(1500));
  EXPECT_EQ(parsed("0.25h"), Duration::minutes(15));
  EXPECT_EQ(parsed(".5ms"), Duration::micros(500));
  EXPECT_EQ(parsed("36h"), Duration::hours(36));
}

TEST(Duration, PrintsLargestUnitsFirst) {
  EXPECT_EQ(to_string(Duration::seconds(90)), "1m30s");
  EXPECT_EQ(to_string(Duration::minutes(90)), "1h30m");
  EXPECT_EQ(to_string(Duration::hours(2)), "2h");
  EXPECT_EQ(to_string(Duration::millis(250)), "250ms");
  EXPECT_EQ(to_string(Duration::micros(3'600'000'001)), "1h1us");
  EXPECT_EQ(to_string(Duration::zero()), "0s");
  EXPECT_EQ(to_string(-Duration::seconds(3)), "-3s");
  EXPECT_EQ(to_string(TimePoint::start() + Duration::minutes(5)), "T+5m");
}

TEST(Duration, RoundTripsThroughText) {
  for (const char* text : {"250ms", "90s", "5m", "1h30m", "2h", "1m30s250ms", "1h1us"}) {
    const Duration d = parsed(text);
    EXPECT_EQ(parsed(to_string(d)), d) << text;
  }
  // Values spread over the whole range, including the largest.
  uint64_t x = 0x243f6a8885a308d3ULL;
  for (int i = 0; i < 2000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const Duration d = Duration::micros(static_cast<int64_t>(x >> (1 + i % 63)));
    EXPECT_EQ(parsed(to_string(d)), d) << to_string(d);
  }
  EXPECT_EQ(parsed(to_string(Duration::max())), Duration::max());
}

void expect_error(std::string_view text, std::string_view fragment) {
  Result<Duration> d = parse_duration(text);
  ASSERT_FALSE(d.ok()) << "\"" << text << "\" should not parse";
  EXPECT_EQ(d.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(d.error().message.find(fragment), std::string::npos)
      << "message for \"" << text << "\" was: " << d.error().message;
  // Every message quotes the offending text.
  std::string quoted = "\"";
  quoted.append(text);
  quoted.push_back('"');
  EXPECT_NE(d.error().message.find(quoted), std::string::npos);
}

TEST(Duration, RejectsBadTextWithAClearReason) {
  expect_error("5 minutes", "unexpected character ' '");
  expect_error("5minutes", "unknown unit \"minutes\"");
  expect_error("-3s", "cannot be negative");
  expect_error("+3s", "sign");
  expect_error("", "empty");
  expect_error("5", "missing unit");
  expect_error("s", "expected a number");
  expect_error("30m1h", "out of order");
  expect_error("1s1s", "repeated");
  expect_error("1.s", "followed by digits");
  expect_error("0.0000001s", "finer than the 1us");
  expect_error("1.5us", "finer than the 1us");
  expect_error("5d", "unknown unit \"d\"");
}

TEST(Duration, RejectsOverflow) {
  expect_error("9223372036854775808us", "too large");
  // The largest duration is 2^63-1 microseconds = 2562047788h54s775807us.
  expect_error("2562047789h", "too large");
  expect_error("2562047788h1m", "too large");  // the sum overflows, no single part does
  expect_error("2562047788h54s775808us", "too large");
  expect_error("99999999999999999999999s", "too large");
  Result<Duration> largest = parse_duration("2562047788h54s775807us");
  ASSERT_TRUE(largest.ok());
  EXPECT_EQ(*largest, Duration::max());
}

TEST(TimePoint, ArithmeticKeepsUnitsApart) {
  const TimePoint t = TimePoint::start() + Duration::seconds(10);
  EXPECT_EQ(t - TimePoint::start(), Duration::seconds(10));
  EXPECT_EQ((t + Duration::millis(500)).micros_since_start(), 10'500'000);
  EXPECT_LT(t, t + Duration::micros(1));
  EXPECT_EQ(Duration::minutes(3) / Duration::seconds(1), 180);
  EXPECT_DOUBLE_EQ(Duration::millis(1500).to_seconds(), 1.5);
}

}  // namespace
}  // namespace deploysim::sim
