// The kernel demo: c servers behind one first-come-first-served queue, Poisson arrivals and
// exponential service (the M/M/c queue), run on the event loop and set beside Erlang C's closed
// form. It exercises every kernel piece a real scenario uses (events, cancellation-free scheduling,
// named random streams, the trace and its hash) and shows, in numbers, that a run is both right
// and reproducible. It is the flagship demo until the simulated cloud and pipelines arrive.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "sim/kernel/result.h"
#include "sim/kernel/time.h"

namespace deploysim::scenarios {

struct KernelDemoOptions {
  uint64_t seed = 1;                                        // root of every random stream
  int servers = 10;                                         // c
  double arrival_rate_per_s = 8;                            // lambda
  sim::Duration mean_service = sim::Duration::seconds(1);   // 1 / mu
  sim::Duration duration = sim::Duration::hours(1);         // simulated time
  sim::Duration warmup = sim::Duration::minutes(6);         // arrivals before this are not counted
  sim::Duration report_interval = sim::Duration::minutes(1);  // trace metric cadence
  // Write the trace here (through "<path>.partial"); none when empty.
  std::filesystem::path trace_path;
  // Run against the wall clock at this many simulated seconds per second; virtual time when unset.
  std::optional<double> wall_clock_speed;
};

// Checks the options: every field in range and consistent. Errors name the option.
sim::Status validate(const KernelDemoOptions& options);

struct KernelDemoResult {
  // Measured over requests that arrived after the warm-up.
  uint64_t arrivals = 0;
  uint64_t served = 0;             // arrivals that reached a server before the end
  double wait_probability = 0;     // fraction that found every server busy
  double mean_wait_s = 0;          // time in queue, among served requests
  double mean_response_s = 0;      // queue + service
  double utilisation = 0;          // time-average fraction of busy servers
  // Erlang C for the same parameters.
  double theory_wait_probability = 0;
  double theory_mean_wait_s = 0;
  double theory_mean_response_s = 0;
  double offered_load = 0;         // rho = lambda / (c mu)
  // The run.
  uint64_t events_run = 0;
  uint64_t trace_events = 0;
  uint64_t trace_hash = 0;
};

// Runs the demo. Errors: invalid options, or a trace file that cannot be written.
sim::Result<KernelDemoResult> run_kernel_demo(const KernelDemoOptions& options);

// Erlang C: the probability that an arrival waits in an M/M/c queue with offered load a = lambda/mu
// (in Erlangs), computed through the Erlang B recursion, which stays stable for large c.
// REQUIRES: servers >= 1, 0 <= a < servers.
double erlang_c(int servers, double offered_erlangs);

}  // namespace deploysim::scenarios
