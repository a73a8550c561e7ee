// Real runs on this machine: the scenarios in scenarios/real/ against the local provider, real
// deploysim-app processes behind a real HAProxy on 127.0.0.1, with the load generator's traffic.
// Each test also checks that nothing the run started is left: no process, no run directory.
#include <signal.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "providers/local/local_provider.h"
#include "scenarios/local_run.h"
#include "scenarios/serving_state.h"
#include "scenarios/world_run.h"
#include "sim/kernel/trace.h"

namespace deploysim::scenarios {
namespace {

namespace fs = std::filesystem;

LoadedScenario load(const std::string& name) {
  sim::Result<LoadedScenario> s = load_scenario(fs::path(DEPLOYSIM_REAL_SCENARIOS) / name);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return *s;
}

// A run for real that remembers every process and the run directory it saw, to check that they
// are all gone afterwards.
struct RealRun {
  LocalRunOptions options;
  std::set<pid_t> pids;
  fs::path run_dir;
  fs::path trace;

  explicit RealRun(const std::string& name) {
    options.app = DEPLOYSIM_APP;
    trace = fs::temp_directory_path() / ("deploysim-real-test-" + name + "-" + std::to_string(getpid()) + ".trace");
    options.trace_path = trace;
    options.on_step = [this](sim::TimePoint, providers::local::LocalProvider& p) {
      run_dir = p.run_dir();
      for (pid_t pid : p.live_pids()) pids.insert(pid);
    };
  }
  ~RealRun() {
    std::error_code ec;
    fs::remove(trace, ec);
  }
  void expect_nothing_left() const {
    EXPECT_FALSE(pids.empty()) << "the run started no process";
    for (pid_t pid : pids) {
      errno = 0;
      EXPECT_TRUE(kill(pid, 0) == -1 && errno == ESRCH) << "process " << pid << " is still there after the run";
    }
    EXPECT_FALSE(run_dir.empty());
    EXPECT_FALSE(fs::exists(run_dir)) << run_dir << " is still there after the run";
  }
};

// Calls `observe` with every event of the trace at `path`.
template <typename Observe>
void read_trace(const fs::path& path, Observe observe) {
  sim::Result<std::unique_ptr<sim::TraceReader>> reader = sim::TraceReader::open(path);
  ASSERT_TRUE(reader.ok()) << (reader.ok() ? "" : reader.error().message);
  trace::Event e;
  while (true) {
    sim::Result<bool> more = (*reader)->next(&e);
    ASSERT_TRUE(more.ok()) << more.error().message;
    if (!*more) break;
    observe(e);
  }
}

// What served at each stage transition of a trace: "<stage> <status>: <groups in service>", the
// sequence both a simulated and a real run of the same pipeline must go through.
std::vector<std::string> steps(const fs::path& path) {
  std::vector<std::string> out;
  ServingState serving;
  std::map<std::string, std::string> exists;  // group -> created / disabled
  read_trace(path, [&](const trace::Event& e) {
    serving.observe(e);
    if (e.has_server_group()) {
      const std::string& action = e.server_group().action();
      if (action == "destroying" || action == "destroyed") exists.erase(e.server_group().server_group());
      else exists[e.server_group().server_group()] = e.server_group().enabled() ? "enabled" : "disabled";
    }
    if (!e.has_stage() || e.stage().status() == "NOT_STARTED") return;
    std::string step = e.stage().name() + " " + e.stage().status() + ": serving";
    for (const auto& [group, state] : exists) {
      if (serving.serving(group) > 0) step += " " + group;
    }
    step += "; groups";
    for (const auto& [group, state] : exists) step += " " + group + " " + state;
    out.push_back(step);
  });
  return out;
}

// Red/black of four real instances under 250 requests/s: promoted with no failed request (the old
// group drains before it leaves), through the same states, step by step, as the simulation.
TEST(RealProvider, RedBlackPromotesWithNoFailedRequestAndMatchesTheSimulation) {
  const LoadedScenario scenario = load("redblack.json");
  RealRun real("redblack");
  sim::Result<WorldRunSummary> r = run_local(scenario, real.options);
  ASSERT_TRUE(r.ok()) << r.error().message;
  real.expect_nothing_left();
  EXPECT_EQ(r->scorecard.outcome, "promoted");
  EXPECT_EQ(r->scorecard.execution_status, "SUCCEEDED");
  EXPECT_EQ(r->scorecard.failed_requests, 0u);
  // At least 200 requests a second throughout.
  EXPECT_GE(double(r->scorecard.user_requests), 200 * r->simulated.to_seconds()) << "requests " << r->scorecard.user_requests;
  EXPECT_EQ(r->scorecard.min_healthy, 4);
  EXPECT_EQ(r->scorecard.peak_healthy, 8);

  LoadedScenario same_span = scenario;
  same_span.duration = r->simulated;
  WorldRunOptions sim_options;
  const fs::path sim_trace = real.trace.string() + ".sim";
  sim_options.trace_path = sim_trace;
  sim::Result<WorldRunSummary> s = run_world(same_span, sim_options);
  ASSERT_TRUE(s.ok()) << s.error().message;
  const std::vector<std::string> simulated = steps(sim_trace);
  const std::vector<std::string> actual = steps(real.trace);
  std::error_code ec;
  fs::remove(sim_trace, ec);
  EXPECT_GE(simulated.size(), 6u);
  EXPECT_EQ(actual, simulated);
}

// A canary of a candidate failing 20% of its requests: Kayenta's judge fails it, the canary and
// baseline are removed, and only the old version serves; the users' failures are counted.
TEST(RealProvider, BadCanaryIsFailedByTheJudgeAndOnlyTheOldVersionServesAfter) {
  const LoadedScenario scenario = load("canary-bad.json");
  RealRun real("canary");
  const fs::path csv = real.trace.string() + ".csv";
  real.options.metrics_path = csv;
  sim::Result<WorldRunSummary> r = run_local(scenario, real.options);
  ASSERT_TRUE(r.ok()) << r.error().message;
  real.expect_nothing_left();
  // The metrics CSV says which version answered: v2's rows carry the users' errors.
  uint64_t v2_errors = 0, v1_errors = 0;
  {
    std::ifstream in(csv);
    for (std::string line; std::getline(in, line);) {
      std::vector<std::string> f;
      std::stringstream fields(line);
      for (std::string x; std::getline(fields, x, ',');) f.push_back(x);
      if (f.size() > 4 && f[1] == "client_version") (f[2] == "users/v2" ? v2_errors : v1_errors) += std::stoull(f[4]);
    }
  }
  std::error_code ec;
  fs::remove(csv, ec);
  EXPECT_GT(v2_errors, 20u);
  EXPECT_EQ(v1_errors, 0u);
  ASSERT_TRUE(r->pipeline.has_value());
  EXPECT_EQ(r->pipeline->status, "TERMINAL");
  ASSERT_FALSE(r->pipeline->canary.empty());
  EXPECT_EQ(r->pipeline->canary[0].classification, "Fail");
  EXPECT_NE(r->pipeline->canary[0].metrics.find("error rate High"), std::string::npos) << r->pipeline->canary[0].metrics;
  EXPECT_EQ(r->scorecard.outcome, "rolled_back");
  EXPECT_TRUE(r->scorecard.verdict_correct);
  // Users met the candidate's errors while it served a sixth of the traffic, and only there.
  EXPECT_GT(r->scorecard.failed_by_candidate, 20u);
  EXPECT_EQ(r->scorecard.failed_requests, r->scorecard.failed_by_candidate);
  ASSERT_TRUE(r->scorecard.time_to_detect.has_value());
  // At the end only v1 groups serve.
  ServingState serving;
  read_trace(real.trace, [&](const trace::Event& e) { serving.observe(e); });
  std::set<std::string> versions;
  for (const auto& [lb, instances] : serving.in_service()) {
    for (const auto& [instance, group] : instances) versions.insert(serving.version_of(group));
  }
  EXPECT_EQ(versions, std::set<std::string>{"v1"});
}

// kill -9 of a new instance while the deploy waits for it: HAProxy's checks take it out, it is
// replaced, and the pipeline still finishes. The new version runs as a user's own command (here
// the sample service again, started through the {port} placeholder).
TEST(RealProvider, KilledInstanceMidDeployIsTakenOutAndThePipelineFinishes) {
  LoadedScenario scenario = load("highlander-kill.json");
  RealRun real("kill");
  real.options.commands["v2"] = {DEPLOYSIM_APP, "--port", "{port}", "--version", "{version}", "--instance", "{instance}"};
  sim::Result<WorldRunSummary> r = run_local(scenario, real.options);
  ASSERT_TRUE(r.ok()) << r.error().message;
  real.expect_nothing_left();
  ASSERT_TRUE(r->pipeline.has_value());
  EXPECT_TRUE(r->pipeline->status == "SUCCEEDED" || r->pipeline->status == "TERMINAL") << r->pipeline->status;
  EXPECT_EQ(r->crashes, 1u);
  // The killed instance was marked unhealthy by the balancer's checks before it was replaced.
  std::string killed;
  bool unhealthy = false;
  read_trace(real.trace, [&](const trace::Event& e) {
    if (e.has_instance() && e.instance().reason().find("signal 9") != std::string::npos) killed = e.instance().instance();
    if (e.has_target() && !killed.empty() && e.target().instance() == killed && e.target().health() == "unhealthy") unhealthy = true;
  });
  EXPECT_FALSE(killed.empty()) << "no instance was killed";
  EXPECT_TRUE(unhealthy) << killed << " was never marked unhealthy";
  int v2_running = 0;
  uint64_t v2_served = 0;
  for (const ServerGroupSummary& g : r->server_groups) {
    for (const auto& [state, n] : g.instances_by_state) v2_running += g.version == "v2" && state == "running" ? n : 0;
    if (g.version == "v2") v2_served += g.server.requests();
  }
  EXPECT_EQ(v2_running, 4);
  EXPECT_GT(v2_served, 1000u) << "the command's instances served nothing";
}

// Ctrl-C mid-run: every process stops, the run directory goes, and no trace is left that could
// pass for a finished run.
TEST(RealProvider, AnInterruptedRunLeavesNothingBehind) {
  const LoadedScenario scenario = load("redblack.json");
  // A run directory left by a deploysim that was killed outright goes with the next run.
  const fs::path stale = fs::temp_directory_path() / ("deploysim-local-stale-" + std::to_string(getpid()));
  fs::create_directories(stale);
  std::ofstream(stale / "owner.pid") << 999999999 << "\n";  // above any pid_max: no such process
  RealRun real("interrupt");
  std::atomic<bool> interrupted{false};
  real.options.interrupted = &interrupted;
  auto remember = real.options.on_step;
  real.options.on_step = [&](sim::TimePoint t, providers::local::LocalProvider& p) {
    remember(t, p);
    if (t >= sim::TimePoint::start() + sim::Duration::seconds(8)) interrupted = true;  // mid-deploy
  };
  sim::Result<WorldRunSummary> r = run_local(scenario, real.options);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("interrupted"), std::string::npos) << r.error().message;
  real.expect_nothing_left();
  EXPECT_GT(real.pids.size(), 5u);  // HAProxy, four old and some new instances
  EXPECT_FALSE(fs::exists(real.trace));
  EXPECT_FALSE(fs::exists(real.trace.string() + ".partial"));
  EXPECT_FALSE(fs::exists(stale)) << stale;
}

// World features a single machine cannot honour are refused, each named, unless ignored.
TEST(RealProvider, UnsupportedWorldFeaturesAreNamed) {
  LoadedScenario scenario = load("redblack.json");
  EXPECT_TRUE(unsupported_features(scenario).empty());
  scenario.world.regions[0].zones.push_back("local-b");
  scenario.world.api.rate_limit_per_s = 5;
  world::FaultConfig outage;
  outage.kind = world::FaultConfig::Kind::kZoneOutage;
  scenario.world.faults.push_back(outage);
  const std::vector<std::string> found = unsupported_features(scenario);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_NE(found[0].find("zones"), std::string::npos) << found[0];
  EXPECT_NE(found[1].find("throttling"), std::string::npos) << found[1];
  EXPECT_NE(found[2].find("zone_outage"), std::string::npos) << found[2];
  LocalRunOptions options;
  options.app = DEPLOYSIM_APP;
  sim::Result<WorldRunSummary> r = run_local(scenario, options);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--ignore-unsupported"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace deploysim::scenarios
