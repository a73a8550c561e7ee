// The wall-clock driver: maps simulated time onto std::chrono::steady_clock and sleeps until each
// event is due. The only file in sim/ allowed to read a system clock.
#include "sim/kernel/wall_clock.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "sim/kernel/check.h"

namespace deploysim::sim {

WallClockDriver::WallClockDriver(EventLoop& loop, double speed) : loop_(loop), speed_(speed) {
  DEPLOYSIM_CHECK(speed > 0 && std::isfinite(speed),
                  "WallClockDriver: speed must be a positive number of simulated seconds per "
                  "wall second");
}

void WallClockDriver::post(Action action) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    posted_.push_back(std::move(action));
  }
  wake_.notify_one();
}

void WallClockDriver::stop() {
  {
    // Under the mutex so that a sleeping run_until cannot miss the notification.
    std::lock_guard<std::mutex> lock(mutex_);
    stop_requested_.store(true);
  }
  wake_.notify_one();
}

bool WallClockDriver::take_posted() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (posted_.empty()) return false;
    taking_.swap(posted_);
  }
  for (Action& action : taking_) loop_.schedule(loop_.now(), std::move(action));
  taking_.clear();
  return true;
}

void WallClockDriver::run_until(TimePoint limit) {
  DEPLOYSIM_CHECK(limit >= loop_.now(), "WallClockDriver::run_until: the limit " +
                                            to_string(limit) + " is before now (" +
                                            to_string(loop_.now()) + ")");
  using Clock = std::chrono::steady_clock;
  const Clock::time_point wall_origin = Clock::now();
  const TimePoint sim_origin = loop_.now();
  // Simulated time -> the wall-clock instant it falls due, and back.
  const auto wall_due = [&](TimePoint t) {
    // Capped at ~3 years so that a far limit cannot overflow the clock's representation.
    const double wall_seconds = std::min((t - sim_origin).to_seconds() / speed_, 1e8);
    return wall_origin + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(wall_seconds));
  };
  const auto sim_now = [&] {
    const double elapsed = std::chrono::duration<double>(Clock::now() - wall_origin).count();
    // Round down: an event must never run before the wall clock reaches its time.
    const auto micros = static_cast<int64_t>(std::floor(elapsed * speed_ * 1e6));
    return sim_origin + Duration::micros(micros);
  };

  stop_requested_.store(false);
  while (!stop_requested_.load()) {
    take_posted();
    const std::optional<TimePoint> next = loop_.next_event_time();
    const TimePoint target = next ? std::min(*next, limit) : limit;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait_until(lock, wall_due(target),
                       [&] { return !posted_.empty() || stop_requested_.load(); });
    }
    const TimePoint reached = std::min(target, sim_now());
    if (reached < target) {
      // Woken early by a post or stop: let time catch up with the wall clock, no further.
      if (reached > loop_.now()) loop_.advance_to(reached);
      continue;
    }
    if (next && *next <= limit) {
      loop_.step();
    } else {
      loop_.advance_to(limit);
      return;
    }
  }
}

}  // namespace deploysim::sim
