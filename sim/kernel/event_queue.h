// EventQueue: the pending-event set of the event loop, ordered by (time, insertion order).
//
// A radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990) with base-16 digits. It relies on what a
// discrete-event simulation guarantees anyway: keys are integers and never smaller than the last
// key removed (nothing is scheduled in the past). Looking at top() moves the reference key up to the
// smallest key present; a key pushed below it afterwards (an event scheduled between now and the
// next event, after a peek) rewinds the reference, redistributing only the buckets at or below the
// highest digit in which the two keys differ. Keys equal to that last key wait in the
// "current" list, popped first-in first-out. Any other key goes to bucket (level, digit): level is
// the highest 4-bit digit in which it differs from the last key, digit is its own value there.
// Ordered by (level, digit), buckets partition the keys by value, so the lowest non-empty bucket
// holds the smallest keys. When the current list runs dry, that bucket's minimum becomes the new
// last key and its entries move down to lower levels (or to the current list): each move drops at
// least one level, so an entry moves at most 16 times, and in practice two or three.
//
// Equal keys always land in the same bucket and every move keeps order, so equal times come out in
// insertion order with no sequence number stored.
//
// Storage: buckets are linked lists of fixed-size chunks drawn from one shared pool. A bucket with
// s entries holds at most ceil(s / kChunkEntries) chunks, so the chunks in use never exceed
// size() / kChunkEntries + kBuckets + 1: once the pool has held that many it never grows again, and
// a queue of steady size allocates nothing, ever. (Per-bucket vectors would keep growing whenever
// a bucket set a new size record.)
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace deploysim::sim {

struct QueueEntry {
  uint64_t time;        // microseconds since the start of the run
  uint32_t slot;        // the event loop's slot holding the action
  uint32_t generation;  // the slot's generation when scheduled; a mismatch means cancelled
};

class EventQueue {
 public:
  EventQueue() = default;

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  // REQUIRES: entry.time >= the time of the last entry removed by pop().
  void push(const QueueEntry& entry) {
    if (entry.time < last_) [[unlikely]] rewind(entry.time);
    append(entry.time == last_ ? kCurrent : bucket_of(entry.time), entry);
    ++size_;
  }

  // The earliest entry (first inserted among equal times). REQUIRES: !empty().
  const QueueEntry& top() {
    if (lists_[kCurrent].head == kNone) refill_current();
    const List& current = lists_[kCurrent];
    return chunks_[current.head].entries[current.read];
  }

  // Removes top(). REQUIRES: !empty().
  void pop() {
    if (lists_[kCurrent].head == kNone) refill_current();
    pop_top();
  }

  // pop() right after top(), which has already filled the current list.
  void pop_top() {
    List& current = lists_[kCurrent];
    Chunk& chunk = chunks_[current.head];
    ++current.read;
    --size_;
    if (current.read == chunk.count) {
      const uint32_t used_up = current.head;
      current.head = chunk.next;
      current.read = 0;
      if (current.head == kNone) current.tail = kNone;
      release(used_up);
    }
  }

  // Removes every entry for which drop(entry) is true, keeping the order of the rest. O(size).
  template <class Predicate>
  void remove_if(Predicate drop) {
    for (unsigned b = 0; b < kLists; ++b) {
      uint32_t chunk = lists_[b].head;
      uint32_t read = lists_[b].read;
      lists_[b] = List{};
      if (b != kCurrent) clear_occupied(b);
      while (chunk != kNone) {
        const uint32_t next = chunks_[chunk].next;
        for (uint32_t i = read; i < chunks_[chunk].count; ++i) {
          const QueueEntry e = chunks_[chunk].entries[i];
          if (drop(e)) {
            --size_;
          } else {
            append(b, e);
          }
        }
        release(chunk);
        chunk = next;
        read = 0;
      }
    }
  }

  // Chunks the pool holds (for tests of the no-growth guarantee).
  std::size_t pool_chunks() const { return chunks_.size(); }

 private:
  static constexpr unsigned kDigitBits = 6;
  static constexpr unsigned kDigits = 1u << kDigitBits;
  static constexpr unsigned kLevels = (64 + kDigitBits - 1) / kDigitBits;
  static constexpr unsigned kBuckets = kLevels * kDigits;
  static constexpr unsigned kCurrent = kBuckets;  // lists_[kCurrent]: keys equal to last_
  static constexpr unsigned kLists = kBuckets + 1;
  static constexpr uint32_t kChunkEntries = 32;
  static constexpr uint32_t kNone = UINT32_MAX;

  struct Chunk {
    QueueEntry entries[kChunkEntries];
    uint32_t count = 0;
    uint32_t next = kNone;
  };
  struct List {
    uint32_t head = kNone;
    uint32_t tail = kNone;
    uint32_t read = 0;          // entries of the head chunk already consumed (current list only)
    uint64_t min = UINT64_MAX;  // the smallest time appended since the list was last emptied
  };

  // REQUIRES: time != last_.
  unsigned bucket_of(uint64_t time) const {
    const unsigned level = static_cast<unsigned>(63 - std::countl_zero(time ^ last_)) / kDigitBits;
    const unsigned digit = static_cast<unsigned>(time >> (level * kDigitBits)) & (kDigits - 1);
    return level * kDigits + digit;
  }

  void append(unsigned list, const QueueEntry& entry) {
    List& l = lists_[list];
    if (l.tail == kNone || chunks_[l.tail].count == kChunkEntries) {
      const uint32_t fresh = acquire();
      if (l.tail == kNone) {
        l.head = fresh;
        if (list != kCurrent) occupied_[list / 64] |= uint64_t{1} << (list % 64);
      } else {
        chunks_[l.tail].next = fresh;
      }
      l.tail = fresh;
    }
    Chunk& tail = chunks_[l.tail];
    tail.entries[tail.count++] = entry;
    if (entry.time < l.min) l.min = entry.time;
  }

  void clear_occupied(unsigned bucket) { occupied_[bucket / 64] &= ~(uint64_t{1} << (bucket % 64)); }

  uint32_t acquire();
  void release(uint32_t chunk) {
    chunks_[chunk].next = free_;
    free_ = chunk;
  }

  // The current list is empty: make the smallest key the new last key and move its bucket down.
  void refill_current();
  // Lowers the reference key to `time` (< last_), keeping every entry in the right bucket.
  void rewind(uint64_t time);

  std::vector<Chunk> chunks_;
  uint32_t free_ = kNone;
  std::array<List, kLists> lists_;
  std::array<uint64_t, (kBuckets + 63) / 64> occupied_{};  // bit b: bucket b holds entries
  std::size_t size_ = 0;
  uint64_t last_ = 0;
  std::vector<QueueEntry> scratch_;  // rewind's buffer, kept to avoid allocating again
};

}  // namespace deploysim::sim
