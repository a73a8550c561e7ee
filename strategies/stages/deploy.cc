// deploy: one synthetic createServerGroup stage per entry of clusters[] (ParallelDeployStage),
// running in parallel, each creating the cluster's next server group and waiting for its
// instances to be up. Strategies other than none ("") arrive with the deploy strategies; until
// then they are refused by name. Load balancers not listed in the cluster are taken from the
// cluster's newest server group, as a deploy's source server group lends its settings.
#include "providers/target.h"
#include "strategies/stages/server_group_support.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {

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
    if (!spec.load_balancers.empty()) return create(spec);
    provider->describe_cluster(cluster_of(ctx), [spec, create](const providers::OpResult& r, const providers::ClusterInfo& info) mutable {
      if (r.ok()) {
        const providers::TargetResult newest = providers::resolve_target(info, spec.region, providers::Target::kCurrent);
        if (newest.server_group != nullptr) spec.load_balancers = newest.server_group->load_balancers;
      }
      create(spec);
    });
  }

 private:
  std::optional<sim::TimePoint> first_try_;
};

class CreateServerGroupStage : public StageDefinition {
 public:
  const char* type() const override { return "createServerGroup"; }
  sim::Status plan(Stage& stage, Execution&) const override {
    const std::string strategy = stage.context.value("strategy", std::string());
    if (!strategy.empty() && strategy != "none") {
      return sim::invalid_argument("deploy strategy \"" + strategy + "\" is not supported yet");
    }
    stage.tasks.push_back(std::make_unique<CreateServerGroupTask>());
    stage.tasks.push_back(wait_for_up_instances_task());
    return sim::Status();
  }
};

class DeployStage : public StageDefinition {
 public:
  const char* type() const override { return "deploy"; }
  sim::Status plan(Stage& stage, Execution& execution) const override {
    Json clusters = stage.context.value("clusters", Json::array());
    if (stage.context.contains("cluster") && stage.context["cluster"].is_object()) clusters.push_back(stage.context["cluster"]);
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
