// rollbackCluster: Orca's explicit rollback of a cluster (RollbackClusterStage,
// DetermineRollbackCandidatesTask, ExplicitRollback). Per region, newest first: the group to roll
// back is the newest enabled one (or `serverGroup`), the one to restore is `originalServerGroup`
// or the newest other group (enabled ones only with additionalRollbackContext.
// onlyEnabledServerGroups). A region without two groups, or with none enabled, is skipped without
// error. Then: enable the restore group and wait for targetHealthyRollbackPercentage of it (by
// default 100% below 10 instances, 90% below 20, else 95%), resize it to the larger of the two
// capacities with min = desired, wait delayBeforeDisableSeconds, disable the rolled-back group,
// and give the restored group its original min back. additionalRollbackContext.disableOnly runs
// only the disable (a failed red/black: the old group still serves); enableAndDisableOnly only the
// enable and the disable (a failed rolling red/black).
#include <algorithm>

#include "strategies/expressions/expression.h"
#include "strategies/stages/server_group_support.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {

int default_healthy_percent(int desired) { return desired < 10 ? 100 : desired < 20 ? 90 : 95; }

Json capacity_json(const providers::Capacity& c) { return Json{{"min", c.min}, {"desired", c.desired}, {"max", c.max}}; }
providers::Capacity capacity_of(const Json& j) { return {j.value("min", 0), j.value("desired", 0), j.value("max", 0)}; }

class DetermineRollbackCandidatesTask : public Task {
 public:
  const char* name() const override { return "determineRollbackCandidates"; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    Stage* stage = &c.stage;
    Execution* execution = &c.execution;
    with_cluster(c, std::move(done), [stage, execution](const providers::ClusterInfo& info) {
      Json& ctx = stage->context;
      const std::string region = region_of(ctx);
      const bool only_enabled = ctx.contains("additionalRollbackContext") &&
                                as_boolean(ctx["additionalRollbackContext"].value("onlyEnabledServerGroups", Json(false))).value_or(false);
      std::vector<const providers::ServerGroupInfo*> groups;
      for (const providers::ServerGroupInfo& g : info.server_groups) {
        if (region.empty() || g.region == region) groups.push_back(&g);
      }
      std::stable_sort(groups.begin(), groups.end(), [](const auto* a, const auto* b) { return a->created_at > b->created_at; });
      const bool any_enabled = std::any_of(groups.begin(), groups.end(), [](const auto* g) { return !g->disabled; });
      if (groups.size() < 2 || !any_enabled) {
        ctx["rollbackSkipped"] = true;
        return TaskOutcome::succeeded(Json{{"rollbackSkipped", "fewer than two server groups, or none enabled"}});
      }
      const auto named = [&](const std::string& n) -> const providers::ServerGroupInfo* {
        for (const auto* g : groups) if (g->name == n) return g;
        return nullptr;
      };
      const providers::ServerGroupInfo* from = nullptr;
      if (ctx.contains("serverGroup") && ctx["serverGroup"].is_string()) from = named(ctx["serverGroup"].get<std::string>());
      for (const auto* g : groups) if (from == nullptr && !g->disabled) from = g;
      const providers::ServerGroupInfo* to = nullptr;
      if (ctx.contains("originalServerGroup") && ctx["originalServerGroup"].is_string()) to = named(ctx["originalServerGroup"].get<std::string>());
      for (const auto* g : groups) {
        if (to == nullptr && g != from && !(only_enabled && g->disabled)) to = g;
      }
      if (from == nullptr || to == nullptr) return TaskOutcome::terminal("no server group to roll back to in cluster " + info.name);
      trace::Event e;
      trace::Rollback* rb = e.mutable_rollback();
      rb->set_execution(execution->id());
      rb->set_stage_id(stage->id);
      rb->set_cluster(info.name);
      rb->set_region(region);
      rb->set_rolled_back(from->name);
      rb->set_restored(to->name);
      execution->record(std::move(e));
      ctx["rollbackServerGroupName"] = from->name;
      ctx["restoreServerGroupName"] = to->name;
      ctx["rollbackCapacity"] = capacity_json(from->capacity);
      ctx["restoreCapacity"] = capacity_json(to->capacity);
      if (!ctx.contains("targetHealthyRollbackPercentage")) {
        ctx["targetHealthyRollbackPercentage"] = default_healthy_percent(std::max(from->capacity.desired, to->capacity.desired));
      }
      ctx["targetHealthyDeployPercentage"] = ctx["targetHealthyRollbackPercentage"];
      return TaskOutcome::succeeded(Json{{"rollbackServerGroupName", from->name}, {"restoreServerGroupName", to->name}});
    });
  }
};

// Runs `inner` only when candidates were found; otherwise succeeds (the region was skipped).
class UnlessSkipped : public Task {
 public:
  explicit UnlessSkipped(std::unique_ptr<Task> inner) : inner_(std::move(inner)) {}
  const char* name() const override { return inner_->name(); }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    if (c.stage.context.value("rollbackSkipped", false)) return done(TaskOutcome::succeeded());
    inner_->run(c, std::move(done));
  }

 private:
  std::unique_ptr<Task> inner_;
};

// Points the shared wait tasks at `key`'s group, then acts on it.
ProviderCall on_group(const char* key, std::function<void(TaskContext&, const std::string&, std::function<void(const providers::OpResult&)>)> act) {
  return [key, act](TaskContext& c, std::function<void(const providers::OpResult&)> done) {
    const std::string name = c.stage.context.value(key, std::string());
    c.stage.context["serverGroupName"] = name;
    act(c, name, std::move(done));
  };
}

class RollbackClusterStage : public StageDefinition {
 public:
  const char* type() const override { return "rollbackCluster"; }
  sim::Status plan(Stage& stage, Execution&) const override {
    auto add = [&](std::unique_ptr<Task> t) { stage.tasks.push_back(std::make_unique<UnlessSkipped>(std::move(t))); };
    stage.tasks.push_back(std::make_unique<DetermineRollbackCandidatesTask>());
    const Json additional = stage.context.value("additionalRollbackContext", Json::object());
    const auto option = [&](const char* key) {
      return additional.is_object() && as_boolean(additional.value(key, Json(false))).value_or(false);
    };
    const bool disable_only = option("disableOnly");
    const bool enable_and_disable_only = option("enableAndDisableOnly");
    const auto disable = [&] {
      add(provider_task("disableServerGroup", on_group("rollbackServerGroupName", [](TaskContext& c, const std::string& n, auto done) {
        c.provider.disable_server_group(n, done);
      })));
      add(wait_for_disabled_task());
    };
    if (disable_only) {
      disable();
      return sim::Status();
    }
    add(provider_task("enableServerGroup", on_group("restoreServerGroupName", [](TaskContext& c, const std::string& n, auto done) {
      c.provider.enable_server_group(n, done);
    })));
    add(wait_for_up_instances_task());
    if (enable_and_disable_only) {
      disable();
      return sim::Status();
    }
    add(provider_task("resizeServerGroup", on_group("restoreServerGroupName", [](TaskContext& c, const std::string& n, auto done) {
      const providers::Capacity rb = capacity_of(c.stage.context["rollbackCapacity"]);
      const providers::Capacity rs = capacity_of(c.stage.context["restoreCapacity"]);
      const int desired = std::max(rb.desired, rs.desired);
      const providers::Capacity to{desired, desired, std::max(rb.max, rs.max)};
      if (to == rs) return done(providers::OpResult{});
      c.provider.resize_server_group(n, to, done);
    })));
    add(wait_for_capacity_match_task());
    const double delay = stage.context.value("delayBeforeDisableSeconds", 0.0);
    if (delay > 0) {
      add(provider_task("waitBeforeDisable", [delay](TaskContext& c, auto done) {
        c.loop.schedule_after(sim::Duration::micros(static_cast<int64_t>(delay * 1e6)),
                              sim::Action::boxed([done] { done(providers::OpResult{}); }));
      }));
    }
    disable();
    add(provider_task("restoreMinCapacity", on_group("restoreServerGroupName", [](TaskContext& c, const std::string& n, auto done) {
      const providers::Capacity rb = capacity_of(c.stage.context["rollbackCapacity"]);
      const providers::Capacity rs = capacity_of(c.stage.context["restoreCapacity"]);
      const int desired = std::max(rb.desired, rs.desired);
      c.provider.resize_server_group(n, {std::min(rs.min, desired), desired, std::max(rb.max, rs.max)}, done);
    })));
    return sim::Status();
  }
};

}  // namespace

std::unique_ptr<StageDefinition> make_rollback_cluster_stage() { return std::make_unique<RollbackClusterStage>(); }

}  // namespace deploysim::strategies
