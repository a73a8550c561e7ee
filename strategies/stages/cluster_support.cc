// Choosing and acting on a cluster's server groups for the cluster-wide stages.
#include "strategies/stages/cluster_support.h"

#include <algorithm>
#include <cmath>

#include "strategies/expressions/expression.h"
#include "strategies/stages/server_group_support.h"

namespace deploysim::strategies {
namespace {

// The regions a stage names: every string of regions[], else the one region_of finds ("" for all).
std::vector<std::string> regions_of(const Json& ctx) {
  std::vector<std::string> out;
  if (ctx.contains("regions") && ctx["regions"].is_array()) {
    for (const Json& r : ctx["regions"]) {
      if (r.is_string() && std::find(out.begin(), out.end(), r.get<std::string>()) == out.end()) out.push_back(r.get<std::string>());
    }
  }
  if (out.empty()) out.push_back(region_of(ctx));
  return out;
}


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

// Orca's StageExecution.ancestors(): the stages upstream of `stage` (its requisites, and theirs)
// and its parents with their own ancestors. After-stages run in order, so the earlier ones count
// as upstream of the later.
void collect_ancestors(const Execution& e, const Stage& stage, std::vector<const Stage*>& out) {
  const auto add = [&](const Stage* s) {
    if (std::find(out.begin(), out.end(), s) != out.end()) return;
    out.push_back(s);
    collect_ancestors(e, *s, out);
  };
  const auto& group = stage.parent == nullptr ? e.stages() : stage.runs_after() ? stage.parent->after : stage.parent->before;
  for (const auto& sibling : group) {
    if (sibling.get() == &stage) {
      if (stage.runs_after()) break;  // everything before it in the list is upstream
      continue;
    }
    const bool required = std::find(stage.requisites.begin(), stage.requisites.end(), sibling->ref_id) != stage.requisites.end();
    if (required || stage.runs_after()) add(sibling.get());
  }
  if (stage.parent != nullptr) add(stage.parent);
}

// The groups an ancestor deploy of `stage` created in `region` (Orca's parentDeployedServerGroups):
// what a createServerGroup or cloneServerGroup among its ancestors recorded in deploy.server.groups.
std::vector<std::string> parent_deployed(const Execution& e, const Stage& stage, const std::string& region) {
  std::vector<std::string> names;
  std::vector<const Stage*> ancestors;
  collect_ancestors(e, stage, ancestors);
  for (const Stage* s : ancestors) {
    for (const auto& [where, group] : s->deployed_server_groups()) {
      if (region.empty() || where == region) names.push_back(group);
    }
  }
  return names;
}

// The groups the operation acts on, as Orca's cluster tasks choose them. In the stage's region:
// leave out what an ancestor deploy created and anything newer (filterParentAndNewerThanParentDeploys);
// keep only active groups for a disable, only inactive ones for a scale-down or shrink unless
// allowScaleDownActive / allowDeleteActive; order them by what to keep (active first when active
// ones may go, then larger if preferred, then newer); and act on all but the first N, where N is
// the number to remain less the groups already left out (so a new deploy counts as remaining).
std::vector<std::string> choose(ClusterOperation op, const Json& ctx, const std::string& region,
                                const providers::ClusterInfo& info, const std::vector<std::string>& deployed_by_parents) {
  std::vector<const providers::ServerGroupInfo*> groups;
  for (const providers::ServerGroupInfo& g : info.server_groups) {
    if (region.empty() || g.region == region) groups.push_back(&g);
  }
  const size_t all = groups.size();
  const auto deployed = [&](const providers::ServerGroupInfo* g) {
    return std::find(deployed_by_parents.begin(), deployed_by_parents.end(), g->name) != deployed_by_parents.end();
  };
  std::optional<sim::TimePoint> oldest_deployed;
  for (const auto* g : groups) {
    if (deployed(g) && (!oldest_deployed || g->created_at < *oldest_deployed)) oldest_deployed = g->created_at;
  }
  if (oldest_deployed) std::erase_if(groups, [&](const auto* g) { return deployed(g) || g->created_at > *oldest_deployed; });
  const auto remaining = [&](const char* key) { return std::max(0, int_field(ctx, key).value_or(1)); };
  int drop = 0;
  bool prefer_larger = flag_field(ctx, "preferLargerOverNewer");
  bool active_first = false;
  switch (op) {
    case ClusterOperation::kDisable:
      // DisableClusterTask counts what was left out before it sets inactive groups aside.
      drop = std::max(0, remaining("remainingEnabledServerGroups") - static_cast<int>(all - groups.size()));
      std::erase_if(groups, [](const auto* g) { return !active(*g); });
      break;
    case ClusterOperation::kScaleDown:
      active_first = flag_field(ctx, "allowScaleDownActive");
      if (!active_first) std::erase_if(groups, [](const auto* g) { return active(*g); });
      drop = std::max(0, remaining("remainingFullSizeServerGroups") - static_cast<int>(all - groups.size()));
      break;
    case ClusterOperation::kShrink:
      prefer_larger = flag_field(ctx, "retainLargerOverNewer");
      active_first = flag_field(ctx, "allowDeleteActive");
      if (!active_first) std::erase_if(groups, [](const auto* g) { return active(*g); });
      drop = std::max(0, remaining("shrinkToSize") - static_cast<int>(all - groups.size()));
      break;
  }
  std::stable_sort(groups.begin(), groups.end(), [&](const auto* a, const auto* b) {
    if (active_first && active(*a) != active(*b)) return active(*a);
    if (prefer_larger && a->instances.size() != b->instances.size()) return a->instances.size() > b->instances.size();
    return a->created_at > b->created_at;
  });
  std::vector<std::string> targets;
  for (size_t i = static_cast<size_t>(drop); i < groups.size(); ++i) targets.push_back(groups[i]->name);
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
      // Every region the stage names, each on its own (Orca's locations).
      std::vector<std::pair<std::string, std::vector<std::string>>> regions;
      for (const std::string& r : regions_of(c.stage.context)) regions.emplace_back(r, parent_deployed(c.execution, c.stage, r));
      return with_cluster(c, std::move(done), [=](const providers::ClusterInfo& info) {
        targets->clear();
        for (const auto& [region, deployed] : regions) {
          for (const std::string& t : choose(op, stage->context, region, info, deployed)) targets->push_back(t);
        }
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
    // Disabling keeps waiting a while so connections drain (Orca's disable-cluster-min-time-millis).
    const bool min_wait_over =
        op != ClusterOperation::kDisable || c.loop.now() - c.stage.start_time >= c.execution.hooks().disable_cluster_min_time();
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
