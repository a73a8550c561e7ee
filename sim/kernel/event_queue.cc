// The slow paths of the radix heap: moving the lowest bucket down when the current list is used
// up, and growing the chunk pool.
#include "sim/kernel/event_queue.h"

#include <algorithm>

#include "sim/kernel/check.h"

namespace deploysim::sim {

uint32_t EventQueue::acquire() {
  if (free_ == kNone) {
    // Grow by half again (at least 64 chunks), threading the new chunks onto the free list.
    const std::size_t old_size = chunks_.size();
    const std::size_t new_size = std::max<std::size_t>(old_size + old_size / 2, old_size + 64);
    DEPLOYSIM_CHECK(new_size < kNone, "EventQueue: too many pending events");
    chunks_.resize(new_size);
    for (std::size_t i = new_size; i-- > old_size;) release(static_cast<uint32_t>(i));
  }
  const uint32_t chunk = free_;
  free_ = chunks_[chunk].next;
  chunks_[chunk].count = 0;
  chunks_[chunk].next = kNone;
  return chunk;
}

void EventQueue::rewind(uint64_t time) {
  // Buckets above the highest digit where `time` and last_ differ hold the same entries relative to
  // either key (the two agree on every digit above it). Everything at or below it, and the current
  // list, is collected list by list (equal keys share a list, so their order survives) and
  // re-appended relative to the new reference.
  const unsigned top_level = static_cast<unsigned>(63 - std::countl_zero(time ^ last_)) / kDigitBits;
  scratch_.clear();
  const auto collect = [&](unsigned list) {
    List& l = lists_[list];
    uint32_t read = l.read;
    for (uint32_t c = l.head; c != kNone;) {
      const uint32_t next = chunks_[c].next;
      for (uint32_t i = read; i < chunks_[c].count; ++i) scratch_.push_back(chunks_[c].entries[i]);
      release(c);
      c = next;
      read = 0;
    }
    l = List{};
    if (list != kCurrent) clear_occupied(list);
  };
  collect(kCurrent);
  for (unsigned b = 0; b < (top_level + 1) * kDigits; ++b) {
    if (lists_[b].head != kNone) collect(b);
  }
  last_ = time;
  for (const QueueEntry& e : scratch_) append(bucket_of(e.time), e);  // all > time
}

void EventQueue::refill_current() {
  unsigned bucket = kBuckets;
  for (unsigned word = 0; word < occupied_.size(); ++word) {
    if (occupied_[word] != 0) {
      bucket = word * 64 + static_cast<unsigned>(std::countr_zero(occupied_[word]));
      break;
    }
  }
  DEPLOYSIM_CHECK(bucket < kBuckets, "EventQueue: top() or pop() on an empty queue");
  const List source = lists_[bucket];
  lists_[bucket] = List{};
  clear_occupied(bucket);
  // Buckets are never partly consumed (only the current list is popped from), so the minimum kept
  // while appending is the minimum of the entries present.
  last_ = source.min;

  if (bucket < kDigits) {
    // Level 0: every key here agrees with the old last key above the lowest digit and has the same
    // lowest digit, so all are equal to the new last key. Splice the list over unchanged.
    lists_[kCurrent] = source;
    lists_[kCurrent].read = 0;
    return;
  }
  // Every entry lands on a lower level or in the current list, in the order it had: that is what
  // keeps equal times first-in, first-out. Each source chunk is released after it has been read,
  // so it can serve the lists being filled.
  for (uint32_t c = source.head; c != kNone;) {
    const uint32_t next = chunks_[c].next;
    const uint32_t count = chunks_[c].count;
    for (uint32_t i = 0; i < count; ++i) {
      const QueueEntry e = chunks_[c].entries[i];
      append(e.time == last_ ? kCurrent : bucket_of(e.time), e);
    }
    release(c);
    c = next;
  }
}

}  // namespace deploysim::sim
