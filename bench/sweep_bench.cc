// sweep_bench: how fast sweeps run, and what they measure. Runs the library's canary A/A and
// canary error-regression scenarios over many seeds with a thread count and prints the wall time
// and the figures bench/README.md records: the A/A false-rollback rate, and for the regression the
// detection rate and time to detect p50/p90.
//
//   build/bench/sweep_bench [--seeds N] [--jobs J] [--library DIR]
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "scenarios/sweep.h"

namespace {

using deploysim::scenarios::SweepOptions;
using deploysim::scenarios::SweepResult;
using deploysim::scenarios::VariantStats;

int measure(const std::string& file, const SweepOptions& options, bool aa) {
  const auto start = std::chrono::steady_clock::now();
  const auto result = deploysim::scenarios::run_sweep(file, options);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!result.ok()) {
    std::fprintf(stderr, "sweep_bench: %s\n", result.error().message.c_str());
    return 1;
  }
  const VariantStats s = deploysim::scenarios::sweep_stats(*result).front();
  std::printf("%s: %" PRIu64 " runs with %d threads in %.1f s (%.1f runs/s)\n", file.c_str(), s.replications, options.jobs, wall,
              double(s.replications) / wall);
  if (aa) {
    std::printf("  false rollbacks %" PRIu64 " of %" PRIu64 " (%.2f%%); good promoted %" PRIu64 "\n", s.good_rolled_back, s.replications,
                100.0 * double(s.good_rolled_back) / double(s.replications), s.good_promoted);
  } else {
    std::printf("  caught %" PRIu64 " of %" PRIu64 " (%.2f%%), escaped %" PRIu64 ", undecided %" PRIu64 "\n", s.bad_caught, s.replications,
                100.0 * double(s.bad_caught) / double(s.replications), s.bad_escaped, s.undecided);
    const auto p50 = s.value("time_to_detect_s.p50"), p90 = s.value("time_to_detect_s.p90");
    const auto f50 = s.value("failed_by_candidate.p50"), f90 = s.value("failed_by_candidate.p90");
    if (p50 && p90) std::printf("  time to detect p50 %.1f s, p90 %.1f s\n", *p50, *p90);
    if (f50 && f90) std::printf("  failed requests on the candidate p50 %.0f, p90 %.0f\n", *f50, *f90);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  SweepOptions options;
  options.seeds = 1000;
  options.jobs = 2;
  std::string library = DEPLOYSIM_LIBRARY;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--seeds" && i + 1 < argc) {
      options.seeds = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--jobs" && i + 1 < argc) {
      options.jobs = std::atoi(argv[++i]);
    } else if (arg == "--library" && i + 1 < argc) {
      library = argv[++i];
    } else {
      std::fprintf(stderr, "usage: sweep_bench [--seeds N] [--jobs J] [--library DIR]\n");
      return 2;
    }
  }
  if (options.seeds == 0 || options.jobs < 1) {
    std::fprintf(stderr, "sweep_bench: --seeds and --jobs must be at least 1\n");
    return 2;
  }
  return measure(library + "/kayenta-aa.json", options, true) | measure(library + "/kayenta-error-regression.json", options, false) |
         measure(library + "/stepcanary-error-regression.json", options, false);
}
