// EventLoop: ordering by (time, scheduling order), cancellation, run_until boundaries, and the
// programming errors it refuses.
#include "sim/kernel/event_loop.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "sim/kernel/distributions.h"
#include "sim/kernel/rng.h"

namespace deploysim::sim {
namespace {

TimePoint at_ms(int64_t ms) { return TimePoint::start() + Duration::millis(ms); }

TEST(EventLoop, RunsEventsInTimeOrder) {
  EventLoop loop;
  std::vector<int> order;
  loop.schedule(at_ms(30), [&] { order.push_back(30); });
  loop.schedule(at_ms(10), [&] { order.push_back(10); });
  loop.schedule(at_ms(20), [&] { order.push_back(20); });
  loop.run();
  EXPECT_EQ(order, (std::vector<int>{10, 20, 30}));
  EXPECT_EQ(loop.now(), at_ms(30));
  EXPECT_EQ(loop.events_run(), 3u);
}

TEST(EventLoop, TiesKeepSchedulingOrder) {
  EventLoop loop;
  std::vector<int> order;
  for (int i = 0; i < 100; ++i) {
    loop.schedule(at_ms(i % 2 == 0 ? 5 : 7), [&order, i] { order.push_back(i); });
  }
  loop.run();
  std::vector<int> expected;
  for (int i = 0; i < 100; i += 2) expected.push_back(i);
  for (int i = 1; i < 100; i += 2) expected.push_back(i);
  EXPECT_EQ(order, expected);
}

TEST(EventLoop, EventsScheduledForNowRunAfterThoseAlreadyDue) {
  EventLoop loop;
  std::vector<std::string> order;
  loop.schedule(at_ms(1), [&] {
    order.push_back("a");
    loop.schedule(loop.now(), [&] { order.push_back("a-child"); });
  });
  loop.schedule(at_ms(1), [&] { order.push_back("b"); });
  loop.run();
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "a-child"}));
}

// Against a reference model: a stable sort of (time, scheduling index) over many random events,
// some scheduled from inside handlers, many at equal times.
TEST(EventLoop, MatchesAStableSortOfRandomSchedules) {
  EventLoop loop;
  Rng rng = Rng::stream(7, "event-loop-order");
  struct Scheduled {
    int64_t time_us;
    int index;
  };
  std::vector<Scheduled> scheduled;
  std::vector<int> ran;
  int next_index = 0;
  std::function<void(int64_t)> add = [&](int64_t time_us) {
    const int index = next_index++;
    scheduled.push_back({time_us, index});
    loop.schedule(TimePoint::from_micros(time_us), [&, index] {
      ran.push_back(index);
      if (next_index < 20000 && bernoulli(rng, 0.5)) {
        add(loop.now().micros_since_start() + uniform_int(rng, 0, 50));
      }
    });
  };
  for (int i = 0; i < 5000; ++i) add(uniform_int(rng, 0, 1000));
  loop.run();
  // Each event's (time, index) must be non-decreasing in run order; since an index is only ever
  // scheduled at or after now, this is exactly "sorted by time, ties by scheduling order".
  ASSERT_EQ(ran.size(), scheduled.size());
  for (size_t i = 1; i < ran.size(); ++i) {
    const Scheduled& a = scheduled[static_cast<size_t>(ran[i - 1])];
    const Scheduled& b = scheduled[static_cast<size_t>(ran[i])];
    ASSERT_TRUE(a.time_us < b.time_us || (a.time_us == b.time_us && a.index < b.index))
        << "event " << b.index << " at " << b.time_us << "us ran after " << a.index << " at "
        << a.time_us << "us";
  }
}

// Against a reference model (a std::set ordered by time, then scheduling sequence) under random
// mixes of every operation, including peeks (next_event_time) followed by schedules earlier than
// the peeked event, and handlers that schedule more events. Times spread over microseconds to days,
// so every level of the queue's buckets is exercised.
TEST(EventLoop, MatchesAReferenceModelUnderRandomOperations) {
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    EventLoop loop;
    Rng rng = Rng::stream(seed, "event-loop-model");
    struct Key {
      int64_t time_us;
      uint64_t sequence;
      int id;
      bool operator<(const Key& o) const {
        return time_us != o.time_us ? time_us < o.time_us : sequence < o.sequence;
      }
    };
    std::set<Key> model;
    std::vector<Key> keys;  // by id
    std::vector<EventHandle> handles;
    std::vector<int> fired;
    uint64_t sequence = 0;
    const auto random_delay = [&] {
      switch (uniform_int(rng, 0, 4)) {
        case 0: return int64_t{0};
        case 1: return uniform_int(rng, 0, 20);
        case 2: return uniform_int(rng, 0, 5'000'000);
        case 3: return uniform_int(rng, 0, 86'400'000'000);
        default: return uniform_int(rng, 1, 3) * int64_t{1'000'000};  // many equal times
      }
    };
    std::function<void(int64_t)> schedule = [&](int64_t at_us) {
      const int id = static_cast<int>(keys.size());
      keys.push_back({at_us, sequence++, id});
      model.insert(keys.back());
      handles.push_back(loop.schedule(TimePoint::from_micros(at_us), [&, id] {
        fired.push_back(id);
        if (bernoulli(rng, 0.3)) schedule(loop.now().micros_since_start() + random_delay());
      }));
    };
    const auto expect_next_fired = [&](int before) {
      // Every event the loop ran since `before` must be the model's minimum at its turn.
      for (size_t k = static_cast<size_t>(before); k < fired.size(); ++k) {
        ASSERT_FALSE(model.empty()) << "seed " << seed;
        ASSERT_EQ(fired[k], model.begin()->id) << "seed " << seed << ": wrong event order";
        model.erase(model.begin());
      }
    };
    for (int op = 0; op < 4000; ++op) {
      const int64_t now = loop.now().micros_since_start();
      switch (uniform_int(rng, 0, 9)) {
        case 0: case 1: case 2: case 3:
          schedule(now + random_delay());
          break;
        case 4: {
          if (handles.empty()) break;
          const auto i = static_cast<size_t>(uniform_int(rng, 0, int64_t(handles.size()) - 1));
          const bool in_model = model.count(keys[i]) == 1;
          ASSERT_EQ(loop.cancel(handles[i]), in_model) << "seed " << seed;
          model.erase(keys[i]);
          break;
        }
        case 5: {
          const std::optional<TimePoint> next = loop.next_event_time();
          ASSERT_EQ(next.has_value(), !model.empty()) << "seed " << seed;
          if (next) {
            ASSERT_EQ(next->micros_since_start(), model.begin()->time_us) << "seed " << seed;
          }
          break;
        }
        case 6: case 7: {
          const int before = static_cast<int>(fired.size());
          // One step runs exactly the model's minimum (whose handler may add more to the model).
          const int expected = model.empty() ? -1 : model.begin()->id;
          const bool ran = loop.step();
          ASSERT_EQ(ran, expected >= 0) << "seed " << seed;
          if (ran) {
            ASSERT_EQ(fired[static_cast<size_t>(before)], expected) << "seed " << seed;
            model.erase(model.begin());
          }
          break;
        }
        case 8: {
          const int before = static_cast<int>(fired.size());
          const int64_t limit = now + random_delay();
          loop.run_until(TimePoint::from_micros(limit));
          ASSERT_EQ(loop.now().micros_since_start(), limit);
          expect_next_fired(before);
          ASSERT_TRUE(model.empty() || model.begin()->time_us > limit) << "seed " << seed;
          break;
        }
        default:
          ASSERT_EQ(loop.pending(), model.size()) << "seed " << seed;
          break;
      }
    }
    // Drain: every remaining event (and those their handlers add) in the model's order.
    while (!model.empty()) {
      const int expected = model.begin()->id;
      model.erase(model.begin());
      const int at = static_cast<int>(fired.size());
      ASSERT_TRUE(loop.step());
      ASSERT_EQ(fired[static_cast<size_t>(at)], expected) << "seed " << seed;
    }
  }
}

TEST(EventLoop, SchedulingBetweenNowAndAPeekedEventKeepsOrder) {
  EventLoop loop;
  std::vector<int> order;
  loop.schedule(at_ms(10'000), [&] { order.push_back(3); });
  loop.run_until(at_ms(1'000));  // peeks at the event at 10 s
  loop.schedule(at_ms(2'000), [&] { order.push_back(1); });
  loop.schedule(at_ms(2'000), [&] { order.push_back(2); });
  EXPECT_EQ(loop.next_event_time(), at_ms(2'000));
  loop.run();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(EventLoop, CancelBeforeFireTime) {
  EventLoop loop;
  int ran = 0;
  const EventHandle h = loop.schedule(at_ms(10), [&] { ++ran; });
  loop.schedule(at_ms(20), [&] { ran += 10; });
  EXPECT_TRUE(loop.is_pending(h));
  EXPECT_EQ(loop.pending(), 2u);
  EXPECT_TRUE(loop.cancel(h));
  EXPECT_FALSE(loop.is_pending(h));
  EXPECT_EQ(loop.pending(), 1u);
  EXPECT_FALSE(loop.cancel(h)) << "cancelling twice reports that nothing was pending";
  loop.run();
  EXPECT_EQ(ran, 10);
}

TEST(EventLoop, CancelAtFireTimeByAnEarlierEventOfTheSameTime) {
  EventLoop loop;
  bool second_ran = false;
  EventHandle second;
  loop.schedule(at_ms(10), [&] { EXPECT_TRUE(loop.cancel(second)); });
  second = loop.schedule(at_ms(10), [&] { second_ran = true; });
  loop.run();
  EXPECT_FALSE(second_ran);
  EXPECT_EQ(loop.pending(), 0u);
}

TEST(EventLoop, CancellingTheRunningOrAFinishedEventIsANoOp) {
  EventLoop loop;
  EventHandle self;
  bool cancelled_self = true;
  self = loop.schedule(at_ms(1), [&] { cancelled_self = loop.cancel(self); });
  loop.run();
  EXPECT_FALSE(cancelled_self);
  EXPECT_FALSE(loop.cancel(self));
  EXPECT_FALSE(loop.cancel(EventHandle()));
}

TEST(EventLoop, HandlesOfReusedSlotsStayStale) {
  EventLoop loop;
  const EventHandle old_handle = loop.schedule(at_ms(1), [] {});
  ASSERT_TRUE(loop.cancel(old_handle));
  int ran = 0;
  const EventHandle fresh = loop.schedule(at_ms(2), [&] { ++ran; });  // reuses the freed slot
  EXPECT_FALSE(loop.cancel(old_handle));
  EXPECT_TRUE(loop.is_pending(fresh));
  loop.run();
  EXPECT_EQ(ran, 1);
}

TEST(EventLoop, ManyCancellationsAreCompactedAndNeverRun) {
  EventLoop loop;
  std::vector<EventHandle> handles;
  int ran = 0;
  for (int i = 0; i < 10000; ++i) handles.push_back(loop.schedule(at_ms(i), [&] { ++ran; }));
  for (int i = 0; i < 10000; ++i) {
    if (i % 10 != 0) {
      EXPECT_TRUE(loop.cancel(handles[static_cast<size_t>(i)]));
    }
  }
  EXPECT_EQ(loop.pending(), 1000u);
  EXPECT_EQ(loop.next_event_time(), at_ms(0));
  loop.run();
  EXPECT_EQ(ran, 1000);
  EXPECT_EQ(loop.now(), at_ms(9990));
}

TEST(EventLoop, RunUntilIncludesTheBoundaryAndStopsThere) {
  EventLoop loop;
  std::vector<int> order;
  loop.schedule(at_ms(10), [&] { order.push_back(10); });
  loop.schedule(at_ms(20), [&] { order.push_back(20); });
  loop.schedule(at_ms(21), [&] { order.push_back(21); });
  loop.run_until(at_ms(20));
  EXPECT_EQ(order, (std::vector<int>{10, 20}));
  EXPECT_EQ(loop.now(), at_ms(20));
  EXPECT_EQ(loop.pending(), 1u);
  loop.run_until(at_ms(20));  // nothing more is due at the same limit
  EXPECT_EQ(order.size(), 2u);
  loop.run_until(at_ms(100));
  EXPECT_EQ(order.back(), 21);
  EXPECT_EQ(loop.now(), at_ms(100)) << "with nothing left, time still advances to the limit";
}

TEST(EventLoop, RunUntilRunsEventsScheduledDuringTheRunUpToTheLimit) {
  EventLoop loop;
  int count = 0;
  // A self-rescheduling tick every 10ms.
  struct Tick {
    EventLoop* loop;
    int* count;
    void operator()() const {
      ++*count;
      loop->schedule_after(Duration::millis(10), *this);
    }
  };
  loop.schedule(at_ms(0), Tick{&loop, &count});
  loop.run_until(at_ms(100));
  EXPECT_EQ(count, 11);  // 0, 10, ..., 100
  EXPECT_EQ(loop.next_event_time(), at_ms(110));
}

TEST(EventLoop, RequestStopEndsTheRunAfterTheCurrentEvent) {
  EventLoop loop;
  int ran = 0;
  loop.schedule(at_ms(1), [&] {
    ++ran;
    loop.request_stop();
  });
  loop.schedule(at_ms(2), [&] { ++ran; });
  loop.run_until(at_ms(50));
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(loop.now(), at_ms(1));
  loop.run_until(at_ms(50));
  EXPECT_EQ(ran, 2);
}

TEST(EventLoop, StepRunsOneEvent) {
  EventLoop loop;
  int ran = 0;
  loop.schedule(at_ms(5), [&] { ++ran; });
  loop.schedule(at_ms(6), [&] { ++ran; });
  EXPECT_TRUE(loop.step());
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(loop.now(), at_ms(5));
  EXPECT_TRUE(loop.step());
  EXPECT_FALSE(loop.step());
}

TEST(EventLoop, LargeTimesAndFarApartEventsStayOrdered) {
  EventLoop loop;
  std::vector<int> order;
  const TimePoint far = TimePoint::start() + Duration::hours(24 * 365 * 1000);
  loop.schedule(far, [&] { order.push_back(3); });
  loop.schedule(at_ms(1), [&] { order.push_back(1); });
  loop.schedule(far - Duration::micros(1), [&] { order.push_back(2); });
  loop.run();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

using EventLoopDeathTest = ::testing::Test;

TEST(EventLoopDeathTest, SchedulingInThePastIsAnError) {
  EXPECT_DEATH(
      {
        EventLoop loop;
        loop.schedule(at_ms(10), [] {});
        loop.run();
        loop.schedule(at_ms(5), [] {});
      },
      "is in the past");
}

TEST(EventLoopDeathTest, RunUntilBeforeNowIsAnError) {
  EXPECT_DEATH(
      {
        EventLoop loop;
        loop.run_until(at_ms(10));
        loop.run_until(at_ms(9));
      },
      "before now");
}

TEST(EventLoopDeathTest, AdvancingPastAPendingEventIsAnError) {
  EXPECT_DEATH(
      {
        EventLoop loop;
        loop.schedule(at_ms(10), [] {});
        loop.advance_to(at_ms(11));
      },
      "would skip");
}

}  // namespace
}  // namespace deploysim::sim
