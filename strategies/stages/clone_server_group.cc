// cloneServerGroup: copies the target group of targetCluster (resolved when the stage starts)
// into the cluster's next server group, with a new artifact (the stage's image, or the trigger's
// artifact), its own capacity unless useSourceCapacity, and without traffic when disableTraffic;
// then waits for the new group's instances to be up.
#include "strategies/expressions/expression.h"
#include "strategies/stages/server_group_support.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {

class CloneTask : public Task {
 public:
  const char* name() const override { return "cloneServerGroup"; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    Json& ctx = c.stage.context;
    const std::string source = ctx.value("serverGroupName", std::string());
    const std::string artifact = artifact_of(ctx, c.execution.trigger());
    std::optional<providers::Capacity> capacity;
    const bool source_capacity = as_boolean(ctx.value("useSourceCapacity", Json(false))).value_or(false);
    if (!source_capacity && ctx.contains("capacity") && ctx["capacity"].is_object() && ctx["capacity"].contains("desired")) {
      const Json& cap = ctx["capacity"];
      capacity = providers::Capacity{cap.value("min", 0), cap.value("desired", 0), cap.value("max", 0)};
    }
    Stage* stage = &c.stage;
    sim::EventLoop& loop = c.loop;
    if (!first_try_) first_try_ = loop.now();
    const sim::TimePoint first = *first_try_;
    c.provider.clone_server_group(source, artifact, capacity, [=, &loop, done = std::move(done)](
                                                                  const providers::OpResult& r, const std::string& created) {
      if (!r.ok()) return done(retry_or_fail(r, first, loop.now(), "cloneServerGroup"));
      stage->context["source"] = Json{{"serverGroupName", source}};
      stage->context["serverGroupName"] = created;
      Json outputs = Json::object();
      outputs["serverGroupName"] = created;
      outputs["deploy.server.groups"] = Json{{region_of(stage->context), Json::array({created})}};
      done(TaskOutcome::succeeded(outputs));
    });
  }

 private:
  std::optional<sim::TimePoint> first_try_;
};

class CloneStage : public StageDefinition {
 public:
  const char* type() const override { return "cloneServerGroup"; }
  sim::Status plan(Stage& stage, Execution&) const override {
    // The source is the target of targetCluster.
    if (stage.context.contains("targetCluster") && !stage.context.contains("cluster")) {
      stage.context["cluster"] = stage.context["targetCluster"];
    }
    stage.tasks.push_back(resolve_target_task());
    stage.tasks.push_back(std::make_unique<CloneTask>());
    if (as_boolean(stage.context.value("disableTraffic", Json(false))).value_or(false)) {
      stage.tasks.push_back(provider_task("disableServerGroup", [](TaskContext& c, auto done) {
        c.provider.disable_server_group(c.stage.context.value("serverGroupName", std::string()), done);
      }));
    } else {
      stage.tasks.push_back(wait_for_up_instances_task());
    }
    return sim::Status();
  }
};

}  // namespace

std::unique_ptr<StageDefinition> make_clone_server_group_stage() { return std::make_unique<CloneStage>(); }

}  // namespace deploysim::strategies
