// WallClockDriver: runs an EventLoop against real time instead of jumping from event to event.
// Each event runs when the wall clock reaches its time (scaled by `speed`), never before. The real
// provider runs this way: its processes, sockets and HAProxy live in real time, and the pipeline
// code above sees the same EventLoop as in simulation.
//
// This is the only place in sim/ that reads the system clock (the determinism lint allows it here
// and nowhere else). A wall-clock run is not reproducible event for event; a virtual one is.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "sim/kernel/action.h"
#include "sim/kernel/event_loop.h"
#include "sim/kernel/time.h"

namespace deploysim::sim {

class WallClockDriver {
 public:
  // `speed` is simulated seconds per wall second: 1 is real time, 60 runs a minute each second.
  // REQUIRES: speed > 0. The loop must outlive the driver.
  explicit WallClockDriver(EventLoop& loop, double speed = 1.0);
  WallClockDriver(const WallClockDriver&) = delete;
  WallClockDriver& operator=(const WallClockDriver&) = delete;

  // Runs events as they fall due until simulated time `limit` is reached, then returns with
  // loop.now() == limit. Returns sooner if stop() is called (now() is then the time reached).
  // Sleeps while nothing is due; actions posted from other threads wake it.
  // REQUIRES: limit >= loop.now(); called on the loop's thread.
  void run_until(TimePoint limit);

  // Thread-safe. Hands `action` to the loop, to run on the loop's thread at the simulated time
  // matching the wall clock when run_until next wakes. Use it to deliver real-world completions
  // (a process exited, an HTTP reply arrived) into the run.
  void post(Action action);

  // Thread-safe. Makes run_until return as soon as the event now running (if any) finishes.
  void stop();

 private:
  // Schedules posted actions at the current time; returns false if none was waiting.
  bool take_posted();

  EventLoop& loop_;
  const double speed_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Action> posted_;        // guarded by mutex_
  std::vector<Action> taking_;        // loop thread only; swapped with posted_ to reuse capacity
  std::atomic<bool> stop_requested_{false};
};

}  // namespace deploysim::sim
