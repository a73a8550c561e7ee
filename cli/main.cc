// deploysim: the command-line entry point. Parses arguments and dispatches to cli/commands.cc.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace deploysim::cli;
  CLI::App app{
      "deploysim: simulate and verify deployment strategies.\n"
      "Runs deployment pipelines against a simulated cloud, reproducibly from a seed."};
  app.set_version_flag("--version", std::string("deploysim ") + DEPLOYSIM_VERSION + " (" +
                                        DEPLOYSIM_BUILD_ID + ")");
  app.require_subcommand(1);

  DemoArgs demo_args;
  CLI::App* demo = app.add_subcommand(
      "demo",
      "Run the kernel demo: an M/M/c queue on the event loop, compared with Erlang C, with its "
      "trace and fingerprint.");
  demo->add_option("--seed", demo_args.seed, "Root seed of every random stream")
      ->capture_default_str();
  demo->add_option("--servers", demo_args.servers, "Number of servers (c)")->capture_default_str();
  demo->add_option("--rate", demo_args.rate, "Arrivals per second (lambda)")->capture_default_str();
  demo->add_option("--mean-service", demo_args.mean_service, "Mean service time, e.g. 1s, 250ms")
      ->capture_default_str();
  demo->add_option("--duration", demo_args.duration, "Simulated time to run, e.g. 1h, 90m")
      ->capture_default_str();
  demo->add_option("--warmup", demo_args.warmup, "Initial time left out of the statistics")
      ->capture_default_str();
  demo->add_option("--trace", demo_args.trace, "Write the run's trace to this file");
  demo->add_option("--speed", demo_args.speed,
                   "Run on the wall clock at this many simulated seconds per second "
                   "(default: virtual time, as fast as possible)");

  RunArgs run_args;
  CLI::App* run = app.add_subcommand(
      "run", "Run a scenario file: the simulated world, its pipeline and canary analyses, and the invariant checks.");
  run->add_option("SCENARIO", run_args.scenario, "Scenario file (JSON, docs/scenario-format.md)")
      ->required();
  run->add_option("--seed", run_args.seed, "Root seed (default: the scenario's seed)");
  run->add_option("--trace", run_args.trace, "Write the run's trace to this file");
  run->add_option("--metrics", run_args.metrics,
                  "Write per-interval metrics (server groups and clients) to this CSV file");
  run->add_option("--report", run_args.report, "Write the scorecard, checks and expectations as JSON (docs/scorecard.md)");
  run->add_option("--markdown", run_args.markdown, "Write a Markdown summary of the scorecard");
  run->add_option("--chrome-trace", run_args.chrome_trace,
                  "Write Chrome trace-event JSON (stages as spans, server groups and instances as tracks) for Perfetto");
  run->add_option("--variant", run_args.variant, "Run one of the scenario's variants instead of the scenario itself");
  run->add_option("--provider", run_args.provider,
                  "sim: the simulated world (default); local: for real, processes behind HAProxy on this machine "
                  "(docs/real-provider.md)")
      ->check(CLI::IsMember({"sim", "local"}))
      ->capture_default_str();
  const auto add_real_options = [](CLI::App* command, RealArgs& real) {
    command->add_flag("--ignore-unsupported", real.ignore_unsupported,
                      "Real runs: leave out world features the local provider cannot honour instead of refusing");
    command->add_option("--app", real.app, "Real runs: the sample service binary (default: the one built beside deploysim)");
    command->add_option("--haproxy", real.haproxy, "Real runs: the HAProxy binary")->capture_default_str();
    command->add_option("--command", real.commands,
                        "Real runs: run a version as your own service, VERSION=PROGRAM ARGS... with a {port} "
                        "placeholder (no shell; repeat for more versions)");
  };
  add_real_options(run, run_args.real);

  FidelityArgs fidelity_args;
  CLI::App* fidelity = app.add_subcommand(
      "fidelity",
      "Run a scenario for real (local provider) and in simulation over the same span; print both scorecards side by "
      "side with their differences. Exit 1 when the final states differ or the deploy durations differ by more than the "
      "tolerance that health-check timing explains.");
  fidelity->add_option("SCENARIO", fidelity_args.scenario, "Scenario file (JSON)")->required();
  fidelity->add_option("--seed", fidelity_args.seed, "Root seed (default: the scenario's seed)");
  fidelity->add_option("--sim-trace", fidelity_args.sim_trace, "Write the simulated run's trace to this file");
  fidelity->add_option("--real-trace", fidelity_args.real_trace, "Write the real run's trace to this file");
  fidelity->add_option("--variant", fidelity_args.variant, "Use one of the scenario's variants");
  add_real_options(fidelity, fidelity_args.real);

  TestArgs test_args;
  CLI::App* test = app.add_subcommand(
      "test", "Run scenarios and check their expectations: one PASS/FAIL line each, with the command that reproduces a failure. "
              "Exit 1 when an expectation fails, 2 when a scenario cannot be loaded.");
  test->add_option("PATH", test_args.paths, "Scenario files or directories of them (default: scenarios/library)");
  test->add_option("--junit", test_args.junit, "Also write the results as JUnit XML");
  test->add_option("--jobs,-j", test_args.jobs, "Threads for sweep expectations (default: one per core)");
  test->add_flag("!--no-sweeps", test_args.sweeps, "Skip sweep expectations (expect.sweep)");

  SweepArgs sweep_args;
  const auto sweep_options = [](CLI::App* command, SweepArgs& a) {
    command->add_option("SCENARIO", a.scenario, "Scenario file")->required();
    command->add_option("--seeds,-n", a.seeds, "Replications (each variant runs on the same seeds)")->capture_default_str();
    command->add_option("--jobs,-j", a.jobs, "Threads (default: one per core); results do not depend on it");
    command->add_option("--shard", a.shard,
                        "Run only shard I of N (\"I/N\"); \"/N\" reads I from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX "
                        "(docs/distributed.md)");
    command->add_option("--out,-o", a.out, "Write the report (every replication and the statistics) as JSON");
    command->add_option("--markdown", a.markdown, "Write a Markdown summary table");
    command->add_option("--variant", a.variants, "Run this variant (repeatable; \"base\" is the scenario itself)");
  };
  CLI::App* sweep = app.add_subcommand(
      "sweep", "Run a scenario over many seeds: outcome rates, the verdict confusion matrix, and p50/p90/p99/max of every "
               "scorecard figure.");
  sweep_options(sweep, sweep_args);
  sweep->add_flag("--all-variants", sweep_args.all_variants, "Run every variant of the scenario");
  SweepArgs compare_args;
  CLI::App* compare = app.add_subcommand(
      "compare", "Run the scenario and its variants on the same seeds and report paired differences with 95% confidence "
                 "intervals.");
  sweep_options(compare, compare_args);

  std::vector<std::string> merge_parts;
  std::string merge_out, merge_markdown;
  CLI::App* merge = app.add_subcommand("merge", "Merge the shards of a sweep into the report one unsharded run gives, byte for byte.");
  merge->add_option("PARTS", merge_parts, "Shard reports (deploysim sweep --shard ... --out)")->required();
  merge->add_option("--out,-o", merge_out, "The merged report")->required();
  merge->add_option("--markdown", merge_markdown, "Also write a Markdown summary table");

  ReplayArgs replay_args;
  CLI::App* replay = app.add_subcommand(
      "replay", "Run a trace's scenario again with its seed and check that the run is the same; on a difference, print the "
                "first diverging event of both.");
  replay->add_option("TRACE", replay_args.trace, "Trace file (deploysim run --trace)")->required();
  replay->add_flag("--keep", replay_args.keep, "Keep the replay's own trace (TRACE.replay)");

  std::vector<std::string> validate_files;
  CLI::App* validate = app.add_subcommand(
      "validate", "Check pipeline files (Spinnaker JSON) and scenario files, reporting every problem.");
  validate->add_option("FILE", validate_files, "Pipeline or scenario files")->required();

  bool stages_markdown = false;
  CLI::App* stages = app.add_subcommand(
      "stages", "List the stage types deploysim runs (and refuses); --markdown prints docs/stages.md, every field of each.");
  stages->add_flag("--markdown", stages_markdown, "Print the full field table as Markdown (docs/stages.md)");

  JudgeArgs judge_args;
  CLI::App* judge = app.add_subcommand(
      "judge",
      "Judge recorded metric series with Kayenta's NetflixACAJudge-v1.0: the canary config's metrics, "
      "baseline against canary, and the score (docs/series-csv.md).");
  judge->add_option("CONFIG", judge_args.config, "Kayenta canary config (JSON)")->required();
  judge->add_option("--baseline", judge_args.baseline, "The baseline's series (CSV, one column per metric)")->required();
  judge->add_option("--canary", judge_args.canary, "The canary's series (CSV, one column per metric)")->required();
  judge->add_flag("--json", judge_args.json, "Print the result as Kayenta's CanaryJudgeResult JSON");
  judge->add_flag("--check", judge_args.check, "Exit 1 unless the canary passes");
  judge->add_option("--pass", judge_args.pass, "Pass threshold (default: the config's, else 75)");
  judge->add_option("--marginal", judge_args.marginal, "Marginal threshold (default: the config's, else 50)");
  judge->add_option("--seed", judge_args.seed, "Seed of the noise Kayenta adds to constant series")->capture_default_str();

  CLI::App* trace = app.add_subcommand("trace", "Inspect a trace file.");
  trace->require_subcommand(1);
  std::string info_path;
  CLI::App* info = trace->add_subcommand("info", "Print a trace's header, event count and hash.");
  info->add_option("FILE", info_path, "Trace file")->required();
  std::string dump_path;
  uint64_t dump_limit = 0;
  bool dump_incomplete = false;
  CLI::App* dump = trace->add_subcommand("dump", "Print a trace's events, one per line.");
  dump->add_option("FILE", dump_path, "Trace file")->required();
  dump->add_option("--limit", dump_limit, "Print at most this many events (0: all)");
  dump->add_flag("--allow-incomplete", dump_incomplete,
                 "Read a trace whose run did not finish (no End record)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, version or the error
    return code == 0 ? kExitOk : kExitUsage;
  }

  if (demo->parsed()) return run_demo(demo_args);
  if (run->parsed()) return run_scenario(run_args);
  if (fidelity->parsed()) return run_fidelity(fidelity_args);
  if (validate->parsed()) return run_validate(validate_files);
  if (stages->parsed()) return run_stages(stages_markdown);
  if (test->parsed()) return run_test(test_args);
  if (sweep->parsed()) return run_sweep_command(sweep_args);
  if (compare->parsed()) return run_compare(compare_args);
  if (merge->parsed()) return run_merge(merge_parts, merge_out, merge_markdown);
  if (replay->parsed()) return run_replay(replay_args);
  if (judge->parsed()) return run_judge(judge_args);
  if (info->parsed()) return run_trace_info(info_path);
  if (dump->parsed()) return run_trace_dump(dump_path, dump_limit, dump_incomplete);
  std::cerr << app.help();
  return kExitUsage;
}
