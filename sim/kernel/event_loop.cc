// The event loop: slots hold actions, the radix heap orders them, cancellation is lazy.
#include "sim/kernel/event_loop.h"

#include <utility>

#include "sim/kernel/check.h"

namespace deploysim::sim {

EventLoop::EventLoop(TimePoint start) : now_(start) {
  DEPLOYSIM_CHECK(start >= TimePoint::start(), "an EventLoop cannot start before time zero");
}

EventHandle EventLoop::schedule(TimePoint at, Action action) {
  DEPLOYSIM_CHECK(at >= now_, "EventLoop::schedule: the event at " + to_string(at) +
                                  " is in the past (now is " + to_string(now_) +
                                  "); schedule at now() or later");
  DEPLOYSIM_CHECK(static_cast<bool>(action), "EventLoop::schedule: the action is empty");
  uint32_t slot = free_head_;
  if (slot != kNoSlot) {
    free_head_ = slots_[slot].next_free;
  } else {
    DEPLOYSIM_CHECK(slots_.size() < kNoSlot, "EventLoop: more than 4 billion pending events");
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  ++s.generation;  // odd (free) -> even (pending)
  s.action = std::move(action);
  queue_.push(QueueEntry{static_cast<uint64_t>(at.micros_since_start()), slot, s.generation});
  ++live_;
  return EventHandle(slot, s.generation);
}

bool EventLoop::is_pending(EventHandle handle) const {
  return handle.valid() && handle.slot_ < slots_.size() &&
         slots_[handle.slot_].generation == handle.generation_;
}

bool EventLoop::cancel(EventHandle handle) {
  if (!is_pending(handle)) return false;
  release(handle.slot_);
  --live_;
  ++tombstones_;
  compact_if_needed();
  return true;
}

void EventLoop::release(uint32_t slot) {
  Slot& s = slots_[slot];
  s.action.reset();
  ++s.generation;  // even (pending) -> odd (free): outstanding handles and queue entries go stale
  if (s.generation == UINT32_MAX) s.generation = 1;  // wrap, staying odd and never 0
  s.next_free = free_head_;
  free_head_ = slot;
}

void EventLoop::compact_if_needed() {
  // Tombstones cost memory and a skip each. Compacting is O(queue size), so do it only when they
  // outnumber live events (amortised O(1) per cancel).
  if (tombstones_ < 1024 || tombstones_ < live_) return;
  queue_.remove_if(
      [this](const QueueEntry& e) { return slots_[e.slot].generation != e.generation; });
  tombstones_ = 0;
}

bool EventLoop::settle_head() {
  while (!queue_.empty()) {
    const QueueEntry& top = queue_.top();
    if (slots_[top.slot].generation == top.generation) return true;
    queue_.pop();
    --tombstones_;
  }
  return false;
}

std::optional<TimePoint> EventLoop::next_event_time() {
  if (!settle_head()) return std::nullopt;
  return TimePoint::from_micros(static_cast<int64_t>(queue_.top().time));
}

bool EventLoop::step() {
  if (!settle_head()) return false;
  const QueueEntry top = queue_.top();
  queue_.pop_top();
  now_ = TimePoint::from_micros(static_cast<int64_t>(top.time));
  // Move the action out before running it: it may schedule events, which can grow slots_. Its
  // slot is free while it runs, so cancelling the running event is a no-op that returns false.
  Action action = std::move(slots_[top.slot].action);
  release(top.slot);
  --live_;
  ++events_run_;
  action();
  return true;
}

void EventLoop::run_until(TimePoint limit) {
  DEPLOYSIM_CHECK(limit >= now_, "EventLoop::run_until: the limit " + to_string(limit) +
                                     " is before now (" + to_string(now_) + ")");
  stop_requested_ = false;
  while (!stop_requested_ && settle_head() &&
         queue_.top().time <= static_cast<uint64_t>(limit.micros_since_start())) {
    step();
  }
  if (!stop_requested_) now_ = limit;
  stop_requested_ = false;
}

void EventLoop::run() {
  stop_requested_ = false;
  while (!stop_requested_ && step()) {
  }
  stop_requested_ = false;
}

void EventLoop::advance_to(TimePoint t) {
  DEPLOYSIM_CHECK(t >= now_, "EventLoop::advance_to: " + to_string(t) + " is before now (" +
                                 to_string(now_) + ")");
  const std::optional<TimePoint> next = next_event_time();
  DEPLOYSIM_CHECK(!next || *next >= t, "EventLoop::advance_to: " + to_string(t) +
                                           " would skip the event pending at " + to_string(*next));
  now_ = t;
}

}  // namespace deploysim::sim
