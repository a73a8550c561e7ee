// The invariant checkers (checkers.h).
#include "scenarios/checkers.h"

#include <algorithm>
#include <map>
#include <set>

#include "providers/target.h"
#include "scenarios/serving_state.h"

namespace deploysim::scenarios {

void Checker::violated(sim::TimePoint at, std::string what) {
  // A broken invariant usually stays broken for a while; the first moments say enough.
  constexpr size_t kKept = 20;
  if (violations_.size() < kKept) violations_.push_back({at, std::move(what)});
}

namespace {

sim::TimePoint at_of(const trace::Event& e) { return sim::TimePoint::from_micros(e.time_us()); }

// A server group's cluster: its name without the -vNNN sequence.
std::string cluster_of(const std::string& group) { return providers::cluster_of_server_group(group).value_or(group); }

class HealthyCapacity : public Checker {
 public:
  HealthyCapacity(int floor, std::set<std::string> watched) : floor_(floor), watched_(std::move(watched)) {}
  const char* name() const override { return "healthy-capacity"; }
  void observe(const trace::Event& e) override {
    // The state that counts at a moment is the one after all of that moment's events.
    if (at_of(e) > now_) check();
    now_ = at_of(e);
    state_.observe(e);
  }
  void finish(sim::TimePoint end) override {
    check();
    now_ = end;
  }

 private:
  void check() {
    for (const auto& [lb, instances] : state_.in_service()) {
      if (!watched_.empty() && watched_.count(lb) == 0) continue;
      const int n = static_cast<int>(instances.size());
      if (n >= floor_) {
        reached_.insert(lb);
        below_.erase(lb);
      } else if (reached_.count(lb) > 0 && below_.insert(lb).second) {
        violated(now_, lb + ": " + std::to_string(n) + " instance" + (n == 1 ? "" : "s") + " in service, below the floor of " +
                           std::to_string(floor_));
      }
    }
  }

  int floor_;
  std::set<std::string> watched_;
  sim::TimePoint now_;
  ServingState state_;
  std::set<std::string> reached_;  // load balancers that have had the floor
  std::set<std::string> below_;    // ... and are below it now (reported once per drop)
};

class RollbackRestores : public Checker {
 public:
  const char* name() const override { return "rollback-restores"; }
  void observe(const trace::Event& e) override {
    state_.observe(e);
    if (e.has_rollback()) pending_[e.rollback().execution() + "/" + e.rollback().stage_id()] = e.rollback();
    if (!e.has_stage() || e.stage().status() != "SUCCEEDED") return;
    const auto it = pending_.find(e.stage().execution() + "/" + e.stage().stage_id());
    if (it == pending_.end()) return;
    const trace::Rollback rb = it->second;
    pending_.erase(it);
    const std::string restored = state_.version_of(rb.restored());
    if (state_.serving(rb.restored()) == 0) {
      violated(at_of(e), "after rolling back " + rb.rolled_back() + ", the restored " + rb.restored() + " has no instance in service");
    }
    // The cluster's groups, wherever they serve; other clusters behind the same load balancers
    // (a canary's baseline, another application) are not this rollback's business.
    for (const auto& [lb, instances] : state_.in_service()) {
      for (const auto& [instance, group] : instances) {
        if (cluster_of(group) != cluster_of(rb.restored())) continue;
        if (group == rb.restored() || state_.version_of(group) == restored) continue;
        violated(at_of(e), "after rolling back to " + rb.restored() + " (" + restored + "), " + instance + " of " + group + " (" +
                               state_.version_of(group) + ") is still in service behind " + lb);
        return;
      }
    }
  }
  void finish(sim::TimePoint) override {}

 private:
  ServingState state_;
  std::map<std::string, trace::Rollback> pending_;
};

class NoDestroyWhileServing : public Checker {
 public:
  const char* name() const override { return "no-destroy-serving"; }
  void observe(const trace::Event& e) override {
    if (e.has_server_group() && e.server_group().action() == "destroying") {
      const int n = state_.serving(e.server_group().server_group());
      if (n > 0) {
        violated(at_of(e), e.server_group().server_group() + " destroyed with " + std::to_string(n) + " instance" +
                               (n == 1 ? "" : "s") + " in service");
      }
    }
    state_.observe(e);
  }
  void finish(sim::TimePoint) override {}

 private:
  ServingState state_;
};

class PipelinesFinish : public Checker {
 public:
  const char* name() const override { return "pipelines-finish"; }
  void observe(const trace::Event& e) override {
    if (e.has_execution()) status_[e.execution().execution()] = e.execution().pipeline() + "|" + e.execution().status();
  }
  void finish(sim::TimePoint end) override {
    for (const auto& [id, value] : status_) {
      const std::string pipeline = value.substr(0, value.find('|'));
      const std::string status = value.substr(value.find('|') + 1);
      if (status == "RUNNING" || status == "PAUSED" || status == "NOT_STARTED") {
        violated(end, id + " (" + pipeline + ") is still " + status + " when the scenario ends");
      }
    }
  }

 private:
  std::map<std::string, std::string> status_;  // execution -> "pipeline|status"
};

}  // namespace

std::vector<std::unique_ptr<Checker>> make_checkers(const CheckOptions& options) {
  std::vector<std::unique_ptr<Checker>> out;
  out.push_back(std::make_unique<HealthyCapacity>(options.healthy_floor, options.user_load_balancers));
  out.push_back(std::make_unique<RollbackRestores>());
  out.push_back(std::make_unique<NoDestroyWhileServing>());
  out.push_back(std::make_unique<PipelinesFinish>());
  return out;
}

const std::vector<std::string>& checker_names() {
  static const std::vector<std::string> names = {"healthy-capacity", "rollback-restores", "no-destroy-serving", "pipelines-finish"};
  return names;
}

}  // namespace deploysim::scenarios
