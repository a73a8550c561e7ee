// Choosing and acting on a cluster's server groups for the cluster-wide stages.
#include "strategies/stages/cluster_support.h"

#include <algorithm>

#include "strategies/expressions/expression.h"
#include "strategies/stages/server_group_support.h"

namespace deploysim::strategies {
namespace {

bool flag(const Json& ctx, const char* key) { return as_boolean(ctx.value(key, Json(false))).value_or(false); }

// "Active" as Orca's cluster tasks define it: enabled, or with an instance Up.
bool active(const providers::ServerGroupInfo& g) {
  if (!g.disabled) return true;
  for (const providers::InstanceInfo& i : g.instances) {
    for (const providers::Health& h : i.health) {
      if (!h.platform && h.state == providers::HealthState::kUp) return true;
    }
  }
  return false;
}

// The groups the operation acts on, in the order Orca acts: the candidates (active groups for a
// disable; inactive ones for a scale-down or shrink unless allowScaleDownActive / allowDeleteActive),
// ordered by what to keep (active first when active ones may go, then larger if preferred, then
// newer); the first N are kept and the rest acted on.
std::vector<std::string> choose(ClusterOperation op, const Json& ctx, const providers::ClusterInfo& info) {
  const std::string region = region_of(ctx);
  std::vector<const providers::ServerGroupInfo*> groups;
  for (const providers::ServerGroupInfo& g : info.server_groups) {
    if (region.empty() || g.region == region) groups.push_back(&g);
  }
  size_t keep = 1;
  bool prefer_larger = flag(ctx, "preferLargerOverNewer");
  bool active_first = false;
  switch (op) {
    case ClusterOperation::kDisable:
      keep = static_cast<size_t>(std::max(0, ctx.value("remainingEnabledServerGroups", 1)));
      std::erase_if(groups, [](const auto* g) { return !active(*g); });
      break;
    case ClusterOperation::kScaleDown:
      keep = static_cast<size_t>(std::max(0, ctx.value("remainingFullSizeServerGroups", 1)));
      if (!flag(ctx, "allowScaleDownActive")) std::erase_if(groups, [](const auto* g) { return active(*g); });
      else active_first = true;
      break;
    case ClusterOperation::kShrink:
      keep = static_cast<size_t>(std::max(0, ctx.value("shrinkToSize", 1)));
      prefer_larger = flag(ctx, "retainLargerOverNewer");
      if (!flag(ctx, "allowDeleteActive")) std::erase_if(groups, [](const auto* g) { return active(*g); });
      else active_first = true;
      break;
  }
  std::stable_sort(groups.begin(), groups.end(), [&](const auto* a, const auto* b) {
    if (active_first && active(*a) != active(*b)) return active(*a);
    if (prefer_larger && a->instances.size() != b->instances.size()) return a->instances.size() > b->instances.size();
    return a->created_at > b->created_at;
  });
  std::vector<std::string> targets;
  for (size_t i = keep; i < groups.size(); ++i) targets.push_back(groups[i]->name);
  return targets;
}

class ClusterOperationTask : public Task {
 public:
  explicit ClusterOperationTask(ClusterOperation op) : op_(op) {}
  const char* name() const override {
    return op_ == ClusterOperation::kDisable ? "disableCluster" : op_ == ClusterOperation::kScaleDown ? "scaleDownCluster" : "shrinkCluster";
  }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    if (!chosen_) {
      Stage* stage = &c.stage;
      const ClusterOperation op = op_;
      bool* chosen = &chosen_;
      std::vector<std::string>* targets = &targets_;
      return with_cluster(c, std::move(done), [=](const providers::ClusterInfo& info) {
        *targets = choose(op, stage->context, info);
        *chosen = true;
        Json names = Json::array();
        for (const std::string& n : *targets) names.push_back(n);
        stage->context["targetServerGroups"] = names;
        return TaskOutcome::running(sim::Duration::millis(1));
      });
    }
    if (next_ >= targets_.size()) return done(TaskOutcome::succeeded());
    const std::string target = targets_[next_];
    size_t* next = &next_;
    sim::EventLoop& loop = c.loop;
    if (!first_try_) first_try_ = loop.now();
    const sim::TimePoint first = *first_try_;
    auto finished = [=, &loop, done = std::move(done)](const providers::OpResult& r) {
      if (r.ok() || r.code == providers::ErrorCode::kNotFound) {
        ++*next;
        return done(TaskOutcome::running(sim::Duration::millis(1)));
      }
      done(retry_or_fail(r, first, loop.now(), "cluster operation on " + target));
    };
    switch (op_) {
      case ClusterOperation::kDisable: return c.provider.disable_server_group(target, finished);
      case ClusterOperation::kScaleDown: return c.provider.resize_server_group(target, {0, 0, 0}, finished);
      case ClusterOperation::kShrink: return c.provider.destroy_server_group(target, finished);
    }
  }

 private:
  ClusterOperation op_;
  bool chosen_ = false;
  std::vector<std::string> targets_;
  size_t next_ = 0;
  std::optional<sim::TimePoint> first_try_;
};

class ClusterWaitTask : public Task {
 public:
  explicit ClusterWaitTask(ClusterOperation op) : op_(op) {}
  const char* name() const override { return "waitForClusterOperation"; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    const Json targets = c.stage.context.value("targetServerGroups", Json::array());
    const ClusterOperation op = op_;
    // Disabling keeps waiting at least 90 s so connections drain (disable-cluster-min-time-millis).
    const bool min_wait_over = op != ClusterOperation::kDisable || c.loop.now() - c.stage.start_time >= sim::Duration::seconds(90);
    with_cluster(c, std::move(done), [=](const providers::ClusterInfo& info) {
      for (const Json& t : targets) {
        const providers::ServerGroupInfo* g = find_group(info, t.get<std::string>());
        if (op == ClusterOperation::kShrink && g != nullptr) return TaskOutcome::running(sim::Duration::seconds(10));
        if (op == ClusterOperation::kScaleDown && g != nullptr && !g->instances.empty()) return TaskOutcome::running(sim::Duration::seconds(10));
        if (op == ClusterOperation::kDisable && g != nullptr && active(*g)) return TaskOutcome::running(sim::Duration::seconds(10));
      }
      if (!min_wait_over) return TaskOutcome::running(sim::Duration::seconds(10));
      return TaskOutcome::succeeded();
    });
  }

 private:
  ClusterOperation op_;
};

}  // namespace

std::unique_ptr<Task> cluster_operation_task(ClusterOperation op) { return std::make_unique<ClusterOperationTask>(op); }
std::unique_ptr<Task> cluster_wait_task(ClusterOperation op) { return std::make_unique<ClusterWaitTask>(op); }

}  // namespace deploysim::strategies
