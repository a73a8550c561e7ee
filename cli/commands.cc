// The deploysim subcommands: turn parsed arguments into calls on the scenarios and kernel layers,
// and print what they return.
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/real.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>
#include <iostream>
#include <string>

#include <unistd.h>

#include "scenarios/kernel_demo.h"
#include "scenarios/loader.h"
#include "scenarios/reports.h"
#include "scenarios/world_run.h"
#include "strategies/pipeline/pipeline.h"
#include "strategies/stages/stage_fields.h"
#include "strategies/stages/stages.h"
#include "sim/kernel/time.h"
#include "sim/kernel/trace.h"

namespace deploysim::cli {
namespace {

// Parses a duration option; on error prints it, naming the option, and returns nullopt.
std::optional<sim::Duration> duration_option(const char* option, const std::string& text) {
  sim::Result<sim::Duration> d = sim::parse_duration(text);
  if (!d.ok()) {
    std::cerr << "deploysim: " << option << ": " << d.error().message << "\n";
    return std::nullopt;
  }
  return *d;
}

void print_row(const char* name, const std::string& simulated, const std::string& theory) {
  std::printf("  %-16s %14s %14s\n", name, simulated.c_str(), theory.c_str());
}

}  // namespace

int run_demo(const DemoArgs& args) {
  scenarios::KernelDemoOptions options;
  options.seed = args.seed;
  options.servers = args.servers;
  options.arrival_rate_per_s = args.rate;
  const auto mean_service = duration_option("--mean-service", args.mean_service);
  const auto duration = duration_option("--duration", args.duration);
  const auto warmup = duration_option("--warmup", args.warmup);
  if (!mean_service || !duration || !warmup) return kExitUsage;
  options.mean_service = *mean_service;
  options.duration = *duration;
  options.warmup = *warmup;
  options.trace_path = args.trace;
  options.wall_clock_speed = args.speed;
  if (sim::Status valid = scenarios::validate(options); !valid.ok()) {
    std::cerr << "deploysim demo: " << valid.error().message << "\n";
    return kExitUsage;
  }

  std::printf("deploysim kernel demo: an M/M/c queue on the event loop (seed %" PRIu64 ")\n",
              options.seed);
  std::printf("  %d servers, %g arrivals/s, mean service %s, %s simulated (first %s not counted)%s\n",
              options.servers, options.arrival_rate_per_s,
              sim::to_string(options.mean_service).c_str(),
              sim::to_string(options.duration).c_str(), sim::to_string(options.warmup).c_str(),
              options.wall_clock_speed ? " on the wall clock" : "");
  std::fflush(stdout);

  const auto wall_start = std::chrono::steady_clock::now();
  sim::Result<scenarios::KernelDemoResult> run = scenarios::run_kernel_demo(options);
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (!run.ok()) {
    std::cerr << "deploysim demo: " << run.error().message << "\n";
    return run.error().code == sim::ErrorCode::kInvalidArgument ? kExitUsage : kExitFailed;
  }
  const scenarios::KernelDemoResult& r = *run;

  std::printf("\n  %-16s %14s %14s\n", "", "simulated", "Erlang C");
  print_row("P(wait)", fixed(r.wait_probability, 4), fixed(r.theory_wait_probability, 4));
  print_row("mean wait", fixed(r.mean_wait_s, 4, " s"), fixed(r.theory_mean_wait_s, 4, " s"));
  print_row("mean response", fixed(r.mean_response_s, 4, " s"),
            fixed(r.theory_mean_response_s, 4, " s"));
  print_row("utilisation", fixed(r.utilisation, 4), fixed(r.offered_load, 4));
  std::printf("\n  %s requests measured; %s events in %.3f s of wall time (%s x real time)\n",
              with_commas(r.arrivals).c_str(), with_commas(r.events_run).c_str(), wall_s,
              with_commas(static_cast<uint64_t>(options.duration.to_seconds() /
                                                std::max(wall_s, 1e-9)))
                  .c_str());
  std::printf("  fingerprint %s over %s trace events", hex64(r.trace_hash).c_str(),
              with_commas(r.trace_events).c_str());
  if (!options.trace_path.empty()) std::printf(", written to %s", options.trace_path.c_str());
  std::printf("\n  the same seed gives the same fingerprint on every run; try --seed %" PRIu64 "\n",
              options.seed + 1);
  return kExitOk;
}

namespace {

std::string percent(uint64_t part, uint64_t whole) {
  return whole == 0 ? "-" : fixed(100.0 * double(part) / double(whole), 2, "%");
}

std::string millis(sim::Duration d) { return fixed(d.to_seconds() * 1e3, 1, "ms"); }

void print_stats_row(const std::string& name, const std::string& version,
                     const world::IntervalStats& s, const std::string& tail) {
  std::printf("  %-24s %-8s %12s %10s %8s %9s %9s  %s\n", name.c_str(), version.c_str(),
              with_commas(s.requests()).c_str(), with_commas(s.errors()).c_str(),
              percent(s.errors(), s.requests()).c_str(), millis(s.latency.quantile(0.5)).c_str(),
              millis(s.latency.quantile(0.99)).c_str(), tail.c_str());
}

std::string error_breakdown(const world::IntervalStats& s) {
  std::string out;
  for (int o = 1; o < world::kOutcomeCount; ++o) {
    if (s.outcomes[static_cast<size_t>(o)] == 0) continue;
    out += (out.empty() ? "" : ", ") + with_commas(s.outcomes[static_cast<size_t>(o)]) + " " +
           world::outcome_name(static_cast<world::Outcome>(o));
  }
  return out;
}

void print_scorecard(const scenarios::Scorecard& c) {
  if (c.candidate.empty()) return;
  std::printf("\n  scorecard: candidate %s (%s)\n", c.candidate.c_str(), c.candidate_bad ? "bad" : "good");
  // To the millisecond: enough to read, and what the figures are compared at.
  const auto ms = [](sim::Duration d) { return sim::Duration::millis(d.count_micros() / 1000); };
  const auto at = [&](const std::optional<sim::TimePoint>& t) {
    return t ? sim::to_string(sim::TimePoint::start() + ms(t->since_start())) : std::string("-");
  };
  const auto span = [&](const std::optional<sim::Duration>& d) { return d ? sim::to_string(ms(*d)) : std::string("-"); };
  std::printf("    %-18s %s (execution %s); verdict %s, %s\n", "outcome", c.outcome.c_str(),
              c.execution_status.empty() ? "not started" : c.execution_status.c_str(), c.verdict.c_str(),
              c.verdict_correct ? "right" : "wrong");
  std::printf("    %-18s %s requests, %s failed (%s), %s on the candidate; %s of the error budget (SLO %s)\n", "users",
              with_commas(c.user_requests).c_str(), with_commas(c.failed_requests).c_str(),
              percent(c.failed_requests, c.user_requests).c_str(), with_commas(c.failed_by_candidate).c_str(),
              fixed(c.error_budget_burned * 100, 1, "%").c_str(), fixed(c.availability_objective * 100, 2, "%").c_str());
  if (c.candidate_bad) {
    std::printf("    %-18s %s (first bad request %s, decision %s)\n", "time to detect",
                span(c.time_to_detect).c_str(), at(c.first_bad).c_str(), at(c.decided).c_str());
    std::printf("    %-18s %s (no traffic to the candidate from %s)\n", "time to mitigate",
                span(c.time_to_mitigate).c_str(), at(c.mitigated).c_str());
  }
  if (!c.execution_status.empty()) {
    std::printf("    %-18s %s\n", "deploy duration", sim::to_string(ms(c.deploy_duration)).c_str());
    std::printf("    %-18s %d instances before; %s instance-seconds above that; %d to %d in service\n", "capacity",
                c.steady_instances, with_commas(static_cast<uint64_t>(std::llround(c.capacity_overhead_instance_s))).c_str(),
                c.min_healthy, c.peak_healthy);
  }
}

}  // namespace

// Writes the reports a command was asked for; prints any error, naming the file.
bool write_output(const std::string& path, const std::string& text, const char* command) {
  if (path.empty()) return true;
  if (sim::Status written = scenarios::write_file_atomically(path, text); !written.ok()) {
    std::cerr << "deploysim " << command << ": " << written.error().message << "\n";
    return false;
  }
  return true;
}

int run_scenario(const RunArgs& args) {
  sim::Result<scenarios::LoadedScenario> loaded = scenarios::load_scenario(args.scenario, args.variant);
  if (!loaded.ok()) {
    std::cerr << loaded.error().message << "\n";
    return kExitUsage;
  }
  const scenarios::LoadedScenario& scenario = *loaded;
  for (const std::string& w : scenario.warnings) std::cerr << "warning: " << w << "\n";
  const uint64_t seed = args.seed.value_or(scenario.seed);
  // The seed first: whatever happens next, the run can be repeated.
  std::printf("seed %" PRIu64 "\n", seed);
  if (args.provider == "local") {
    std::printf("scenario %s (%s): for real, at most %s\n", scenario.name.c_str(), args.scenario.c_str(),
                sim::to_string(scenario.duration).c_str());
  } else {
    std::printf("scenario %s (%s): %s simulated\n", scenario.name.c_str(), args.scenario.c_str(),
                sim::to_string(scenario.duration).c_str());
  }
  std::fflush(stdout);

  scenarios::WorldRunOptions options;
  options.seed = seed;
  options.trace_path = args.trace;
  // A Chrome trace is made from the run's trace; without --trace, from a temporary one.
  std::string temporary_trace;
  if (!args.chrome_trace.empty() && args.trace.empty()) {
    temporary_trace = args.chrome_trace + ".trace.partial";
    options.trace_path = temporary_trace;
  }
  options.metrics_path = args.metrics;
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  if (tty) {
    options.on_progress = [&](sim::TimePoint t) {
      std::fprintf(stderr, "\r  simulated %s of %s ", sim::to_string(t.since_start()).c_str(),
                   sim::to_string(scenario.duration).c_str());
    };
  }
  const bool real = args.provider == "local";
  if (real) options.on_progress = nullptr;
  const auto wall_start = std::chrono::steady_clock::now();
  sim::Result<scenarios::WorldRunSummary> run =
      real ? run_for_real(scenario, args.real, seed, options.trace_path.string(), args.metrics)
           : scenarios::run_world(scenario, options);
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (tty) std::fprintf(stderr, "\r%60s\r", "");
  if (!run.ok()) {
    std::cerr << "deploysim run: " << run.error().message << "\n";
    // A real run refused before it starts (a feature it cannot honour, a bad --command) is bad
    // input, as a bad scenario is: nothing ran.
    return real && run.error().code == sim::ErrorCode::kInvalidArgument ? kExitUsage : kExitFailed;
  }
  const scenarios::WorldRunSummary& r = *run;
  std::printf("\n  %-24s %-8s %12s %10s %8s %9s %9s  %s\n", "server side", "version", "requests",
              "errors", "error%", "p50", "p99", "instances");
  for (const scenarios::ServerGroupSummary& g : r.server_groups) {
    std::string instances;
    for (const auto& [state, count] : g.instances_by_state) {
      instances += (instances.empty() ? "" : ", ") + std::to_string(count) + " " + state;
    }
    print_stats_row(g.name, g.version, g.server, instances);
  }
  std::printf("\n  %-24s %-8s %12s %10s %8s %9s %9s  %s\n", "users saw", "", "requests", "errors",
              "error%", "p50", "p99", "failures");
  for (const auto& [name, stats] : r.clients) {
    print_stats_row(name, "", stats, error_breakdown(stats) +
                                         (stats.retries ? "; " + with_commas(stats.retries) + " retries" : ""));
  }
  if (r.pipeline) {
    const scenarios::PipelineSummary& p = *r.pipeline;
    std::printf("\n  pipeline %s: %s", p.name.c_str(), p.status.c_str());
    if (p.status != "NOT_STARTED") {
      // An execution can end the instant it starts (a first stage failing at once).
      const bool ended = p.status != "RUNNING" && p.status != "PAUSED" && p.status != "SUSPENDED";
      std::printf(" (%s to %s)", sim::to_string(p.start).c_str(), ended ? sim::to_string(p.end).c_str() : "still running");
    }
    if (p.executions.size() > 1) {
      std::printf("\n  executions (the stages below are the first's):");
      for (const auto& x : p.executions) {
        std::printf("\n    %-14s %-28s %-10s %-12s %s", x.id.c_str(), x.pipeline.c_str(), x.trigger_type.c_str(),
                    x.status.c_str(), sim::to_string(x.start).c_str());
      }
    }
    std::printf("\n  %-34s %-20s %-16s %-14s %s\n", "stage", "type", "status", "start", "end");
    for (const scenarios::StageTimeline& st : p.stages) {
      const std::string name = std::string(static_cast<size_t>(st.depth) * 2, ' ') + st.name;
      const bool started = st.status != "NOT_STARTED";
      const bool ended = started && st.status != "RUNNING";
      std::printf("  %-34s %-20s %-16s %-14s %s%s%s\n", name.substr(0, 34).c_str(), st.type.c_str(), st.status.c_str(),
                  started ? sim::to_string(st.start).c_str() : "-", ended ? sim::to_string(st.end).c_str() : "-",
                  st.message.empty() ? "" : "  ", st.message.c_str());
    }
    std::string canary_stage;
    for (const auto& c : p.canary) {
      if (c.stage != canary_stage) {
        canary_stage = c.stage;
        std::printf("\n  canary %s: %s (baseline) vs %s (canary)\n", c.stage.c_str(), c.baseline.c_str(), c.canary.c_str());
      }
      std::printf("    #%-3lld %-14s score %6.2f %-9s %s\n", static_cast<long long>(c.interval), sim::to_string(c.at).c_str(),
                  c.score, c.classification.c_str(), c.metrics.c_str());
    }
  }
  print_scorecard(r.scorecard);
  const std::vector<scenarios::Unmet> unmet = scenarios::check_run(scenario, r);
  std::printf("\n  checks\n");
  for (const scenarios::WorldRunSummary::Check& c : r.checks) {
    const char* verdict = c.violations.empty() ? (c.expected ? "FAIL (expected a violation, none came)" : "ok")
                          : c.expected         ? "ok (tripped, as expected)"
                          : c.allowed          ? "allowed"
                                               : "FAIL";
    std::printf("  %-20s %s\n", c.name.c_str(), verdict);
    for (const scenarios::Violation& v : c.violations) {
      std::printf("    %-14s %s\n", sim::to_string(v.at).c_str(), v.what.c_str());
    }
  }
  if (scenario.has_expectations) {
    std::printf("\n  expectations: %s\n", unmet.empty() ? "all met" : "NOT MET (deploysim test reports them)");
    for (const scenarios::Unmet& u : unmet) std::printf("    %s\n", u.what.c_str());
  }
  std::printf("\n  health transitions %s, crashes %s\n", with_commas(r.health_transitions).c_str(),
              with_commas(r.crashes).c_str());
  std::printf("  fingerprint %s over %s trace events%s%s\n", hex64(r.trace_hash).c_str(),
              with_commas(r.trace_events).c_str(), args.trace.empty() ? "" : ", written to ",
              args.trace.c_str());
  if (!args.metrics.empty()) std::printf("  metrics written to %s\n", args.metrics.c_str());
  bool outputs_ok = write_output(args.report, scenarios::run_report_json(scenario, r, unmet).dump(2) + "\n", "run") &&
                    write_output(args.markdown, scenarios::run_markdown(scenario, r, unmet), "run");
  if (outputs_ok && !args.chrome_trace.empty()) {
    sim::Result<std::string> chrome = scenarios::chrome_trace_json(options.trace_path);
    if (!chrome.ok()) {
      std::cerr << "deploysim run: " << chrome.error().message << "\n";
      outputs_ok = false;
    } else {
      outputs_ok = write_output(args.chrome_trace, *chrome, "run");
    }
  }
  if (!temporary_trace.empty()) {
    std::error_code ec;
    std::filesystem::remove(temporary_trace, ec);
  }
  for (const std::string* path : {&args.report, &args.markdown, &args.chrome_trace}) {
    if (outputs_ok && !path->empty()) std::printf("  wrote %s\n", path->c_str());
  }
  if (real) {
    std::printf("ran for real for %s (processes behind HAProxy on 127.0.0.1; %s events)\n",
                sim::to_string(sim::Duration::millis(static_cast<int64_t>(wall_s * 1e3))).c_str(),
                with_commas(r.events_run).c_str());
  } else {
    std::printf("simulated %s in %.2f s (%s\u00d7 real time, %s events)\n", sim::to_string(r.simulated).c_str(), wall_s,
                with_commas(static_cast<uint64_t>(r.simulated.to_seconds() / std::max(wall_s, 1e-9))).c_str(),
                with_commas(r.events_run).c_str());
  }
  if (!outputs_ok) return kExitFailed;
  if (!r.checks_passed()) {
    std::printf("invariant checks failed; repeat with: deploysim run %s --seed %" PRIu64 "\n", args.scenario.c_str(), seed);
    return kExitFailed;
  }
  return kExitOk;
}

int run_validate(const std::vector<std::string>& files) {
  int bad = 0;
  strategies::StageRegistry registry;
  strategies::register_stages(registry);
  for (const std::string& file : files) {
    std::ifstream in(file);
    if (!in) {
      std::cerr << "deploysim validate: cannot read " << file << "\n";
      ++bad;
      continue;
    }
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    // A pipeline file is an object with stages or pipelines, or an array; anything else is read as
    // a scenario.
    const strategies::Json json = strategies::Json::parse(text, nullptr, false);
    const bool pipeline = !json.is_discarded() &&
                          (json.is_array() || (json.is_object() && (json.contains("stages") || json.contains("pipelines"))));
    std::string problems;
    if (pipeline) {
      const auto loaded = strategies::load_pipelines(text, file, [&](const std::string& t) { return registry.supports(t); },
                                                     strategies::unsupported_type_reason);
      if (!loaded.ok()) {
        problems = loaded.error().message;
      } else {
        std::vector<std::string> warnings;
        for (const strategies::PipelineConfig& p : *loaded) {
          for (std::string& w : strategies::check_stage_fields(p, file)) warnings.push_back(std::move(w));
        }
        for (const std::string& w : warnings) std::cerr << "warning: " << w << "\n";
        std::printf("ok  %s: %zu pipeline(s)%s\n", file.c_str(), loaded->size(),
                    warnings.empty() ? "" : (", " + std::to_string(warnings.size()) + " warning(s)").c_str());
      }
    } else {
      const auto loaded = scenarios::parse_scenario(text, file);
      if (!loaded.ok()) {
        problems = loaded.error().message;
      } else {
        for (const std::string& w : loaded->warnings) std::cerr << "warning: " << w << "\n";
        std::printf("ok  %s: scenario %s%s%s\n", file.c_str(), loaded->name.c_str(), loaded->pipeline ? " with a pipeline" : "",
                    loaded->warnings.empty() ? "" : (", " + std::to_string(loaded->warnings.size()) + " warning(s)").c_str());
      }
    }
    if (!problems.empty()) {
      std::cerr << problems << "\n";
      ++bad;
    }
  }
  return bad == 0 ? kExitOk : kExitUsage;
}

int run_stages(bool markdown) {
  if (markdown) {
    std::fputs(strategies::stages_markdown().c_str(), stdout);
    return kExitOk;
  }
  for (const strategies::StageFields& f : strategies::stage_field_table()) {
    if (!f.refusal.empty()) {
      std::printf("%-34s refused: %s\n", f.type.c_str(), f.refusal.c_str());
    } else {
      std::printf("%-34s %s%s\n", f.type.c_str(), f.summary.c_str(), f.synthetic ? " (synthetic)" : "");
    }
  }
  return kExitOk;
}

int run_trace_info(const std::string& path) {
  sim::Result<std::unique_ptr<sim::TraceReader>> opened = sim::TraceReader::open(path);
  if (!opened.ok()) {
    std::cerr << "deploysim trace info: " << opened.error().message << "\n";
    return kExitFailed;
  }
  sim::TraceReader& reader = **opened;
  const trace::Header& h = reader.header();
  std::printf("trace      %s\n", path.c_str());
  std::printf("format     %u\n", h.format_version());
  std::printf("build      %s\n", h.build_id().c_str());
  std::printf("scenario   %s\n", h.scenario_name().c_str());
  std::printf("seed       %" PRIu64 "\n", h.seed());
  trace::Event event;
  int64_t last_us = 0;
  while (true) {
    sim::Result<bool> more = reader.next(&event);
    if (!more.ok()) {
      std::cerr << "deploysim trace info: " << more.error().message << "\n";
      return kExitFailed;
    }
    if (!*more) break;
    last_us = event.time_us();
  }
  std::printf("events     %s, last at %s\n", with_commas(reader.events_read()).c_str(),
              sim::to_string(sim::TimePoint::from_micros(last_us)).c_str());
  std::printf("hash       %s (checked against the End record)\n", hex64(reader.hash()).c_str());
  return kExitOk;
}

int run_trace_dump(const std::string& path, uint64_t limit, bool allow_incomplete) {
  sim::Result<std::unique_ptr<sim::TraceReader>> opened =
      sim::TraceReader::open(path, sim::TraceReader::Options{.allow_incomplete = allow_incomplete});
  if (!opened.ok()) {
    std::cerr << "deploysim trace dump: " << opened.error().message << "\n";
    return kExitFailed;
  }
  sim::TraceReader& reader = **opened;
  trace::Event event;
  uint64_t printed = 0;
  while (limit == 0 || printed < limit) {
    sim::Result<bool> more = reader.next(&event);
    if (!more.ok()) {
      std::cerr << "deploysim trace dump: " << more.error().message << "\n";
      return kExitFailed;
    }
    if (!*more) break;
    const std::string at = sim::to_string(sim::TimePoint::from_micros(event.time_us()));
    switch (event.kind_case()) {
      case trace::Event::kNote:
        std::printf("%-14s note    %s: %s\n", at.c_str(), event.note().source().c_str(),
                    event.note().text().c_str());
        break;
      case trace::Event::kMetric:
        std::printf("%-14s metric  %s = %g\n", at.c_str(), event.metric().name().c_str(),
                    event.metric().value());
        break;
      case trace::Event::kCanary: {
        const trace::CanaryJudgment& c = event.canary();
        std::printf("%-14s canary  %s #%u %s vs %s: score %.2f %s%s%s\n", at.c_str(), c.stage_id().c_str(), c.interval(),
                    c.control_scope().c_str(), c.experiment_scope().c_str(), c.score(), c.classification().c_str(),
                    c.reason().empty() ? "" : " - ", c.reason().c_str());
        for (const auto& m : c.metrics()) {
          std::printf("%-14s           %-24s %-16s baseline %g canary %g (n %u / %u)%s%s\n", "", m.name().c_str(),
                      m.classification().c_str(), m.control_mean(), m.experiment_mean(), m.control_count(),
                      m.experiment_count(), m.critical() ? " critical" : "", m.reason().empty() ? "" : (" - " + m.reason()).c_str());
        }
        break;
      }
      default:
        std::printf("%-14s %s\n", at.c_str(), event.ShortDebugString().c_str());
        break;
    }
    ++printed;
  }
  if (!reader.complete() && (limit == 0 || printed < limit)) {
    std::printf("(the trace ends without an End record: the run did not finish)\n");
  }
  return kExitOk;
}

}  // namespace deploysim::cli
