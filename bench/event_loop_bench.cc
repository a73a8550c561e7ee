// The classic hold model over the event loop: N events pending; each event that runs schedules
// one successor at now + Exp(mean), so N stays constant. One benchmark iteration is one event,
// so "Time" is nanoseconds per event (schedule + run, including the exponential draw) and
// "items_per_second" is events per second. A counting operator new reports heap allocations per
// event after warm-up.
//
//   build/bench/event_loop_bench                      all sizes
//   build/bench/event_loop_bench --benchmark_filter=Hold/10000
#include <benchmark/benchmark.h>

#include <vector>

#include "sim/kernel/distributions.h"
#include "sim/kernel/event_loop.h"
#include "sim/kernel/rng.h"
#include "tests/support/allocation_counter.h"

namespace deploysim::sim {
namespace {

constexpr Duration kMeanIncrement = Duration::seconds(1);

struct HoldState {
  EventLoop loop;
  Rng rng = Rng::stream(1, "hold");
  std::vector<EventHandle> handles;  // one per pending "token", for the cancelling variant
  double cancel_fraction = 0;
};

// The handler of token i: schedule the token's next event; in the cancelling variant, also cancel
// some other token's pending event and reschedule it (so N stays constant).
struct HoldEvent {
  HoldState* state;
  uint32_t token;
  void operator()() const {
    HoldState& s = *state;
    s.handles[token] = s.loop.schedule_after(exponential_duration(s.rng, kMeanIncrement), *this);
    if (s.cancel_fraction > 0 && bernoulli(s.rng, s.cancel_fraction)) {
      const auto victim = static_cast<uint32_t>(
          uniform_int(s.rng, 0, static_cast<int64_t>(s.handles.size()) - 1));
      if (s.loop.cancel(s.handles[victim])) {
        s.handles[victim] = s.loop.schedule_after(exponential_duration(s.rng, kMeanIncrement),
                                                  HoldEvent{state, victim});
      }
    }
  }
};

void run_hold(benchmark::State& bench, double cancel_fraction) {
  const auto pending = static_cast<uint32_t>(bench.range(0));
  HoldState s;
  s.cancel_fraction = cancel_fraction;
  s.handles.resize(pending);
  for (uint32_t i = 0; i < pending; ++i) {
    s.handles[i] = s.loop.schedule_after(exponential_duration(s.rng, kMeanIncrement),
                                         HoldEvent{&s, i});
  }
  // Warm up: every token cycles a few times, so the queue's storage reaches its working size.
  for (uint64_t i = 0; i < 4ull * pending + 100000; ++i) s.loop.step();

  for (auto _ : bench) s.loop.step();
  bench.SetItemsProcessed(bench.iterations());

  // Allocations are counted over a separate untimed pass: the benchmark library's own bookkeeping
  // around the timed loop allocates, and would be charged to the event loop.
  const uint64_t counted = 2ull * pending + 1'000'000;
  const long allocations_before = testing::allocations();
  for (uint64_t i = 0; i < counted; ++i) s.loop.step();
  bench.counters["allocs/event"] =
      static_cast<double>(testing::allocations() - allocations_before) / static_cast<double>(counted);
  bench.counters["pending"] = static_cast<double>(s.loop.pending());
}

void Hold(benchmark::State& bench) { run_hold(bench, 0); }
void HoldCancel10(benchmark::State& bench) { run_hold(bench, 0.10); }

BENCHMARK(Hold)->Arg(100)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(HoldCancel10)->Arg(100)->Arg(10'000)->Arg(1'000'000);

}  // namespace
}  // namespace deploysim::sim

BENCHMARK_MAIN();
