// A scenario run for real on the local provider (local_run.h).
#include "scenarios/local_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include "providers/local/load_generator.h"
#include "providers/local/local_provider.h"
#include "scenarios/pipeline_driver.h"
#include "scenarios/run_outputs.h"
#include "scenarios/scorecard.h"
#include "sim/kernel/event_loop.h"
#include "sim/kernel/wall_clock.h"
#include "sim/world/faults.h"
#include "sim/world/world.h"

namespace deploysim::scenarios {
namespace {

namespace fs = std::filesystem;
using providers::local::LocalProvider;

// Schedules the faults the real provider honours, for real.
void schedule_faults(const LoadedScenario& scenario, sim::EventLoop& loop, LocalProvider& provider,
                     sim::TraceWriter& trace) {
  for (const world::FaultConfig& f : scenario.world.faults) {
    const char* kind = world::fault_kind_name(f.kind);
    switch (f.kind) {
      case world::FaultConfig::Kind::kCrash:
        if (f.rate_per_hour > 0) break;
        loop.schedule(f.at, sim::Action::boxed([&provider, &trace, &loop, f, kind] {
          const int killed = provider.kill_instances(f.server_group, f.count, f.percent);
          world::append_fault_event(trace, loop.now(), kind, f.server_group, "kill -9 of " + std::to_string(killed) + " instances", false);
        }));
        break;
      case world::FaultConfig::Kind::kHealthFlapping:
      case world::FaultConfig::Kind::kHealthFailure:
        loop.schedule(f.at, sim::Action::boxed([&provider, &trace, &loop, f, kind] {
          const bool flap = f.kind == world::FaultConfig::Kind::kHealthFlapping;
          (void)provider.set_health(f.server_group, flap ? "flap:" + sim::to_string(f.period) : "fail");
          world::append_fault_event(trace, loop.now(), kind, f.server_group,
                                    flap ? "health flapping every " + sim::to_string(f.period) : "health checks failing", false);
        }));
        if (f.duration <= sim::Duration::zero()) break;  // until the end
        loop.schedule(f.at + f.duration, sim::Action::boxed([&provider, &trace, &loop, f, kind] {
          (void)provider.set_health(f.server_group, "");  // the version's own behaviour again
          world::append_fault_event(trace, loop.now(), kind, f.server_group, "health back to normal", true);
        }));
        break;
      case world::FaultConfig::Kind::kVersionChange:
        if (!f.error_probability) break;
        loop.schedule(f.at, sim::Action::boxed([&provider, &trace, &loop, f, kind] {
          (void)provider.set_error_rate(f.version, *f.error_probability);
          world::append_fault_event(trace, loop.now(), kind, f.version, "error probability " + std::to_string(*f.error_probability), false);
        }));
        break;
      default:
        break;  // refused by unsupported_features unless ignored
    }
  }
}

}  // namespace

std::vector<std::string> unsupported_features(const LoadedScenario& scenario) {
  std::vector<std::string> out;
  const world::WorldConfig& w = scenario.world;
  for (size_t r = 0; r < w.regions.size(); ++r) {
    if (w.regions[r].zones.size() > 1) {
      out.push_back("world.regions[" + std::to_string(r) + "].zones: " + std::to_string(w.regions[r].zones.size()) +
                    " zones in " + w.regions[r].name + " (zones: this machine is one zone; give the region one)");
    }
  }
  if (w.api.rate_limit_per_s > 0) out.push_back("world.api.rate_limit_per_s (API throttling: the local provider's API is not rate limited)");
  if (w.api.failure_probability > 0) out.push_back("world.api.failure_probability (API failures)");
  if (w.api.read_lag > sim::Duration::zero()) out.push_back("world.api.read_lag (stale reads: describe is always current)");
  for (size_t i = 0; i < w.versions.size(); ++i) {
    const world::VersionProfile& v = w.versions[i];
    const std::string at = "world.versions[" + std::to_string(i) + "] (" + v.name + ")";
    if (v.errors.kind != world::ErrorModel::Kind::kConstant) out.push_back(at + ".errors: only a constant error probability runs for real");
    if (!v.service_time_scale.empty()) out.push_back(at + ".service_time_scale (a replayed latency profile)");
    if (v.service_time.duration_spec().empty()) out.push_back(at + ".service_time: an empirical distribution");
    if (v.boot_time.duration_spec().empty()) out.push_back(at + ".boot_time: an empirical distribution");
  }
  for (size_t i = 0; i < w.faults.size(); ++i) {
    const world::FaultConfig& f = w.faults[i];
    const std::string at = "world.faults[" + std::to_string(i) + "] (" + world::fault_kind_name(f.kind) + ")";
    switch (f.kind) {
      case world::FaultConfig::Kind::kCrash:
        if (f.rate_per_hour > 0) out.push_back(at + ".rate_per_hour: random crashes (give a time instead)");
        break;
      case world::FaultConfig::Kind::kHealthFlapping:
      case world::FaultConfig::Kind::kHealthFailure:
        break;
      case world::FaultConfig::Kind::kVersionChange:
        if (f.service_time) out.push_back(at + ".service_time: a latency change of a running version");
        break;
      default:
        out.push_back(at + ": not something this machine can do for real");
    }
  }
  return out;
}

sim::Result<WorldRunSummary> run_local(const LoadedScenario& scenario, const LocalRunOptions& options) {
  const std::vector<std::string> unsupported = unsupported_features(scenario);
  if (!unsupported.empty() && !options.ignore_unsupported) {
    std::string message = scenario.path.string() + ": the local provider cannot honour these world features:";
    for (const std::string& u : unsupported) message += "\n  " + u;
    message += "\nremove them, or pass --ignore-unsupported to run without them";
    return sim::invalid_argument(message);
  }
  const uint64_t seed = options.seed.value_or(scenario.seed);
  sim::Result<std::unique_ptr<sim::TraceWriter>> opened = open_trace(scenario, seed, options.trace_path);
  if (!opened.ok()) return opened.error();
  std::unique_ptr<sim::TraceWriter> trace = std::move(*opened);
  // Outputs go away with any error from here on: nothing half-done may pass for a result. The
  // trace is written to "<path>.partial" until it is finished; only a finished one (with the
  // metrics CSV then failing) is removed from its own path.
  bool trace_finished = false;
  const auto discard = [&](const sim::Error& e) -> sim::Error {
    std::error_code ec;
    if (!options.trace_path.empty()) {
      fs::path partial = options.trace_path;
      partial += ".partial";
      fs::remove(partial, ec);
      if (trace_finished) fs::remove(options.trace_path, ec);
    }
    return e;
  };
  if (sim::Status probed = probe_output(options.metrics_path); !probed.ok()) return discard(probed.error());

  std::vector<std::unique_ptr<Checker>> checkers = scenario_checkers(scenario);
  ScorecardRecorder scorecard(ScorecardSettings{scenario.candidate, scenario.availability});
  uint64_t health_transitions = 0, crashes = 0;
  trace->set_observer([&](const trace::Event& e) {
    for (const auto& c : checkers) c->observe(e);
    scorecard.observe(e);
    if (e.has_target()) ++health_transitions;
    if (e.has_instance() && e.instance().reason().rfind("crashed", 0) == 0) ++crashes;
  });

  sim::EventLoop loop;
  providers::local::LocalSettings settings;
  settings.world = scenario.world;
  settings.app = options.app;
  settings.haproxy = options.haproxy;
  settings.commands = options.commands;
  settings.seed = seed;
  sim::Result<std::unique_ptr<LocalProvider>> created = LocalProvider::create(settings, loop, trace.get());
  if (!created.ok()) return discard(created.error());
  LocalProvider& provider = **created;

  std::vector<providers::local::LoadTarget> targets;
  for (const world::TrafficSourceConfig& t : scenario.world.traffic) {
    sim::Duration timeout = sim::Duration::seconds(30);
    for (const world::LoadBalancerConfig& lb : scenario.world.load_balancers) {
      if (lb.name == t.load_balancer) timeout = lb.request_timeout;
    }
    targets.push_back({t, provider.frontend_port(t.load_balancer), timeout});
  }
  providers::local::LoadGenerator load(targets, scenario.world.metrics_interval, scenario.world.bad_latency, seed);
  provider.attach_load(&load);
  if (sim::Status started = provider.start(); !started.ok()) return discard(started.error());
  schedule_faults(scenario, loop, provider, *trace);
  std::unique_ptr<PipelineDriver> driver;
  if (scenario.pipeline) {
    driver = std::make_unique<PipelineDriver>(*scenario.pipeline, provider, loop, seed, trace.get());
    if (sim::Status started = driver->start(); !started.ok()) return discard(started.error());
  }

  sim::WallClockDriver clock(loop, 1.0);
  load.start(std::chrono::steady_clock::now());
  const sim::TimePoint limit = sim::TimePoint::start() + scenario.duration;
  bool all_done = false;
  sim::TimePoint done_at;
  bool interrupted = false;
  while (loop.now() < limit) {
    clock.run_until(std::min(limit, loop.now() + sim::Duration::millis(250)));
    if (options.on_step) options.on_step(loop.now(), provider);
    if (!provider.failure().empty()) {
      load.stop();
      provider.shutdown();
      return discard(sim::io_error("the real run stopped at " + sim::to_string(loop.now()) + ": " + provider.failure()));
    }
    if (options.interrupted != nullptr && options.interrupted->load()) {
      interrupted = true;
      break;
    }
    if (driver && options.stop_when_done) {
      const std::vector<const strategies::Execution*> all = driver->executions();
      const bool finished = !all.empty() && std::all_of(all.begin(), all.end(), [](const strategies::Execution* e) {
        return e->finished();
      });
      if (finished && !all_done) done_at = loop.now();
      all_done = finished;
      if (all_done && loop.now() - done_at >= options.settle) break;
    }
    if (options.on_progress) {
      std::string doing = "no pipeline";
      if (driver && driver->execution() != nullptr) {
        doing = std::string("pipeline ") + strategies::status_name(driver->execution()->status());
        for (const strategies::Stage* s : driver->execution()->all_stages()) {
          if (s->status == strategies::Status::kRunning && s->parent == nullptr) doing += ", stage " + s->name;
        }
      }
      options.on_progress(loop.now(), doing);
    }
  }
  load.stop();
  const sim::TimePoint end = loop.now();
  if (interrupted) {
    provider.shutdown();
    return discard(sim::Error{sim::ErrorCode::kIo, "interrupted at " + sim::to_string(end) + "; every process stopped, nothing written"});
  }
  trace->set_observer(nullptr);

  WorldRunSummary summary;
  summary.seed = seed;
  summary.simulated = end.since_start();
  std::vector<MetricsScope> scopes;
  for (const LocalProvider::GroupFigures& g : provider.group_figures()) {
    ServerGroupSummary s;
    s.name = g.name;
    s.version = g.version;
    s.server = g.metrics->total();
    s.instances_by_state = g.instances_by_state;
    summary.server_groups.push_back(std::move(s));
    scopes.push_back({"server_group", g.name, g.metrics});
  }
  std::vector<world::MetricSeries> clients;
  clients.reserve(scenario.world.traffic.size());
  UserFigures users;
  for (const world::TrafficSourceConfig& t : scenario.world.traffic) {
    clients.push_back(load.client_series(t.name).value_or(world::MetricSeries(scenario.world.metrics_interval)));
    const world::IntervalStats total = clients.back().total();
    summary.clients.emplace_back(t.name, total);
    summary.user_requests += t.synthetic ? 0 : total.requests();
    if (!t.synthetic) {
      users.user_requests += total.requests();
      users.failed_requests += total.errors();
    }
  }
  for (size_t t = 0; t < clients.size(); ++t) scopes.push_back({"client", scenario.world.traffic[t].name, &clients[t]});
  // A real run also knows which version answered each request.
  std::vector<std::map<std::string, world::MetricSeries>> by_version;
  by_version.reserve(scenario.world.traffic.size());
  for (const world::TrafficSourceConfig& t : scenario.world.traffic) {
    by_version.push_back(load.client_series_by_version(t.name));
    for (const auto& [version, series] : by_version.back()) scopes.push_back({"client_version", t.name + "/" + version, &series});
  }
  for (const world::VersionProfile& v : scenario.world.versions) {
    if (v.name == scenario.candidate) users.candidate_bad = v.bad;
  }
  const std::map<std::string, providers::local::VersionFacts> facts = load.version_facts();
  if (const auto it = facts.find(scenario.candidate); it != facts.end() && !scenario.candidate.empty()) {
    users.failed_by_candidate = it->second.failed;
    users.first_bad = it->second.first_bad;
    users.first_routed = it->second.first_routed;
  }
  summary.health_transitions = health_transitions;
  summary.crashes = crashes;
  finish_checks(scenario, checkers, end, summary);
  summary.scorecard = scorecard.finish(users, end);
  if (driver) summary.pipeline = summarise_pipeline(*driver);
  summary.events_run = loop.events_run();
  // Everything stops before the outputs are written: the run is over.
  driver.reset();
  provider.shutdown();
  record_scorecard(*trace, loop.now(), summary);
  if (sim::Status finished = trace->finish(); !finished.ok()) return discard(finished.error());
  trace_finished = true;
  summary.trace_events = trace->event_count();
  summary.trace_hash = trace->hash();
  if (!options.metrics_path.empty()) {
    const sim::Duration interval = scenario.world.metrics_interval;
    const auto intervals = static_cast<size_t>((summary.simulated + interval - sim::Duration::micros(1)) / interval);
    if (sim::Status written = write_metrics_csv(options.metrics_path, scopes, intervals); !written.ok()) {
      return discard(written.error());
    }
  }
  return summary;
}

}  // namespace deploysim::scenarios
