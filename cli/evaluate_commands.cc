// The subcommands that judge runs: test (expectations), sweep, merge and compare (many seeds),
// and replay (a trace run again).
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <iostream>
#include <mutex>
#include <thread>

#include <unistd.h>

#include "cli/commands.h"
#include "cli/format.h"
#include "scenarios/expectations.h"
#include "scenarios/reports.h"
#include "scenarios/sweep.h"
#include "scenarios/world_run.h"
#include "sim/kernel/trace.h"

namespace deploysim::cli {
namespace {

namespace fs = std::filesystem;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int default_jobs(int jobs) {
  if (jobs > 0) return jobs;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

// A progress bar on stderr when it is a terminal; nothing otherwise (logs stay clean).
class Progress {
 public:
  explicit Progress(std::string what) : what_(std::move(what)), tty_(::isatty(STDERR_FILENO) != 0) {}
  std::function<void(uint64_t, uint64_t)> callback() {
    if (!tty_) return nullptr;
    return [this](uint64_t done, uint64_t total) {
      const std::lock_guard<std::mutex> lock(mutex_);
      const int width = 30;
      const int filled = total == 0 ? width : static_cast<int>(double(done) / double(total) * width);
      std::fprintf(stderr, "\r  %s [%s%s] %" PRIu64 "/%" PRIu64 " %.1f s ", what_.c_str(), std::string(size_t(filled), '#').c_str(),
                   std::string(size_t(width - filled), ' ').c_str(), done, total, seconds_since(start_));
    };
  }
  void clear() const {
    if (tty_) std::fprintf(stderr, "\r%78s\r", "");
  }

 private:
  std::string what_;
  bool tty_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Scenario files named by the arguments: files as given, directories' *.json in name order.
std::vector<std::string> scenario_files(const std::vector<std::string>& paths, std::vector<std::string>& problems) {
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const fs::directory_entry& e : fs::directory_iterator(p, ec)) {
        if (e.is_regular_file() && e.path().extension() == ".json") found.push_back(e.path().string());
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) problems.push_back(p + ": no scenario files (*.json) in this directory");
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      problems.push_back(p + ": no such file or directory");
    }
  }
  return files;
}

std::string shell_quoted(const std::string& s) {
  if (s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=") == std::string::npos) return s;
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// "I/N", or the index from the batch system's environment with N from `count`.
bool parse_shard(const SweepArgs& args, uint64_t& index, uint64_t& count) {
  index = 0;
  count = 1;
  if (args.shard.empty()) return true;
  std::string text = args.shard;
  const size_t slash = text.find('/');
  if (slash == std::string::npos) {
    std::cerr << "deploysim sweep: --shard " << text << ": expected I/N, e.g. 0/4 (or N alone with the index from "
              << "SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX)\n";
    return false;
  }
  std::string i_text = text.substr(0, slash);
  const std::string n_text = text.substr(slash + 1);
  if (i_text.empty()) {
    // "/N": the index comes from the job array.
    if (const char* slurm = std::getenv("SLURM_ARRAY_TASK_ID")) {
      const char* min = std::getenv("SLURM_ARRAY_TASK_MIN");
      i_text = std::to_string(std::strtoull(slurm, nullptr, 10) - (min ? std::strtoull(min, nullptr, 10) : 0));
    } else if (const char* k8s = std::getenv("JOB_COMPLETION_INDEX")) {
      i_text = k8s;
    } else {
      std::cerr << "deploysim sweep: --shard /" << n_text << ": neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set\n";
      return false;
    }
  }
  char* end = nullptr;
  index = std::strtoull(i_text.c_str(), &end, 10);
  const bool index_ok = !i_text.empty() && *end == '\0';
  count = std::strtoull(n_text.c_str(), &end, 10);
  const bool count_ok = !n_text.empty() && *end == '\0';
  if (!index_ok || !count_ok || count == 0 || index >= count) {
    std::cerr << "deploysim sweep: --shard " << text << " (index " << i_text << "): expected I/N with 0 <= I < N\n";
    return false;
  }
  return true;
}

void print_sweep_summary(const scenarios::SweepResult& result) {
  const std::vector<std::string>& names = scenarios::scorecard_figure_names();
  for (const scenarios::VariantStats& s : scenarios::sweep_stats(result)) {
    std::printf("\n  %s: %" PRIu64 " runs\n", s.variant.empty() ? "scenario" : ("variant " + s.variant).c_str(), s.replications);
    std::printf("    outcomes   ");
    for (const auto& [outcome, count] : s.outcomes) {
      if (count > 0) std::printf(" %s %" PRIu64, outcome.c_str(), count);
    }
    std::printf("\n    verdicts    good promoted %" PRIu64 ", good rolled back %" PRIu64 ", bad caught %" PRIu64 ", bad escaped %" PRIu64
                ", undecided %" PRIu64 "; right %" PRIu64 " of %" PRIu64 "\n",
                s.good_promoted, s.good_rolled_back, s.bad_caught, s.bad_escaped, s.undecided, s.verdict_correct, s.replications);
    if (s.checks_failed > 0) std::printf("    invariant checks failed in %" PRIu64 " runs\n", s.checks_failed);
    std::printf("    %-30s %7s %12s %12s %12s %12s %12s\n", "figure", "runs", "p50", "p90", "p99", "max", "mean");
    for (size_t f = 0; f < names.size(); ++f) {
      const scenarios::FigureStats& fs = s.figures[f];
      if (fs.count == 0) {
        std::printf("    %-30s %7d\n", fs.name.c_str(), 0);
        continue;
      }
      std::printf("    %-30s %7" PRIu64 " %12.6g %12.6g %12.6g %12.6g %12.6g\n", fs.name.c_str(), fs.count, fs.p50, fs.p90, fs.p99, fs.max,
                  fs.mean);
    }
  }
}

// Runs a sweep as the arguments say; prints and writes its reports. `variants`: which to run.
int sweep(const SweepArgs& args, const std::vector<std::string>& variants, const char* command, bool compare) {
  scenarios::SweepOptions options;
  options.seeds = args.seeds;
  options.jobs = default_jobs(args.jobs);
  options.variants = variants;
  if (args.seeds == 0) {
    std::cerr << "deploysim " << command << ": --seeds must be at least 1\n";
    return kExitUsage;
  }
  if (!parse_shard(args, options.shard_index, options.shard_count)) return kExitUsage;
  if (options.shard_count > 1 && args.out.empty()) {
    std::cerr << "deploysim " << command << ": a shard needs --out FILE for its part of the results (merge the parts with "
              << "deploysim merge)\n";
    return kExitUsage;
  }
  std::printf("%s %s: %" PRIu64 " seeds%s, %d thread%s", command, args.scenario.c_str(), args.seeds,
              variants.size() > 1 ? (", " + std::to_string(variants.size()) + " variants").c_str() : "", options.jobs,
              options.jobs == 1 ? "" : "s");
  if (options.shard_count > 1) std::printf(", shard %" PRIu64 " of %" PRIu64, options.shard_index, options.shard_count);
  std::printf("\n");
  std::fflush(stdout);
  Progress progress("replications");
  options.on_progress = progress.callback();
  const auto start = std::chrono::steady_clock::now();
  sim::Result<scenarios::SweepResult> result = scenarios::run_sweep(args.scenario, options);
  progress.clear();
  if (!result.ok()) {
    std::cerr << result.error().message << "\n";
    return result.error().code == sim::ErrorCode::kInvalidArgument || result.error().code == sim::ErrorCode::kIo ? kExitUsage
                                                                                                                   : kExitFailed;
  }
  const double wall = seconds_since(start);
  if (options.shard_count == 1) {
    print_sweep_summary(*result);
    if (compare) std::printf("\n%s", scenarios::compare_markdown(*result).c_str());
  }
  std::printf("\n  %zu runs in %.1f s\n", result->replications.size(), wall);
  bool ok = write_output(args.out, scenarios::sweep_report_json(*result), command);
  if (options.shard_count == 1) {
    ok = ok && write_output(args.markdown, compare ? scenarios::compare_markdown(*result) : scenarios::sweep_markdown(*result), command);
  }
  for (const std::string* path : {&args.out, &args.markdown}) {
    if (ok && !path->empty()) std::printf("  wrote %s\n", path->c_str());
  }
  return ok ? kExitOk : kExitFailed;
}

std::vector<std::string> chosen_variants(const SweepArgs& args, const std::vector<std::string>& all, bool with_base) {
  std::vector<std::string> out;
  if (with_base) out.push_back("");
  if (args.all_variants) {
    out.insert(out.end(), all.begin(), all.end());
  } else {
    for (const std::string& v : args.variants) out.push_back(v == "base" ? "" : v);
  }
  if (out.empty()) out.push_back("");
  return out;
}

// Prints a case's PASS line (with `detail`) or its FAIL lines and reproducing command, and counts it.
void print_case(const scenarios::TestCaseResult& c, const std::string& detail, int& passed, int& failed) {
  if (c.failures.empty()) {
    ++passed;
    std::printf("PASS  %-44s %s\n", c.name.c_str(), detail.c_str());
  } else {
    ++failed;
    std::printf("FAIL  %-44s %s\n", c.name.c_str(), c.failures.front().c_str());
    for (size_t i = 1; i < c.failures.size(); ++i) std::printf("      %-44s %s\n", "", c.failures[i].c_str());
    std::printf("      reproduce: %s\n", c.reproduce.c_str());
  }
  std::fflush(stdout);
}

}  // namespace

int run_sweep_command(const SweepArgs& args) {
  sim::Result<scenarios::LoadedScenario> loaded = scenarios::load_scenario(args.scenario);
  if (!loaded.ok()) {
    std::cerr << loaded.error().message << "\n";
    return kExitUsage;
  }
  return sweep(args, chosen_variants(args, loaded->variants, false), "sweep", false);
}

int run_compare(const SweepArgs& args) {
  sim::Result<scenarios::LoadedScenario> loaded = scenarios::load_scenario(args.scenario);
  if (!loaded.ok()) {
    std::cerr << loaded.error().message << "\n";
    return kExitUsage;
  }
  if (loaded->variants.empty()) {
    std::cerr << "deploysim compare: " << args.scenario << ": variants: the scenario has none to compare (docs/scorecard.md, "
              << "\"Comparing variants\")\n";
    return kExitUsage;
  }
  SweepArgs all = args;
  if (args.variants.empty()) all.all_variants = true;
  return sweep(all, chosen_variants(all, loaded->variants, true), "compare", true);
}

int run_merge(const std::vector<std::string>& files, const std::string& out, const std::string& markdown) {
  std::vector<scenarios::SweepResult> parts;
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      std::cerr << "deploysim merge: cannot read " << f << "\n";
      return kExitUsage;
    }
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    sim::Result<scenarios::SweepResult> part = scenarios::parse_sweep_report(text, f);
    if (!part.ok()) {
      std::cerr << "deploysim merge: " << part.error().message << "\n";
      return kExitUsage;
    }
    parts.push_back(std::move(*part));
  }
  sim::Result<scenarios::SweepResult> merged = scenarios::merge_sweeps(parts, files);
  if (!merged.ok()) {
    std::cerr << "deploysim merge: " << merged.error().message << "\n";
    return kExitUsage;
  }
  merged->shard_index = 0;
  merged->shard_count = 1;
  std::printf("merged %zu parts: %zu runs of %s\n", parts.size(), merged->replications.size(), merged->identity.scenario.c_str());
  print_sweep_summary(*merged);
  const bool ok = write_output(out, scenarios::sweep_report_json(*merged), "merge") &&
                  write_output(markdown, scenarios::sweep_markdown(*merged), "merge");
  if (ok) std::printf("\n  wrote %s\n", out.c_str());
  return ok ? kExitOk : kExitFailed;
}

int run_test(const TestArgs& args) {
  std::vector<std::string> problems;
  const std::vector<std::string> files = scenario_files(args.paths.empty() ? std::vector<std::string>{"scenarios/library"} : args.paths, problems);
  for (const std::string& p : problems) std::cerr << "deploysim test: " << p << "\n";
  int passed = 0, failed = 0, errors = static_cast<int>(problems.size());
  std::vector<scenarios::TestCaseResult> cases;
  for (const std::string& file : files) {
    const auto start = std::chrono::steady_clock::now();
    scenarios::TestCaseResult tc;
    tc.file = file;
    tc.name = fs::path(file).stem().string();
    sim::Result<scenarios::LoadedScenario> loaded = scenarios::load_scenario(file);
    if (!loaded.ok()) {
      tc.error = loaded.error().message;
      std::printf("ERROR %s\n", tc.name.c_str());
      std::fflush(stdout);
      std::cerr << loaded.error().message << "\n";
      ++errors;
      cases.push_back(tc);
      continue;
    }
    const scenarios::LoadedScenario& scenario = *loaded;
    tc.name = scenario.name;
    tc.reproduce = "deploysim run " + shell_quoted(file) + " --seed " + std::to_string(scenario.seed);
    scenarios::WorldRunOptions options;
    options.progress_every = scenario.duration;
    sim::Result<scenarios::WorldRunSummary> run = scenarios::run_world(scenario, options);
    if (!run.ok()) {
      tc.error = run.error().message;
      std::printf("ERROR %s: %s\n", tc.name.c_str(), tc.error.c_str());
      ++errors;
      cases.push_back(tc);
      continue;
    }
    for (const scenarios::Unmet& u : scenarios::check_run(scenario, *run)) tc.failures.push_back(u.what);
    tc.seconds = seconds_since(start);
    const scenarios::Scorecard& c = run->scorecard;
    print_case(tc, c.outcome + (c.execution_status.empty() ? "" : ", " + c.execution_status), passed, failed);
    cases.push_back(tc);
    if (!args.sweeps || scenario.expect.sweep_seeds == 0) continue;

    scenarios::TestCaseResult sweep_case;
    const auto sweep_start = std::chrono::steady_clock::now();
    sweep_case.file = file;
    sweep_case.name = tc.name + " (sweep)";
    sweep_case.reproduce = "deploysim sweep " + shell_quoted(file) + " --seeds " + std::to_string(scenario.expect.sweep_seeds);
    scenarios::SweepOptions sweep_options;
    sweep_options.seeds = static_cast<uint64_t>(scenario.expect.sweep_seeds);
    sweep_options.jobs = default_jobs(args.jobs);
    Progress progress(tc.name);
    sweep_options.on_progress = progress.callback();
    sim::Result<scenarios::SweepResult> swept = scenarios::run_sweep(file, sweep_options);
    progress.clear();
    if (!swept.ok()) {
      sweep_case.error = swept.error().message;
      std::printf("ERROR %s: %s\n", sweep_case.name.c_str(), sweep_case.error.c_str());
      ++errors;
      cases.push_back(sweep_case);
      continue;
    }
    const std::vector<scenarios::VariantStats> stats = scenarios::sweep_stats(*swept);
    for (const scenarios::Unmet& u : scenarios::check_sweep(scenario, stats.front())) sweep_case.failures.push_back(u.what);
    sweep_case.seconds = seconds_since(sweep_start);
    print_case(sweep_case,
               std::to_string(scenario.expect.sweep_seeds) + " seeds: right " + std::to_string(stats.front().verdict_correct) + " of " +
                   std::to_string(stats.front().replications),
               passed, failed);
    cases.push_back(sweep_case);
  }
  std::printf("\n%d passed, %d failed, %d could not run\n", passed, failed, errors);
  if (!write_output(args.junit, scenarios::junit_xml("deploysim", cases), "test")) return kExitFailed;
  if (!args.junit.empty()) std::printf("wrote %s\n", args.junit.c_str());
  if (errors > 0) return kExitUsage;
  return failed > 0 ? kExitFailed : kExitOk;
}

int run_replay(const ReplayArgs& args) {
  sim::Result<std::unique_ptr<sim::TraceReader>> opened = sim::TraceReader::open(args.trace);
  if (!opened.ok()) {
    std::cerr << "deploysim replay: " << opened.error().message << "\n";
    return kExitUsage;
  }
  const trace::Header header = (*opened)->header();
  if (header.scenario_text().empty()) {
    std::cerr << "deploysim replay: " << args.trace << ": the trace holds no scenario (" << header.scenario_name()
              << " traces cannot be replayed)\n";
    return kExitUsage;
  }
  const fs::path path = header.scenario_path().empty() ? fs::path(header.scenario_name() + ".json") : fs::path(header.scenario_path());
  sim::Result<scenarios::LoadedScenario> loaded = scenarios::parse_scenario(header.scenario_text(), path);
  if (!loaded.ok()) {
    std::cerr << "deploysim replay: the trace's scenario no longer loads:\n" << loaded.error().message << "\n";
    return kExitFailed;
  }
  loaded->variant = header.variant();
  std::printf("replaying %s: scenario %s%s, seed %" PRIu64 ", recorded by %s\n", args.trace.c_str(), header.scenario_name().c_str(),
              header.variant().empty() ? "" : (" (variant " + header.variant() + ")").c_str(), header.seed(), header.build_id().c_str());
  if (header.build_id() != DEPLOYSIM_BUILD_ID) std::printf("  (this is %s: a different build may legitimately differ)\n", DEPLOYSIM_BUILD_ID);
  std::fflush(stdout);
  scenarios::WorldRunOptions options;
  options.seed = header.seed();
  options.trace_path = args.trace + ".replay";
  {
    // The operator's actions in a live run (deploysim-viz) are done again at the same points.
    sim::Result<std::unique_ptr<sim::TraceReader>> scan = sim::TraceReader::open(args.trace);
    trace::Event event;
    while (scan.ok()) {
      sim::Result<bool> more = (*scan)->next(&event);
      if (!more.ok()) {
        std::cerr << "deploysim replay: " << more.error().message << "\n";
        return kExitFailed;
      }
      if (!*more) break;
      if (!event.has_operator_action()) continue;
      sim::Result<scenarios::OperatorAction> action =
          scenarios::from_trace(event.operator_action(), sim::TimePoint::from_micros(event.time_us()));
      if (!action.ok()) {
        std::cerr << "deploysim replay: " << args.trace << ": event " << (*scan)->events_read() << ": "
                  << action.error().message << "\n";
        return kExitFailed;
      }
      options.actions.push_back(*action);
    }
    if (!options.actions.empty()) std::printf("  with %zu operator actions done again at their times\n", options.actions.size());
  }
  sim::Result<scenarios::WorldRunSummary> run = scenarios::run_world(*loaded, options);
  if (!run.ok()) {
    std::cerr << "deploysim replay: " << run.error().message << "\n";
    return kExitFailed;
  }
  // Read the recorded trace to its end for its hash, then compare event by event if they differ.
  sim::TraceReader& recorded = **opened;
  trace::Event event;
  while (true) {
    sim::Result<bool> more = recorded.next(&event);
    if (!more.ok()) {
      std::cerr << "deploysim replay: " << more.error().message << "\n";
      return kExitFailed;
    }
    if (!*more) break;
  }
  const uint64_t recorded_hash = recorded.hash();
  int status = kExitOk;
  if (recorded_hash == run->trace_hash) {
    std::printf("  same run: fingerprint %s over %s events\n", hex64(run->trace_hash).c_str(), with_commas(run->trace_events).c_str());
  } else {
    status = kExitFailed;
    std::printf("  DIVERGED: recorded fingerprint %s, replayed %s\n", hex64(recorded_hash).c_str(), hex64(run->trace_hash).c_str());
    sim::Result<std::unique_ptr<sim::TraceReader>> a = sim::TraceReader::open(args.trace);
    sim::Result<std::unique_ptr<sim::TraceReader>> b = sim::TraceReader::open(options.trace_path);
    if (a.ok() && b.ok()) {
      trace::Event ea, eb;
      for (uint64_t index = 0;; ++index) {
        sim::Result<bool> ma = (*a)->next(&ea);
        sim::Result<bool> mb = (*b)->next(&eb);
        const bool more_a = ma.ok() && *ma, more_b = mb.ok() && *mb;
        if (!more_a && !more_b) break;
        if (more_a && more_b && ea.SerializeAsString() == eb.SerializeAsString()) continue;
        std::printf("  first difference at event %" PRIu64 ":\n", index);
        std::printf("    recorded  %s\n", more_a ? ea.ShortDebugString().c_str() : "(the trace has ended)");
        std::printf("    replayed  %s\n", more_b ? eb.ShortDebugString().c_str() : "(the trace has ended)");
        break;
      }
    }
  }
  std::error_code ec;
  if (args.keep) {
    std::printf("  the replay's trace is in %s\n", options.trace_path.c_str());
  } else {
    fs::remove(options.trace_path, ec);
  }
  return status;
}

}  // namespace deploysim::cli
