// Building, running and summarising a world scenario, and writing its outputs atomically.
#include "scenarios/world_run.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>

#include "sim/kernel/event_loop.h"
#include "sim/kernel/trace.h"
#include "providers/sim/sim_provider.h"
#include "scenarios/pipeline_driver.h"
#include "scenarios/run_outputs.h"
#include "scenarios/world_session.h"
#include "sim/world/cloud_api.h"
#include "sim/world/world.h"

namespace deploysim::scenarios {
namespace {

namespace fs = std::filesystem;

// One CSV row per scope and interval: server groups (server side) and traffic sources (client).
void write_metrics_rows(std::ostream& out, const char* kind, const std::string& scope,
                        const world::MetricSeries& series, size_t intervals) {
  const double seconds = series.interval().to_seconds();
  static const world::IntervalStats kEmpty;
  for (size_t i = 0; i < intervals; ++i) {
    const world::IntervalStats& s = i < series.interval_count() ? series.at_interval(i) : kEmpty;
    char row[512];
    const uint64_t requests = s.requests();
    std::snprintf(row, sizeof(row), "%.3f,%s,%s,%" PRIu64 ",%" PRIu64 ",%.6f,%.3f,%.3f,%.3f,%.3f,%d",
                  static_cast<double>(i) * seconds, kind, scope.c_str(), requests, s.errors(),
                  requests ? double(s.errors()) / double(requests) : 0.0, double(requests) / seconds,
                  s.latency.quantile(0.5).to_seconds() * 1e3, s.latency.quantile(0.9).to_seconds() * 1e3,
                  s.latency.quantile(0.99).to_seconds() * 1e3, series.has_data(i) ? 0 : 1);
    out << row;
    for (size_t o = 0; o < s.outcomes.size(); ++o) out << ',' << s.outcomes[o];
    out << '\n';
  }
}

}  // namespace

sim::Status write_metrics_csv(const fs::path& path, const std::vector<MetricsScope>& scopes, size_t intervals) {
  fs::path partial = path;
  partial += ".partial";
  std::ofstream out(partial, std::ios::trunc);
  if (!out) return sim::io_error("cannot create metrics file " + partial.string() + ": " + std::strerror(errno));
  out << "time_s,scope_kind,scope,requests,errors,error_rate,request_rate,latency_p50_ms,"
         "latency_p90_ms,latency_p99_ms,gap";
  for (int o = 0; o < world::kOutcomeCount; ++o) out << ',' << world::outcome_name(static_cast<world::Outcome>(o));
  out << '\n';
  for (const MetricsScope& s : scopes) write_metrics_rows(out, s.kind, s.scope, *s.series, intervals);
  out.flush();
  const bool ok = static_cast<bool>(out);
  out.close();
  std::error_code ec;
  if (!ok) {
    fs::remove(partial, ec);
    return sim::io_error("writing metrics file " + partial.string() + " failed");
  }
  fs::rename(partial, path, ec);
  if (ec) return sim::io_error("cannot move " + partial.string() + " to " + path.string() + ": " + ec.message());
  return sim::Status();
}

WorldRunSummary summarise_world(const world::World& w, uint64_t seed, sim::Duration simulated) {
  WorldRunSummary summary;
  summary.seed = seed;
  summary.simulated = simulated;
  for (size_t g = 0; g < w.server_group_count(); ++g) {
    const world::ServerGroup& group = w.server_group(static_cast<world::ServerGroupId>(g));
    ServerGroupSummary s;
    s.name = group.name;
    s.version = w.version(group.version).name;
    s.server = group.metrics.total();
    int counts[5] = {};
    for (world::InstanceId i : group.instances) ++counts[static_cast<int>(w.instance(i).state)];
    for (int k = 0; k < 5; ++k) {
      if (counts[k] > 0) s.instances_by_state.emplace_back(world::state_name(static_cast<world::InstanceState>(k)), counts[k]);
    }
    summary.server_groups.push_back(std::move(s));
  }
  for (size_t t = 0; t < w.traffic_source_count(); ++t) {
    summary.clients.emplace_back(w.traffic_source(t).config.name, w.traffic_source(t).client.total());
  }
  summary.user_requests = w.totals().user_requests;
  summary.health_transitions = w.totals().health_transitions;
  summary.crashes = w.totals().crashes;
  return summary;
}

PipelineSummary summarise_pipeline(const PipelineDriver& driver) {
  PipelineSummary p;
  p.name = driver.pipeline().name;
  const strategies::Execution* e = driver.execution();
  if (e == nullptr) {
    p.status = "NOT_STARTED";
    return p;
  }
  p.status = strategies::status_name(e->status());
  p.start = e->start_time();
  p.end = e->end_time();
  std::function<void(const strategies::Stage&, int)> add = [&](const strategies::Stage& s, int depth) {
    p.stages.push_back({s.name, s.type, strategies::status_name(s.status), s.start_time, s.end_time, s.message, depth});
    for (const auto& b : s.before) add(*b, depth + 1);
    for (const auto& a : s.after) add(*a, depth + 1);
  };
  for (const auto& s : e->stages()) add(*s, 0);
  for (const strategies::Stage* s : e->all_stages()) {
    if (s->type != "runCanary" || !s->outputs.contains("canaryScore") || s->parent == nullptr) continue;
    PipelineSummary::CanaryInterval c;
    c.stage = s->parent->name;
    c.interval = s->context.value("interval", int64_t{0});
    c.at = s->end_time;
    c.baseline = s->outputs.value("controlScope", std::string());
    c.canary = s->outputs.value("experimentScope", std::string());
    c.score = s->outputs["canaryScore"].get<double>();
    c.classification = s->outputs.value("classification", std::string());
    for (const strategies::Json& m : s->outputs.value("metrics", strategies::Json::array())) {
      if (!c.metrics.empty()) c.metrics += ", ";
      c.metrics += m.value("name", std::string()) + " " + m.value("classification", std::string()) +
                   (m.value("critical", false) ? " (critical)" : "");
    }
    p.canary.push_back(c);
  }
  for (const strategies::Execution* x : driver.executions()) {
    p.executions.push_back({x->id(), x->config().name, x->trigger().value("type", std::string()),
                            strategies::status_name(x->status()), x->start_time()});
  }
  return p;
}

sim::Result<std::unique_ptr<sim::TraceWriter>> open_trace(const LoadedScenario& scenario, uint64_t seed,
                                                          const fs::path& path) {
  if (path.empty()) return std::make_unique<sim::TraceWriter>();
  return sim::TraceWriter::create(path, trace_header(scenario, seed));
}

void record_scorecard(sim::TraceWriter& trace, sim::TimePoint at, const WorldRunSummary& summary) {
  trace::Event e;
  trace::RunScorecard* r = e.mutable_scorecard();
  const Scorecard& card = summary.scorecard;
  r->set_candidate(card.candidate);
  r->set_outcome(card.outcome);
  r->set_verdict(card.verdict);
  r->set_verdict_correct(card.verdict_correct);
  r->set_execution_status(card.execution_status);
  for (const auto& [name, value] : scorecard_figures(card)) {
    trace::RunScorecard::Figure* f = r->add_figures();
    f->set_name(name);
    f->set_present(value.has_value());
    f->set_value(value.value_or(0));
  }
  for (const WorldRunSummary::Check& c : summary.checks) {
    trace::RunScorecard::Check* k = r->add_checks();
    k->set_name(c.name);
    k->set_violations(static_cast<uint32_t>(c.violations.size()));
    k->set_passed(c.passed());
    if (!c.violations.empty()) k->set_first_violation(c.violations.front().what);
  }
  trace.append(at, e);
}

trace::Header trace_header(const LoadedScenario& scenario, uint64_t seed) {
  trace::Header header;
  header.set_format_version(sim::kTraceFormatVersion);
  header.set_build_id(DEPLOYSIM_BUILD_ID);
  header.set_seed(seed);
  header.set_scenario_name(scenario.name);
  header.set_scenario_text(scenario.text);
  header.set_scenario_path(scenario.path.string());
  header.set_variant(scenario.variant);
  return header;
}

sim::Status probe_output(const fs::path& path) {
  if (path.empty()) return sim::Status();
  fs::path probe = path;
  probe += ".partial";
  std::ofstream test(probe, std::ios::trunc);
  if (!test) return sim::io_error("cannot create output file " + probe.string() + ": " + std::strerror(errno));
  test.close();
  std::error_code ec;
  fs::remove(probe, ec);
  return sim::Status();
}

std::vector<std::unique_ptr<Checker>> scenario_checkers(const LoadedScenario& scenario) {
  CheckOptions check_options{scenario.checks.healthy_floor, {}};
  for (const world::TrafficSourceConfig& t : scenario.world.traffic) {
    if (!t.synthetic) check_options.user_load_balancers.insert(t.load_balancer);
  }
  return make_checkers(check_options);
}

void finish_checks(const LoadedScenario& scenario, std::vector<std::unique_ptr<Checker>>& checkers, sim::TimePoint end,
                   WorldRunSummary& summary) {
  for (const auto& c : checkers) {
    c->finish(end);
    const auto listed = [&](const std::vector<std::string>& names) {
      return std::find(names.begin(), names.end(), c->name()) != names.end();
    };
    summary.checks.push_back({c->name(), c->violations(), listed(scenario.checks.allow), listed(scenario.checks.expect_violations)});
  }
}

sim::Result<WorldRunSummary> run_world(const LoadedScenario& scenario, const WorldRunOptions& options) {
  sim::Result<std::unique_ptr<WorldSession>> opened = WorldSession::open(scenario, options);
  if (!opened.ok()) return opened.error();
  WorldSession& session = **opened;
  for (sim::TimePoint t = sim::TimePoint::start(); t < session.end();) {
    t = std::min(session.end(), t + options.progress_every);
    if (sim::Status ran = session.run_until(t); !ran.ok()) return ran.error();
    if (options.on_progress) options.on_progress(t);
  }
  return session.finish();
}

}  // namespace deploysim::scenarios
