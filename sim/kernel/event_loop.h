// EventLoop: the deterministic heart of a run. Events fire in (time, scheduling order); the same
// schedule calls in the same order give the same run, every time, on any machine.
//
// One loop per run, passed to whatever needs it (never global), so many runs can go in parallel on
// threads. The loop itself is single-threaded: only the thread running it may call it. Work from
// other threads reaches it through WallClockDriver::post.
//
// Time advances only by running the loop. EventLoop::run and run_until are the virtual clock: they
// jump straight to the next event. WallClockDriver (wall_clock.h) runs the same loop against real
// time. Code that schedules events cannot tell which clock drives it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "sim/kernel/action.h"
#include "sim/kernel/event_queue.h"
#include "sim/kernel/time.h"

namespace deploysim::sim {

// Names a scheduled event so that it can be cancelled. Default-constructed handles name nothing.
// Handles stay safe to use after the event fired or was cancelled (cancel then returns false).
class EventHandle {
 public:
  EventHandle() = default;
  bool valid() const { return generation_ != 0; }
  friend bool operator==(EventHandle, EventHandle) = default;

 private:
  friend class EventLoop;
  EventHandle(uint32_t slot, uint32_t generation) : slot_(slot), generation_(generation) {}
  uint32_t slot_ = 0;
  uint32_t generation_ = 0;
};

class EventLoop {
 public:
  explicit EventLoop(TimePoint start = TimePoint::start());
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // The current simulated time: the time of the event being run, or where run_until stopped.
  TimePoint now() const { return now_; }

  // Schedules `action` to run at `at`. Events at the same time run in the order they were
  // scheduled. REQUIRES: at >= now(); scheduling in the past is a programming error and stops the
  // program (schedule at now() to run "as soon as possible").
  EventHandle schedule(TimePoint at, Action action);

  // schedule(now() + delay, action). REQUIRES: delay >= 0.
  EventHandle schedule_after(Duration delay, Action action) {
    return schedule(now_ + delay, std::move(action));
  }

  // Cancels a pending event: it will not run. Returns true if it was pending, false if it already
  // ran, is running now, was cancelled before, or `handle` names nothing. O(1): the queue entry
  // stays behind as a tombstone and is skipped (and compacted away when tombstones pile up).
  bool cancel(EventHandle handle);

  // Whether `handle` names an event that has not yet run or been cancelled.
  bool is_pending(EventHandle handle) const;

  // The number of events scheduled and neither run nor cancelled.
  std::size_t pending() const { return live_; }

  // The number of events run so far.
  uint64_t events_run() const { return events_run_; }

  // The time of the next pending event, if any.
  std::optional<TimePoint> next_event_time();

  // Virtual clock: runs every event due at or before `limit` (including events those events
  // schedule), then leaves now() at `limit`. Returns early, with now() at the last event run, if
  // request_stop() is called. REQUIRES: limit >= now().
  void run_until(TimePoint limit);

  // Virtual clock: runs events until none is pending or request_stop() is called.
  void run();

  // Runs the next pending event, advancing now() to its time. Returns false if none is pending.
  bool step();

  // Makes run() / run_until() return after the event now running. Cleared when they return.
  void request_stop() { stop_requested_ = true; }

  // Moves now() forward without running anything, for clocks that let time pass between events.
  // REQUIRES: now() <= t, and no pending event earlier than t.
  void advance_to(TimePoint t);

 private:
  struct Slot {
    Action action;
    uint32_t generation = 1;  // odd while free, even while holding a pending event
    uint32_t next_free = 0;
  };

  // Drops tombstones at the head of the queue; true if a live event remains.
  bool settle_head();
  void release(uint32_t slot);
  void compact_if_needed();

  EventQueue queue_;
  std::vector<Slot> slots_;
  static constexpr uint32_t kNoSlot = UINT32_MAX;
  uint32_t free_head_ = kNoSlot;
  std::size_t live_ = 0;
  std::size_t tombstones_ = 0;
  uint64_t events_run_ = 0;
  TimePoint now_;
  bool stop_requested_ = false;
};

}  // namespace deploysim::sim
