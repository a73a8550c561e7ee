// Real runs from the command line: `deploysim run --provider local` and `deploysim fidelity`.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/real.h"
#include "scenarios/scorecard.h"
#include "scenarios/world_run.h"

namespace deploysim::cli {
namespace {

std::atomic<bool> interrupted{false};

void on_signal(int) { interrupted.store(true); }

// The sample service built beside this binary (the build tree or an install), else from PATH.
std::string default_app() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::filesystem::path dir = self.parent_path();
    for (const std::filesystem::path& candidate :
         {dir / "deploysim-app", dir / ".." / "providers" / "local" / "app" / "deploysim-app"}) {
      if (access(candidate.c_str(), X_OK) == 0) return std::filesystem::weakly_canonical(candidate, ec).string();
    }
  }
  return "deploysim-app";
}

}  // namespace

sim::Result<scenarios::WorldRunSummary> run_for_real(const scenarios::LoadedScenario& scenario, const RealArgs& args,
                                                     uint64_t seed, const std::string& trace, const std::string& metrics) {
  scenarios::LocalRunOptions options;
  options.seed = seed;
  options.trace_path = trace;
  options.metrics_path = metrics;
  options.ignore_unsupported = args.ignore_unsupported;
  options.app = args.app.empty() ? default_app() : args.app;
  options.haproxy = args.haproxy;
  for (const std::string& c : args.commands) {
    const size_t eq = c.find('=');
    std::vector<std::string> argv;
    if (eq != std::string::npos) {
      std::istringstream words(c.substr(eq + 1));
      for (std::string w; words >> w;) argv.push_back(w);
    }
    if (eq == std::string::npos || eq == 0 || argv.empty()) {
      return sim::invalid_argument("--command " + c + ": expected VERSION=PROGRAM ARGS..., e.g. v2=/opt/web --port {port}");
    }
    if (c.find("{port}") == std::string::npos) {
      return sim::invalid_argument("--command " + c + ": the command needs a {port} placeholder to listen on");
    }
    const std::string version = c.substr(0, eq);
    if (std::none_of(scenario.world.versions.begin(), scenario.world.versions.end(),
                     [&](const world::VersionProfile& v) { return v.name == version; })) {
      return sim::invalid_argument("--command " + c + ": the scenario has no version " + version);
    }
    options.commands[version] = argv;
  }
  interrupted = false;
  options.interrupted = &interrupted;
  struct sigaction action {};
  action.sa_handler = on_signal;
  // A second Ctrl-C ends deploysim at once (its children die with it; the next run removes the
  // directory it leaves).
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  // A load balancer or instance closing a socket mid-write is an error to report, not a reason to die.
  signal(SIGPIPE, SIG_IGN);
  struct sigaction old_int {}, old_term {};
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  int64_t last_second = -1;
  options.on_progress = [&](sim::TimePoint t, const std::string& doing) {
    const int64_t second = t.since_start().count_micros() / 1000000;
    if (second == last_second) return;
    last_second = second;
    if (tty) {
      std::fprintf(stderr, "\r  real time %s of at most %s: %-60s", sim::to_string(sim::Duration::seconds(second)).c_str(),
                   sim::to_string(scenario.duration).c_str(), doing.substr(0, 60).c_str());
    } else if (second % 10 == 0) {
      std::fprintf(stderr, "  real time %s: %s\n", sim::to_string(sim::Duration::seconds(second)).c_str(), doing.c_str());
    }
  };
  sim::Result<scenarios::WorldRunSummary> run = scenarios::run_local(scenario, options);
  if (tty) std::fprintf(stderr, "\r%100s\r", "");
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  return run;
}

namespace {

std::string figure(const std::optional<double>& v) {
  if (!v) return "-";
  char text[64];
  std::snprintf(text, sizeof text, "%.3f", *v);
  std::string s = text;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// Running instances per server group at the end: the final state both runs must agree on.
std::map<std::string, int> final_state(const scenarios::WorldRunSummary& r) {
  std::map<std::string, int> running;
  for (const scenarios::ServerGroupSummary& g : r.server_groups) {
    int n = 0;
    for (const auto& [state, count] : g.instances_by_state) n += state == "running" ? count : 0;
    if (n > 0) running[g.name + " (" + g.version + ")"] = n;
  }
  return running;
}

std::string describe(const std::map<std::string, int>& state) {
  std::string out;
  for (const auto& [group, n] : state) out += (out.empty() ? "" : ", ") + group + " " + std::to_string(n) + " running";
  return out.empty() ? "nothing running" : out;
}

}  // namespace

int run_fidelity(const FidelityArgs& args) {
  sim::Result<scenarios::LoadedScenario> loaded = scenarios::load_scenario(args.scenario, args.variant);
  if (!loaded.ok()) {
    std::cerr << loaded.error().message << "\n";
    return kExitUsage;
  }
  const uint64_t seed = args.seed.value_or(loaded->seed);
  std::printf("seed %" PRIu64 "\nscenario %s (%s): for real first, then in simulation over the same span\n", seed,
              loaded->name.c_str(), args.scenario.c_str());
  std::fflush(stdout);
  sim::Result<scenarios::WorldRunSummary> real = run_for_real(*loaded, args.real, seed, args.real_trace, "");
  if (!real.ok()) {
    std::cerr << "deploysim fidelity: " << real.error().message << "\n";
    return kExitFailed;
  }
  // The simulation covers what the real run did (which ends once the pipeline has finished).
  scenarios::LoadedScenario simulated_scenario = *loaded;
  simulated_scenario.duration = real->simulated;
  scenarios::WorldRunOptions sim_options;
  sim_options.seed = seed;
  sim_options.trace_path = args.sim_trace;
  sim::Result<scenarios::WorldRunSummary> sim = scenarios::run_world(simulated_scenario, sim_options);
  if (!sim.ok()) {
    std::cerr << "deploysim fidelity: " << sim.error().message << "\n";
    return kExitFailed;
  }
  const scenarios::Scorecard& s = sim->scorecard;
  const scenarios::Scorecard& r = real->scorecard;
  std::printf("\n  %-30s %18s %18s %14s\n", "", "simulation", "real", "difference");
  std::printf("  %-30s %18s %18s\n", "pipeline", sim->pipeline ? sim->pipeline->status.c_str() : "-",
              real->pipeline ? real->pipeline->status.c_str() : "-");
  std::printf("  %-30s %18s %18s\n", "outcome", s.outcome.c_str(), r.outcome.c_str());
  std::printf("  %-30s %18s %18s\n", "verdict", s.verdict.c_str(), r.verdict.c_str());
  const auto sim_figures = scenarios::scorecard_figures(s);
  const auto real_figures = scenarios::scorecard_figures(r);
  for (size_t i = 0; i < sim_figures.size(); ++i) {
    const auto& [name, a] = sim_figures[i];
    const std::optional<double> b = real_figures[i].second;
    std::optional<double> d;
    if (a && b) d = *b - *a;
    std::printf("  %-30s %18s %18s %14s\n", name.c_str(), figure(a).c_str(), figure(b).c_str(), figure(d).c_str());
  }
  // Stage by stage, how long each took.
  if (sim->pipeline && real->pipeline) {
    std::printf("\n  %-40s %18s %18s\n", "stage duration (s)", "simulation", "real");
    for (const scenarios::StageTimeline& st : sim->pipeline->stages) {
      if (st.depth != 0) continue;
      std::optional<double> other;
      for (const scenarios::StageTimeline& rt : real->pipeline->stages) {
        if (rt.depth == 0 && rt.name == st.name && rt.status != "NOT_STARTED") other = (rt.end - rt.start).to_seconds();
      }
      const std::optional<double> mine =
          st.status == "NOT_STARTED" ? std::nullopt : std::optional<double>((st.end - st.start).to_seconds());
      std::printf("  %-40s %18s %18s\n", st.name.substr(0, 40).c_str(), figure(mine).c_str(), figure(other).c_str());
    }
  }

  // The verdict: the same end state, and a deploy duration within what timing explains. Real
  // health checks start at a random phase of their interval and the provider notices a change at
  // its next poll, so each server group the pipeline brings into service can lag the simulation by
  // up to one check interval, and by one more if a check lands just before its process has bound
  // its port; two intervals per group created, plus two seconds for process starts and API calls,
  // bound it.
  sim::Duration interval = sim::Duration::zero();
  for (const world::LoadBalancerConfig& lb : loaded->world.load_balancers) interval = std::max(interval, lb.health_check.interval);
  const int created = std::max(0, static_cast<int>(real->server_groups.size()) - static_cast<int>(loaded->world.server_groups.size()));
  const sim::Duration tolerance = sim::Duration::seconds(2) + interval * int64_t(2 * std::max(1, created));
  const sim::Duration gap = r.deploy_duration > s.deploy_duration ? r.deploy_duration - s.deploy_duration
                                                                  : s.deploy_duration - r.deploy_duration;
  const bool same_state = final_state(*sim) == final_state(*real) && s.outcome == r.outcome &&
                          (sim->pipeline ? sim->pipeline->status : "") == (real->pipeline ? real->pipeline->status : "");
  const bool close = gap <= tolerance;
  std::printf("\n  final state: simulation %s\n               real       %s\n", describe(final_state(*sim)).c_str(),
              describe(final_state(*real)).c_str());
  std::printf("  same final state: %s\n", same_state ? "yes" : "NO");
  std::printf("  deploy duration: simulation %s, real %s, difference %s (tolerance %s: 2s + 2 health-check intervals of %s "
              "for each of %d server groups created)\n",
              sim::to_string(s.deploy_duration).c_str(), sim::to_string(r.deploy_duration).c_str(), sim::to_string(gap).c_str(),
              sim::to_string(tolerance).c_str(), sim::to_string(interval).c_str(), created);
  std::printf("  within tolerance: %s\n", close ? "yes" : "NO");
  if (!args.sim_trace.empty()) std::printf("  simulated trace written to %s\n", args.sim_trace.c_str());
  if (!args.real_trace.empty()) std::printf("  real trace written to %s\n", args.real_trace.c_str());
  return same_state && close ? kExitOk : kExitFailed;
}

}  // namespace deploysim::cli
