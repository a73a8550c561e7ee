// stepCanary: a canary rollout driven by steps, in the style of Argo Rollouts' canary strategy
// (a deploysim stage type; its JSON is in docs/step-canary.md).
//
// The cluster's newest enabled group is the stable group. The stage creates the canary as the
// cluster's next group at 0/0/0, then runs its steps in order:
//   setWeight w        with a traffic router (loadBalancer): the canary grows to ceil(R * w / 100)
//                      (or its setCanaryScale), waits until healthy, then the load balancer sends
//                      it w% of requests; without one, canary and stable are resized to Argo's
//                      replica split for w% of R (replica_math.h) and requests follow instances;
//   pause              {duration}: waits; {} : waits for the operator (a judgment named
//                      "Pause #<step>", answered "continue" to go on or "stop" to abort);
//   analysis           a Kayenta canary analysis (kayentaCanary) of the canary against stable;
//   setCanaryScale     {replicas} | {weight} | {matchTrafficWeight}: the canary's size from now on,
//                      apart from the traffic weight (traffic routing only);
// then promotes: the canary to R and all traffic, and after scaleDownDelaySeconds the stable
// group is disabled and scaled to 0. A background `analysis` runs beside the steps from its
// startingStep; promotion waits for it.
//
// Any step failing aborts the rollout (the stage's on-failure stages): all traffic back to stable
// in one load balancer update (with a router; without one, stable is scaled back to R), and after
// abortScaleDownDelaySeconds (default 30; 0 keeps it) the canary is scaled to 0. The stage then
// ends TERMINAL, or as its failure options say.
//
// blueGreen: Argo Rollouts' blue-green strategy (docs/step-canary.md#blue-green). The new group
// joins the active load balancer with weight 0 (and the preview load balancer, if any), grows to
// previewReplicaCount (default R) and waits until healthy; prePromotionAnalysis; then, unless
// autoPromotionEnabled is false (a judgment "Promote", for the operator) or autoPromotionSeconds
// is set (a wait), promotion: full size, then all active traffic to the new group in one update;
// postPromotionAnalysis; after scaleDownDelaySeconds the old group is disabled and scaled to 0. A
// failure before promotion never switches; one after switches back, as a step canary aborts.
#include <cmath>
#include <map>

#include "strategies/expressions/expression.h"
#include "strategies/pipeline/execution.h"
#include "strategies/stages/kayenta_canary.h"
#include "strategies/stages/replica_math.h"
#include "strategies/stages/server_group_support.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {


// Argo's pause durations: seconds as a number, or "<n>s", "<n>m", "<n>h".
std::optional<double> pause_seconds(const Json& d) {
  if (d.is_number()) return d.get<double>() >= 0 ? std::optional<double>(d.get<double>()) : std::nullopt;
  if (!d.is_string()) return std::nullopt;
  const std::string s = d.get<std::string>();
  if (s.empty()) return std::nullopt;
  const char unit = s.back();
  const double scale = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : 0;
  const std::string digits = scale > 0 ? s.substr(0, s.size() - 1) : s;
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) return std::nullopt;
  return std::stod(digits) * (scale > 0 ? scale : 1);
}

// The stepCanary stage a synthetic stage belongs to, and its "Create canary" stage.
const Stage& rollout_of(const Stage& s) { return *s.parent; }
const Stage& create_stage(const Stage& s) { return *rollout_of(s).before.front(); }


// Finds the canary and stable groups and the rollout's replica count R (the stage's `replicas`,
// else the stable group's desired size when first asked), and decides this step's sizes and
// weights into the context: canaryReplicas, stableReplicas (-1: unchanged), weights.
class PlanStepTask : public Task {
 public:
  const char* name() const override { return "planCanaryStep"; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    Stage* stage = &c.stage;
    with_cluster(c, std::move(done), [stage](const providers::ClusterInfo& info) {
      Json& ctx = stage->context;
      Stage& rollout = *stage->parent;
      const Json& created = create_stage(*stage).context;
      const std::string canary = string_field(created, "serverGroupName");
      const std::string stable = created.contains("source") ? string_field(created["source"], "serverGroupName") : "";
      if (stable.empty()) return TaskOutcome::terminal("no stable group: cluster " + cluster_of(ctx) + " has no enabled group to canary against");
      const providers::ServerGroupInfo* s = find_group(info, stable);
      if (!rollout.context.contains("replicasResolved")) {
        rollout.context["replicasResolved"] = int_field(rollout.context, "replicas").value_or(s != nullptr ? s->capacity.desired : 1);
      }
      const int replicas = rollout.context["replicasResolved"].get<int>();
      const bool router = rollout.context.value("trafficRouting", false);
      const std::string kind = string_field(ctx, "kind");
      ctx["canaryGroup"] = canary;
      ctx["stableGroup"] = stable;
      ctx["stableReplicas"] = -1;
      ctx.erase("weights");
      ctx.erase("holdWeights");
      const auto split_of = [&](double canary_weight) {
        return Json::array({Json::array({stable, 100 - canary_weight}), Json::array({canary, canary_weight})});
      };
      const auto weights = [&](double canary_weight) { ctx["weights"] = split_of(canary_weight); };
      // The canary's size as setCanaryScale has it, else from the weight (Argo: traffic routing only).
      const auto routed_canary = [&](int weight) {
        const Json scale = rollout.context.value("canaryScale", Json::object());
        if (scale.contains("replicas")) return int_field(scale, "replicas").value_or(0);
        if (scale.contains("weight")) return traffic_routed_canary_replicas(replicas, int_field(scale, "weight").value_or(0));
        return traffic_routed_canary_replicas(replicas, weight);
      };
      // With a router, the canary's instances must not take traffic before a weight says so: the
      // first step that sizes the canary pins the balancer to stable before the resize.
      const bool sizes_canary = kind == "setWeight" || kind == "setCanaryScale" || kind == "promote";
      if (router && sizes_canary && !rollout.context.value("canaryHeld", false)) {
        ctx["holdWeights"] = split_of(0);
        rollout.context["canaryHeld"] = true;
      }
      if (kind == "preview") {
        // Blue-green: the new group joins with no active traffic, at its preview size.
        ctx["canaryReplicas"] = int_field(rollout.context, "previewReplicaCount").value_or(replicas);
        weights(0);
        rollout.context["canaryHeld"] = true;
      } else if (kind == "setWeight" || kind == "promote") {
        const int weight = kind == "promote" ? 100 : int_field(ctx, "weight").value_or(0);
        rollout.context["currentWeight"] = weight;
        if (router) {
          ctx["canaryReplicas"] = kind == "promote" ? replicas : routed_canary(weight);
          weights(weight);
        } else {
          const ReplicaSplit split = weighted_replicas(replicas, weight, rollout.context.value("surge", true));
          ctx["canaryReplicas"] = split.canary;
          ctx["stableReplicas"] = split.stable;
        }
      } else if (kind == "setCanaryScale") {
        rollout.context["canaryScale"] = ctx.value("scale", Json::object());
        if (ctx["scale"].value("matchTrafficWeight", false)) rollout.context.erase("canaryScale");
        ctx["canaryReplicas"] = routed_canary(rollout.context.value("currentWeight", 0));
      } else if (kind == "abort") {
        // All traffic back to stable at once; without a router, stable back to full size.
        if (router) {
          weights(0);
          ctx["canaryReplicas"] = -1;
        } else {
          ctx["canaryReplicas"] = -1;
          ctx["stableReplicas"] = replicas;
        }
      } else if (kind == "scaleDownCanary") {
        ctx["canaryReplicas"] = 0;
      } else if (kind == "scaleDownStable") {
        ctx["canaryReplicas"] = -1;
        ctx["stableReplicas"] = 0;
      }
      return TaskOutcome::succeeded(Json{{"canaryGroup", canary}, {"stableGroup", stable}});
    });
  }
};

// Resizes the group named by `group_key` to `count_key` instances (min = desired = max), unless
// the count is negative.
std::unique_ptr<Task> resize_to(const char* name, const char* group_key, const char* count_key) {
  return provider_task(name, [group_key, count_key](TaskContext& c, auto done) {
    const int n = c.stage.context.value(count_key, -1);
    if (n < 0) return done(providers::OpResult{});
    c.provider.resize_server_group(string_field(c.stage.context, group_key), {n, n, n}, done);
  });
}

// Runs `inner` (a wait) on the group named by `group_key`, when `count_key` says it was resized.
class OnGroup : public Task {
 public:
  OnGroup(const char* group_key, const char* count_key, std::unique_ptr<Task> inner)
      : group_key_(group_key), count_key_(count_key), inner_(std::move(inner)) {}
  const char* name() const override { return inner_->name(); }
  std::optional<sim::Duration> timeout() const override { return inner_->timeout(); }
  bool timeout_overridable() const override { return inner_->timeout_overridable(); }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    if (c.stage.context.value(count_key_, -1) < 0) return done(TaskOutcome::succeeded());
    c.stage.context["serverGroupName"] = string_field(c.stage.context, group_key_);
    inner_->run(c, std::move(done));
  }

 private:
  const char* group_key_;
  const char* count_key_;
  std::unique_ptr<Task> inner_;
};

// Sets the weights the context holds under `key` (none: nothing to do).
std::unique_ptr<Task> set_weights_task(const char* name = "setTrafficWeights", const char* key = "weights") {
  return provider_task(name, [key](TaskContext& c, auto done) {
    const Json& ctx = c.stage.context;
    if (!ctx.contains(key)) return done(providers::OpResult{});
    std::vector<std::pair<std::string, double>> weights;
    for (const Json& w : ctx[key]) weights.emplace_back(w[0].get<std::string>(), w[1].get<double>());
    c.provider.set_traffic_weights(string_field(c.stage.parent->context, "loadBalancer"), weights, done);
  });
}

class CanaryStepStage : public StageDefinition {
 public:
  const char* type() const override { return "canaryStep"; }
  sim::Status plan(Stage& stage, Execution&) const override {
    if (stage.parent == nullptr || (stage.parent->type != "stepCanary" && stage.parent->type != "blueGreen")) {
      return sim::invalid_argument("canaryStep runs only inside stepCanary and blueGreen stages");
    }
    stage.tasks.push_back(std::make_unique<PlanStepTask>());
    // A preview's weights go first, so its instances never serve active traffic.
    if (string_field(stage.context, "kind") == "preview") stage.tasks.push_back(set_weights_task());
    stage.tasks.push_back(set_weights_task("holdTrafficWeights", "holdWeights"));
    stage.tasks.push_back(resize_to("resizeCanary", "canaryGroup", "canaryReplicas"));
    stage.tasks.push_back(resize_to("resizeStable", "stableGroup", "stableReplicas"));
    // An abort with a router moves traffic at once; without one, stable must be back at full size
    // (and healthy) before the canary goes.
    const std::string kind = string_field(stage.context, "kind");
    const bool waits = kind != "scaleDownStable" && !(kind == "abort" && flag_field(stage.parent->context, "trafficRouting", false));
    if (waits) {
      stage.tasks.push_back(std::make_unique<OnGroup>("canaryGroup", "canaryReplicas", wait_for_capacity_match_task()));
      stage.tasks.push_back(std::make_unique<OnGroup>("stableGroup", "stableReplicas", wait_for_capacity_match_task()));
    }
    if (string_field(stage.context, "kind") != "preview") stage.tasks.push_back(set_weights_task());
    if (string_field(stage.context, "kind") == "scaleDownStable") {
      stage.tasks.push_back(provider_task("disableServerGroup", [](TaskContext& c, auto done) {
        c.provider.disable_server_group(string_field(c.stage.context, "stableGroup"), done);
      }));
      if (flag_field(stage.parent->context, "trafficRouting", false)) {
        // Stable is out: the load balancer spreads requests over its targets again.
        stage.tasks.push_back(provider_task("clearTrafficWeights", [](TaskContext& c, auto done) {
          c.provider.set_traffic_weights(string_field(c.stage.parent->context, "loadBalancer"), {}, done);
        }));
      }
    }
    return sim::Status();
  }
};

// --- the rollout -------------------------------------------------------------------------------

struct StepPlan {
  std::string type;  // of the synthetic stage
  std::string name;
  Json context;
};

sim::Result<StepPlan> plan_step(const Json& step, size_t index, bool router, const std::string& create_ref) {
  const std::string at = "steps[" + std::to_string(index) + "]";
  const std::string n = std::to_string(index + 1);
  if (!step.is_object() || step.size() != 1) {
    return sim::invalid_argument(at + ": expected an object with one of setWeight, pause, analysis, setCanaryScale");
  }
  const std::string kind = step.begin().key();
  const Json& value = step.begin().value();
  if (kind == "setWeight") {
    const std::optional<double> w = number_field(step, "setWeight");
    if (!w || *w < 0 || *w > 100 || *w != std::floor(*w)) return sim::invalid_argument(at + ".setWeight: expected a whole percentage 0-100");
    return StepPlan{"canaryStep", "Set weight " + n + ": " + std::to_string(static_cast<int>(*w)) + "%",
                    {{"kind", "setWeight"}, {"weight", static_cast<int>(*w)}}};
  }
  if (kind == "pause") {
    if (!value.is_object()) return sim::invalid_argument(at + ".pause: expected an object, {} to wait for the operator");
    if (!value.contains("duration")) return StepPlan{"manualJudgment", "Pause #" + n, {{"judgmentInputs", Json::array()}}};
    const std::optional<double> seconds = pause_seconds(value["duration"]);
    if (!seconds) return sim::invalid_argument(at + ".pause.duration: expected seconds, or a duration such as \"30s\", \"10m\", \"1h\"");
    return StepPlan{"wait", "Pause #" + n, {{"waitTime", *seconds}}};
  }
  if (kind == "analysis") {
    if (!value.is_object() || !value.contains("canaryConfig") || !value["canaryConfig"].is_object()) {
      return sim::invalid_argument(at + ".analysis: expected {\"canaryConfig\": {...}} as a kayentaCanary stage has it");
    }
    Json cc = value["canaryConfig"];
    if (!cc.contains("scopes")) {
      // Canary against stable, as they are when the analysis starts.
      const std::string of = "#stageByRefId('" + create_ref + "')['context']";
      cc["scopes"] = Json::array({{{"scopeName", "default"},
                                   {"controlScope", "${ " + of + "['source']['serverGroupName'] }"},
                                   {"experimentScope", "${ " + of + "['serverGroupName'] }"}}});
    }
    return StepPlan{"kayentaCanary", "Analysis #" + n, {{"canaryConfig", cc}}};
  }
  if (kind == "setCanaryScale") {
    if (!router) return sim::invalid_argument(at + ".setCanaryScale: only with a traffic router (set loadBalancer)");
    const bool ok = value.is_object() && value.size() == 1 &&
                    ((value.contains("replicas") && value["replicas"].is_number_integer() && value["replicas"].get<int>() >= 0) ||
                     (value.contains("weight") && value["weight"].is_number() && value["weight"].get<double>() >= 0 &&
                      value["weight"].get<double>() <= 100) ||
                     (value.contains("matchTrafficWeight") && value["matchTrafficWeight"].is_boolean()));
    if (!ok) return sim::invalid_argument(at + ".setCanaryScale: expected one of {\"replicas\": N}, {\"weight\": 0-100}, {\"matchTrafficWeight\": true}");
    return StepPlan{"canaryStep", "Set canary scale " + n, {{"kind", "setCanaryScale"}, {"scale", value}}};
  }
  return sim::invalid_argument(at + ": unknown step " + kind + " (expected setWeight, pause, analysis or setCanaryScale)");
}

// What the step canary and blue-green stages share: creating the new group, the synthetic stages
// in a chain, promotion's scale-down, and the abort.
class RolloutStage : public StageDefinition {
 public:
  void plan_on_failure(Stage& stage, Execution& execution) const override {
    // Only a rollout whose new group exists has anything to abort.
    if (stage.before.empty() || string_field(stage.before.front()->context, "serverGroupName").empty()) return;
    // Each with a timeout of its own: the rollout may have failed by running out of its own.
    const auto step = [&](const char* type, const char* name, Json context) {
      Json full = base(stage);
      full.update(context);
      full["stageTimeoutMs"] = 30 * 60 * 1000;
      execution.add_after_stage(stage, type, name, full);
    };
    step("canaryStep", "Abort: traffic to stable", {{"kind", "abort"}});
    // abortScaleDownDelaySeconds is for a router, where the canary can stay up without traffic;
    // without one, requests follow instances, so the canary goes as soon as stable is back.
    const bool router = flag_field(stage.context, "trafficRouting", false);
    const double delay = router ? number_field(stage.context, "abortScaleDownDelaySeconds").value_or(30) : 0;
    if (router && delay <= 0) return;  // 0: the canary stays up, without traffic
    if (delay > 0) step("wait", "Wait before scaling down the canary", {{"waitTime", delay}});
    step("canaryStep", "Scale down canary", {{"kind", "scaleDownCanary"}});
  }

 protected:
  static Json base(const Stage& stage) {
    return Json{{"cluster", stage.context["cluster"]}, {"regions", Json::array({stage.context["region"]})}};
  }
  // Adds the "Create canary" stage (the cluster's next group at 0/0/0, joining `load_balancers`).
  static sim::Result<Stage*> create(Stage& stage, Execution& execution, const char* name, const Json& load_balancers) {
    Json& ctx = stage.context;
    Json canary = ctx.value("canary", Json::object());
    if (!canary.is_object()) return sim::invalid_argument("canary must be an object (the canary's cluster entry)");
    for (const char* key : {"application", "stack", "freeFormDetails", "region", "availabilityZones", "loadBalancers", "cloudProvider",
                            "account", "credentials"}) {
      if (!canary.contains(key) && ctx.contains(key)) canary[key] = ctx[key];
    }
    if (!canary.contains("loadBalancers") && !load_balancers.empty()) canary["loadBalancers"] = load_balancers;
    if (string_field(canary, "application").empty()) return sim::invalid_argument("the application is required");
    canary["capacity"] = Json{{"min", 0}, {"desired", 0}, {"max", 0}};
    canary["strategy"] = "";
    ctx["cluster"] = cluster_of(canary);
    ctx["region"] = region_of(canary);
    return &execution.add_before_stage(stage, "<create", "createServerGroup", name, canary);
  }
  // Adds a synthetic stage after `requisites`.
  static Stage& add(Stage& stage, Execution& execution, const std::string& suffix, const std::string& type, const std::string& name,
                    Json context, std::vector<std::string> requisites) {
    Json full = base(stage);
    full.update(context);
    Stage& s = execution.add_before_stage(stage, suffix, type, name, full);
    s.requisites = std::move(requisites);
    return s;
  }
  // After promotion: wait scaleDownDelaySeconds, then the old group is disabled and scaled to 0.
  static void scale_down_after(Stage& stage, Execution& execution, const std::string& promoted) {
    Stage& wait = add(stage, execution, "<scaledown-wait", "wait", "Wait before scale down",
                      {{"waitTime", number_field(stage.context, "scaleDownDelaySeconds").value_or(30)}}, {promoted});
    add(stage, execution, "<scaledown", "canaryStep", "Scale down stable", {{"kind", "scaleDownStable"}}, {wait.ref_id});
  }
};

class StepCanaryStage : public RolloutStage {
 public:
  const char* type() const override { return "stepCanary"; }
  sim::Status plan(Stage& stage, Execution& execution) const override {
    Json& ctx = stage.context;
    const Json steps = ctx.value("steps", Json::array());
    if (!steps.is_array()) return sim::invalid_argument("steps must be a list");
    const bool router = !string_field(ctx, "loadBalancer").empty() && flag_field(ctx, "trafficRouting", true);
    ctx["trafficRouting"] = router;
    if (ctx.contains("maxSurge")) ctx["surge"] = ctx["maxSurge"] != Json(0) && ctx["maxSurge"] != Json("0") && ctx["maxSurge"] != Json("0%");
    const sim::Result<Stage*> made = create(stage, execution, "Create canary",
                                            router ? Json::array({ctx["loadBalancer"]}) : Json::array());
    if (!made.ok()) return made.error();
    Stage& create = **made;
    const auto base = [&] { return RolloutStage::base(stage); };
    std::string previous = create.ref_id;
    std::vector<std::string> step_refs;
    for (size_t i = 0; i < steps.size(); ++i) {
      sim::Result<StepPlan> p = plan_step(steps[i], i, router, create.ref_id);
      if (!p.ok()) return p.error();
      Json context = base();
      context.update(p->context);
      Stage& s = execution.add_before_stage(stage, "<step" + std::to_string(i + 1), p->type, p->name, context);
      s.requisites = {previous};
      previous = s.ref_id;
      step_refs.push_back(s.ref_id);
    }
    std::vector<std::string> before_promotion = {previous};
    if (ctx.contains("analysis")) {
      const Json& bg = ctx["analysis"];
      sim::Result<StepPlan> p = plan_step(Json{{"analysis", bg}}, steps.size(), router, create.ref_id);
      if (!p.ok()) return sim::invalid_argument("analysis: " + p.error().message.substr(p.error().message.find(':') + 2));
      const int starting = int_field(bg, "startingStep").value_or(0);
      if (starting < 0 || starting > static_cast<int>(steps.size())) return sim::invalid_argument("analysis.startingStep is past the last step");
      Json context = base();
      context.update(p->context);
      Stage& a = execution.add_before_stage(stage, "<analysis", "kayentaCanary", "Background analysis", context);
      a.requisites = {starting == 0 ? create.ref_id : step_refs[static_cast<size_t>(starting - 1)]};
      before_promotion.push_back(a.ref_id);
    }
    Stage& p = add(stage, execution, "<promote", "canaryStep", "Promote canary", {{"kind", "promote"}}, before_promotion);
    scale_down_after(stage, execution, p.ref_id);
    return sim::Status();
  }
};

class BlueGreenStage : public RolloutStage {
 public:
  const char* type() const override { return "blueGreen"; }
  sim::Status plan(Stage& stage, Execution& execution) const override {
    Json& ctx = stage.context;
    const std::string active = string_field(ctx, "activeLoadBalancer");
    if (active.empty()) return sim::invalid_argument("activeLoadBalancer is required (the load balancer users reach)");
    ctx["loadBalancer"] = active;
    ctx["trafficRouting"] = true;
    Json lbs = Json::array({active});
    if (!string_field(ctx, "previewLoadBalancer").empty()) lbs.push_back(ctx["previewLoadBalancer"]);
    const sim::Result<Stage*> made = create(stage, execution, "Create preview", lbs);
    if (!made.ok()) return made.error();
    std::string previous = (*made)->ref_id;
    const auto next = [&](const std::string& suffix, const std::string& type, const std::string& name, Json context) {
      previous = add(stage, execution, suffix, type, name, std::move(context), {previous}).ref_id;
    };
    // The analyses are planned (and their mistakes reported) before any stage is added.
    std::map<std::string, Json> analyses;
    for (const char* key : {"prePromotionAnalysis", "postPromotionAnalysis"}) {
      if (!ctx.contains(key)) continue;
      sim::Result<StepPlan> p = plan_step(Json{{"analysis", ctx[key]}}, 0, true, (*made)->ref_id);
      if (!p.ok()) return sim::invalid_argument(std::string(key) + p.error().message.substr(p.error().message.find(':')));
      Json& cc = p->context["canaryConfig"];
      // After the switch the old group serves nobody: by default the new version now is judged
      // against the old one over the same length of time just before the switch.
      if (std::string(key) == "postPromotionAnalysis" && !cc.contains("baselineAnalysisOffsetInMins")) {
        if (const std::optional<sim::Duration> lifetime = canary_lifetime(cc)) {
          cc["baselineAnalysisOffsetInMins"] = lifetime->to_seconds() / 60;
        }
      }
      analyses[key] = p->context;
    }
    const auto analysis = [&](const char* key, const char* name) {
      if (analyses.count(key) > 0) next(std::string("<") + key, "kayentaCanary", name, analyses[key]);
    };
    next("<preview", "canaryStep", "Preview", {{"kind", "preview"}});
    analysis("prePromotionAnalysis", "Pre-promotion analysis");
    if (!flag_field(ctx, "autoPromotionEnabled", true)) {
      next("<pause", "manualJudgment", "Promote", {{"judgmentInputs", Json::array()}});
    } else if (const std::optional<double> seconds = number_field(ctx, "autoPromotionSeconds")) {
      next("<pause", "wait", "Auto-promotion wait", {{"waitTime", std::max(0.0, *seconds)}});
    }
    next("<promote", "canaryStep", "Promote preview", {{"kind", "promote"}});
    analysis("postPromotionAnalysis", "Post-promotion analysis");
    scale_down_after(stage, execution, previous);
    return sim::Status();
  }
};

}  // namespace

std::unique_ptr<StageDefinition> make_step_canary_stage() { return std::make_unique<StepCanaryStage>(); }
std::unique_ptr<StageDefinition> make_canary_step_stage() { return std::make_unique<CanaryStepStage>(); }
std::unique_ptr<StageDefinition> make_blue_green_stage() { return std::make_unique<BlueGreenStage>(); }

}  // namespace deploysim::strategies
