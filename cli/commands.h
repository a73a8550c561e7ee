// The deploysim subcommands. Each returns the process exit code: 0 success, 1 the work failed
// (e.g. a damaged trace, an unwritable file), 2 the command line or its input was invalid.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace deploysim::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

struct DemoArgs {
  uint64_t seed = 1;
  int servers = 10;
  double rate = 8;
  std::string mean_service = "1s";
  std::string duration = "1h";
  std::string warmup = "6m";
  std::string trace;
  std::optional<double> speed;
};
int run_demo(const DemoArgs& args);

// How real runs start their processes (--provider local, fidelity).
struct RealArgs {
  bool ignore_unsupported = false;
  std::string app;      // the sample service; default: next to deploysim, else deploysim-app in PATH
  std::string haproxy = "haproxy";
  std::vector<std::string> commands;  // "VERSION=PROGRAM ARG... {port} ..." (split on spaces)
};

struct RunArgs {
  std::string scenario;
  std::optional<uint64_t> seed;
  std::string trace;
  std::string metrics;
  std::string report;        // JSON
  std::string markdown;      // Markdown summary
  std::string chrome_trace;  // Chrome trace-event JSON
  std::string variant;
  // Where it runs: "sim" (the simulated world, virtual time) or "local" (real processes behind a
  // real HAProxy on this machine, wall-clock time; docs/real-provider.md).
  std::string provider = "sim";
  RealArgs real;
};
int run_scenario(const RunArgs& args);

struct FidelityArgs {
  std::string scenario;
  std::optional<uint64_t> seed;
  std::string sim_trace;   // the simulated run's trace
  std::string real_trace;  // the real run's trace
  std::string variant;
  RealArgs real;
};
// Runs the scenario in simulation and for real and prints both scorecards side by side.
int run_fidelity(const FidelityArgs& args);

// Writes `text` to `path` through "<path>.partial" (nothing when `path` is empty); on an error
// prints it, naming the command and the file, and returns false.
bool write_output(const std::string& path, const std::string& text, const char* command);

struct TestArgs {
  std::vector<std::string> paths;  // scenario files or directories of them
  std::string junit;
  int jobs = 0;                    // sweep threads; 0: one per core
  bool sweeps = true;              // also check sweep expectations
};
// 0 when every expectation holds, 1 when one does not, 2 when a scenario cannot be loaded.
int run_test(const TestArgs& args);

struct SweepArgs {
  std::string scenario;
  uint64_t seeds = 100;
  int jobs = 0;
  std::string shard;     // "I/N"; default from SLURM_ARRAY_TASK_ID / JOB_COMPLETION_INDEX
  std::string out;       // the JSON report
  std::string markdown;
  std::vector<std::string> variants;  // which to run; "base" is the scenario itself
  bool all_variants = false;
};
int run_sweep_command(const SweepArgs& args);
int run_compare(const SweepArgs& args);
int run_merge(const std::vector<std::string>& parts, const std::string& out, const std::string& markdown);

struct ReplayArgs {
  std::string trace;
  bool keep = false;  // keep the re-run's trace
};
// 0 when the re-run gives the same hash, 1 when it diverges (printing the first difference).
int run_replay(const ReplayArgs& args);

// Loads pipeline and scenario files and reports every problem; 0 when all are valid, 2 otherwise.
int run_validate(const std::vector<std::string>& files);
// Lists the stage types and what each does, or prints docs/stages.md.
int run_stages(bool markdown);

struct JudgeArgs {
  std::string config;    // Kayenta canary config JSON
  std::string baseline;  // series CSV
  std::string canary;    // series CSV
  bool json = false;
  bool check = false;    // exit 1 unless the canary passes
  std::optional<double> pass;
  std::optional<double> marginal;
  uint64_t seed = 0;     // for the judge's noise on constant series
};
// Judges recorded series offline; 0 when judged (with check: when it passed), 1 when check
// fails, 2 for bad input.
int run_judge(const JudgeArgs& args);

int run_trace_info(const std::string& path);
int run_trace_dump(const std::string& path, uint64_t limit, bool allow_incomplete);

}  // namespace deploysim::cli
