// WallClockDriver: events run in order and never before the wall clock reaches their time. No
// upper bounds on lateness are asserted: shared machines are noisy.
#include "sim/kernel/wall_clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace deploysim::sim {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point origin) {
  return std::chrono::duration<double>(Clock::now() - origin).count();
}

TEST(WallClockDriver, RunsEventsInOrderAndNeverEarly) {
  EventLoop loop;
  constexpr double kSpeed = 10;  // 10 simulated seconds per wall second
  WallClockDriver driver(loop, kSpeed);
  struct Fired {
    int id;
    TimePoint due;
    double wall_seconds;
  };
  std::vector<Fired> fired;
  const Clock::time_point origin = Clock::now();
  const std::vector<int64_t> due_ms = {300, 0, 120, 120, 50, 600};
  for (size_t i = 0; i < due_ms.size(); ++i) {
    const TimePoint due = TimePoint::start() + Duration::millis(due_ms[i]);
    loop.schedule(due, [&, due, i] {
      fired.push_back({static_cast<int>(i), due, seconds_since(origin)});
    });
  }
  driver.run_until(TimePoint::start() + Duration::millis(700));
  EXPECT_GE(seconds_since(origin), 0.07) << "run_until returns only when the limit is reached";
  EXPECT_EQ(loop.now(), TimePoint::start() + Duration::millis(700));
  ASSERT_EQ(fired.size(), due_ms.size());
  const std::vector<int> expected_order = {1, 4, 2, 3, 0, 5};
  for (size_t k = 0; k < fired.size(); ++k) {
    EXPECT_EQ(fired[k].id, expected_order[k]);
    EXPECT_GE(fired[k].wall_seconds, fired[k].due.since_start().to_seconds() / kSpeed)
        << "event " << fired[k].id << " ran before it was due";
  }
}

TEST(WallClockDriver, PostedWorkFromAnotherThreadRunsOnTheLoop) {
  EventLoop loop;
  WallClockDriver driver(loop, 1.0);
  const std::thread::id loop_thread = std::this_thread::get_id();
  std::thread::id ran_on;
  TimePoint ran_at;
  std::thread poster([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    driver.post([&] {
      ran_on = std::this_thread::get_id();
      ran_at = loop.now();
      driver.stop();
    });
  });
  const Clock::time_point origin = Clock::now();
  driver.run_until(TimePoint::start() + Duration::seconds(60));
  poster.join();
  EXPECT_EQ(ran_on, loop_thread);
  // It ran at the simulated time matching the wall clock when it arrived, not at 0 or the limit.
  EXPECT_GE(ran_at, TimePoint::start() + Duration::millis(30));
  EXPECT_LE(ran_at.since_start().to_seconds(), seconds_since(origin));
  EXPECT_LT(loop.now(), TimePoint::start() + Duration::seconds(60)) << "stop() ended the run early";
}

TEST(WallClockDriver, EventsScheduledByHandlersAreHonoured) {
  EventLoop loop;
  WallClockDriver driver(loop, 100.0);
  int ticks = 0;
  struct Tick {
    EventLoop* loop;
    int* ticks;
    void operator()() const {
      ++*ticks;
      loop->schedule_after(Duration::seconds(1), *this);
    }
  };
  loop.schedule(TimePoint::start(), Tick{&loop, &ticks});
  const Clock::time_point origin = Clock::now();
  driver.run_until(TimePoint::start() + Duration::seconds(5));
  EXPECT_EQ(ticks, 6);  // 0s .. 5s
  EXPECT_GE(seconds_since(origin), 0.05);
}

}  // namespace
}  // namespace deploysim::sim
