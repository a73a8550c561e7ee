// deploy: one synthetic createServerGroup stage per entry of clusters[] (ParallelDeployStage),
// running in parallel, each finding the cluster's source group (SourceResolver), creating the
// cluster's next server group, waiting for its instances to be up, and then running its deploy
// strategy's steps (deploy_strategies.h). Load balancers not listed in the cluster are taken from
// the source group, as a deploy's source lends its settings; useSourceCapacity takes its capacity.
// A deploy in a strategy pipeline (trigger.parameters.strategy, started by a custom strategy)
// deploys the parent's cluster with strategy none.
#include <algorithm>

#include "providers/target.h"
#include "strategies/expressions/expression.h"
#include "strategies/stages/deploy_strategies.h"
#include "strategies/stages/server_group_support.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {

// SourceResolver: an explicit source; else, in the deploy's region, the newest enabled group
// (the newest disabled one if none is enabled), or with useSourceCapacity the largest (ties to
// the newest). Recorded as context.source; useSourceCapacity then copies its capacity.
class DetermineSourceTask : public Task {
 public:
  const char* name() const override { return "determineSourceServerGroup"; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    Stage* stage = &c.stage;
    with_cluster(c, std::move(done), [stage](const providers::ClusterInfo& info) {
      Json& ctx = stage->context;
      const std::string region = region_of(ctx);
      const bool by_size = as_boolean(ctx.value("useSourceCapacity", Json(false))).value_or(false);
      std::string explicit_name;
      if (ctx.contains("source") && ctx["source"].is_object()) {
        explicit_name = string_field(ctx["source"], "serverGroupName");
        if (explicit_name.empty()) explicit_name = string_field(ctx["source"], "asgName");
      }
      const providers::ServerGroupInfo* chosen = nullptr;
      const auto better = [by_size](const providers::ServerGroupInfo* a, const providers::ServerGroupInfo* b) {
        if (b == nullptr) return true;
        if (a->disabled != b->disabled) return !a->disabled;
        if (by_size && a->instances.size() != b->instances.size()) return a->instances.size() > b->instances.size();
        return a->created_at > b->created_at;
      };
      for (const providers::ServerGroupInfo& g : info.server_groups) {
        if (!explicit_name.empty()) {
          if (g.name == explicit_name) chosen = &g;
        } else if ((region.empty() || g.region == region) && better(&g, chosen)) {
          chosen = &g;
        }
      }
      if (chosen == nullptr) {
        ctx.erase("source");
        return TaskOutcome::succeeded();
      }
      ctx["source"] = Json{{"serverGroupName", chosen->name}, {"asgName", chosen->name}, {"region", chosen->region},
                           {"useSourceCapacity", by_size}};
      if (by_size) {
        ctx["capacity"] = Json{{"min", chosen->capacity.min}, {"desired", chosen->capacity.desired}, {"max", chosen->capacity.max}};
      }
      if (!ctx.contains("loadBalancers") || !ctx["loadBalancers"].is_array() || ctx["loadBalancers"].empty()) {
        ctx["loadBalancers"] = chosen->load_balancers;
      }
      return TaskOutcome::succeeded(Json{{"source", ctx["source"]}});
    });
  }
};

class CreateServerGroupTask : public Task {
 public:
  const char* name() const override { return "createServerGroup"; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    const Json& ctx = c.stage.context;
    providers::ServerGroupSpec spec;
    spec.application = string_field(ctx, "application");
    spec.stack = string_field(ctx, "stack");
    spec.detail = string_field(ctx, "freeFormDetails");
    spec.region = region_of(ctx);
    if (ctx.contains("availabilityZones") && ctx["availabilityZones"].contains(spec.region)) {
      for (const Json& z : ctx["availabilityZones"][spec.region]) if (z.is_string()) spec.zones.push_back(z.get<std::string>());
    }
    const Json cap = ctx.value("capacity", Json::object());
    spec.capacity = {cap.value("min", 0), cap.value("desired", 0), cap.value("max", 0)};
    spec.artifact = artifact_of(ctx, c.execution.trigger());
    if (spec.artifact.empty()) return done(TaskOutcome::terminal("no artifact to deploy (set the cluster's image or the trigger's artifact)"));
    if (ctx.contains("loadBalancers") && ctx["loadBalancers"].is_array()) {
      for (const Json& lb : ctx["loadBalancers"]) if (lb.is_string()) spec.load_balancers.push_back(lb.get<std::string>());
    }
    Stage* stage = &c.stage;
    providers::CloudProvider* provider = &c.provider;
    sim::EventLoop& loop = c.loop;
    if (!first_try_) first_try_ = loop.now();
    const sim::TimePoint first = *first_try_;
    auto create = [=, &loop, done = std::move(done)](providers::ServerGroupSpec s) mutable {
      provider->create_server_group(s, [=, &loop, done = std::move(done)](const providers::OpResult& r, const std::string& name) {
        if (!r.ok()) return done(retry_or_fail(r, first, loop.now(), "createServerGroup"));
        stage->context["serverGroupName"] = name;
        Json outputs = Json::object();
        outputs["deploy.server.groups"] = Json{{s.region, Json::array({name})}};
        outputs["serverGroupName"] = name;
        done(TaskOutcome::succeeded(outputs));
      });
    };
    create(spec);
  }

 private:
  std::optional<sim::TimePoint> first_try_;
};

class CreateServerGroupStage : public StageDefinition {
 public:
  const char* type() const override { return "createServerGroup"; }
  sim::Status plan(Stage& stage, Execution&) const override {
    if (sim::Status prepared = prepare_strategy(stage); !prepared.ok()) return prepared;
    stage.tasks.push_back(std::make_unique<DetermineSourceTask>());
    if (replaces_basic_steps(strategy_of(stage.context))) return sim::Status();
    stage.tasks.push_back(std::make_unique<CreateServerGroupTask>());
    stage.tasks.push_back(wait_for_up_instances_task());
    return sim::Status();
  }
  sim::Status plan_after(Stage& stage, Execution& execution) const override {
    return plan_strategy_after(stage, execution);
  }
  void plan_on_failure(Stage& stage, Execution& execution) const override { plan_strategy_on_failure(stage, execution); }
};

// The cluster a strategy pipeline deploys: its parent's create stage, with strategy none
// (ParallelDeployStage, when trigger.strategy is set).
const Stage* strategy_parent(const Execution& execution) {
  const Json parameters = execution.trigger().value("parameters", Json::object());
  if (!as_boolean(parameters.value("strategy", Json(false))).value_or(false)) return nullptr;
  for (const Stage* s = execution.parent_stage(); s != nullptr; s = s->parent) {
    if (s->type == "createServerGroup") return s;
  }
  return nullptr;
}

class DeployStage : public StageDefinition {
 public:
  const char* type() const override { return "deploy"; }
  sim::Status plan(Stage& stage, Execution& execution) const override {
    Json clusters = stage.context.value("clusters", Json::array());
    if (stage.context.contains("cluster") && stage.context["cluster"].is_object()) clusters.push_back(stage.context["cluster"]);
    if (const Stage* parent = strategy_parent(execution)) {
      Json cluster = parent->context;
      cluster["strategy"] = "";
      for (const char* key : {"source", "serverGroupName", "type", "name"}) cluster.erase(key);
      clusters = Json::array({cluster});
    }
    if (!clusters.is_array() || clusters.empty()) return sim::invalid_argument("a deploy stage needs clusters");
    int index = 0;
    for (const Json& cluster : clusters) {
      if (!cluster.is_object()) return sim::invalid_argument("each of clusters[] must be an object");
      Json context = stage.context;
      context.erase("clusters");
      context.erase("cluster");
      context.update(cluster);
      execution.add_before_stage(stage, "<" + std::to_string(++index), "createServerGroup",
                                 "Deploy in " + region_of(cluster), context);
    }
    return sim::Status();
  }
};

}  // namespace

std::unique_ptr<StageDefinition> make_deploy_stage() { return std::make_unique<DeployStage>(); }
std::unique_ptr<StageDefinition> make_create_server_group_stage() { return std::make_unique<CreateServerGroupStage>(); }

}  // namespace deploysim::strategies
