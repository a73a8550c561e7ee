// The viewer's in-process run.
#include "viz/live/live_run.h"

#include <chrono>

namespace deploysim::viz {

sim::Result<std::unique_ptr<LiveRun>> LiveRun::start(const std::filesystem::path& scenario, std::optional<uint64_t> seed,
                                                     const std::filesystem::path& trace_path) {
  sim::Result<scenarios::LoadedScenario> loaded = scenarios::load_scenario(scenario);
  if (!loaded.ok()) return loaded.error();
  std::unique_ptr<LiveRun> run(new LiveRun());
  run->scenario_ = std::move(*loaded);
  scenarios::WorldRunOptions options;
  options.seed = seed;
  options.trace_path = trace_path;
  LiveRun* self = run.get();
  options.on_event = [self](const trace::Event& e) { self->store_.add(e); };
  sim::Result<std::unique_ptr<scenarios::WorldSession>> session = scenarios::WorldSession::open(run->scenario_, options);
  if (!session.ok()) return session.error();
  run->session_ = std::move(*session);
  run->store_.set_header(run->session_->header());

  LiveControls& c = run->controls_;
  c.pending_judgments = [self] {
    std::vector<LiveControls::Judgment> out;
    for (const auto& p : self->session_->pending_judgments()) out.push_back({p.execution, p.stage, p.stage_id, p.instructions, p.inputs});
    return out;
  };
  c.judge = [self](const LiveControls::Judgment& j, const std::string& status, const std::string& input) {
    return self->act(scenarios::OperatorAction::judgment(j.execution, j.stage_id, status, input));
  };
  c.clusters = [self] {
    std::vector<LiveControls::Cluster> out;
    for (const auto& cl : self->session_->clusters()) out.push_back({cl.name, cl.region});
    return out;
  };
  c.rollback = [self](const LiveControls::Cluster& cl) { return self->act(scenarios::OperatorAction::rollback(cl.name, cl.region)); };
  c.crash = [self](const std::string& group, int count) { return self->act(scenarios::OperatorAction::crash(group, count)); };
  c.fail_health = [self](const std::string& group, Micros duration) {
    return self->act(scenarios::OperatorAction::health_failure(group, sim::Duration::micros(duration)));
  };
  c.set_error_rate = [self](const std::string& version, double p) {
    return self->act(scenarios::OperatorAction::error_rate(version, p));
  };
  c.versions = [self] {
    std::vector<std::string> out;
    const world::World& w = self->session_->world();
    for (size_t v = 0; v < w.version_count(); ++v) out.push_back(w.version(static_cast<uint32_t>(v)).name);
    return out;
  };
  c.step = [self] { self->step(); };
  c.finished = [self] { return self->at_end(); };
  return run;
}

std::string LiveRun::act(scenarios::OperatorAction action) {
  const sim::Status done = session_->act(std::move(action));
  last_error_ = done.ok() ? std::string() : done.error().message;
  return last_error_;
}

double LiveRun::advance(double wall_seconds, double speed, double budget_seconds) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(budget_seconds));
  const sim::TimePoint from = session_->now();
  const sim::TimePoint target = std::min(session_->end(), from + sim::Duration::micros(static_cast<int64_t>(wall_seconds * speed * 1e6)));
  // Small slices, so that a slow stretch of the run gives up the frame in time.
  const sim::Duration slice = sim::Duration::millis(std::max<int64_t>(1, static_cast<int64_t>(speed * 2)));
  while (session_->now() < target && Clock::now() < deadline) {
    const sim::TimePoint next = std::min(target, session_->now() + slice);
    if (const sim::Status ran = session_->run_until(next); !ran.ok()) {
      last_error_ = ran.error().message;
      break;
    }
  }
  return (session_->now() - from).to_seconds();
}

bool LiveRun::step() { return session_->step(); }

sim::Result<scenarios::WorldRunSummary> LiveRun::finish() {
  sim::Result<scenarios::WorldRunSummary> summary = session_->finish();
  if (summary.ok()) store_.mark_complete(summary->trace_hash);
  return summary;
}

}  // namespace deploysim::viz
