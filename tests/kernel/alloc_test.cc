// The event loop allocates nothing per event once warm: a counting operator new in this test
// binary sees every heap allocation.
#include <gtest/gtest.h>

#include <vector>

#include "sim/kernel/distributions.h"
#include "sim/kernel/event_loop.h"
#include "sim/kernel/rng.h"
#include "tests/support/allocation_counter.h"

namespace deploysim::sim {
namespace {

// The hold model: each event schedules its successor an exponential time later; every tenth one
// also cancels an earlier event and schedules a replacement.
struct Hold {
  EventLoop* loop;
  Rng* rng;
  std::vector<EventHandle>* handles;
  void operator()() const {
    const EventHandle next = loop->schedule_after(
        exponential_duration(*rng, Duration::millis(100)), *this);
    const size_t i = static_cast<size_t>(uniform_int(*rng, 0, int64_t(handles->size()) - 1));
    if (bernoulli(*rng, 0.1) && loop->cancel((*handles)[i])) {
      (*handles)[i] = loop->schedule_after(exponential_duration(*rng, Duration::millis(100)), *this);
    } else {
      (*handles)[i] = next;
    }
  }
};

TEST(EventLoopAllocations, NoneInSteadyState) {
  EventLoop loop;
  Rng rng = Rng::stream(1, "alloc");
  std::vector<EventHandle> handles(1000);
  for (EventHandle& h : handles) {
    h = loop.schedule_after(exponential_duration(rng, Duration::millis(100)),
                            Hold{&loop, &rng, &handles});
  }
  for (int i = 0; i < 200000; ++i) loop.step();  // warm up: buckets and slots reach their size
  const long before = testing::allocations();
  for (int i = 0; i < 200000; ++i) loop.step();
  EXPECT_EQ(testing::allocations() - before, 0) << "heap allocations in 200,000 steady-state events";
  EXPECT_GT(loop.pending(), 0u);
}

TEST(EventLoopAllocations, TheCounterSeesAllocations) {
  // Guards the test above against a counter that never counts.
  const long before = testing::allocations();
  auto* p = new std::vector<int>(10);
  asm volatile("" : : "g"(p) : "memory");  // the pointer escapes: the allocation must happen
  delete p;
  EXPECT_GE(testing::allocations() - before, 1);
}

}  // namespace
}  // namespace deploysim::sim
