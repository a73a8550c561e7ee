// The deploy strategies as Orca composes them (RedBlackStrategy, HighlanderStrategy,
// RollingRedBlackStrategy, CustomStrategy, MonitoredDeployStrategy, and
// CreateServerGroupStage.onFailureStages). See deploy_strategies.h.
#include "strategies/stages/deploy_strategies.h"

#include <algorithm>
#include <cmath>

#include "strategies/expressions/expression.h"
#include "strategies/stages/server_group_support.h"

namespace deploysim::strategies {
namespace {


double seconds_field(const Json& ctx, const char* key) { return std::max(0.0, number_field(ctx, key).value_or(0)); }

// StageData.getDelayBeforeCleanup(): delayBeforeCleanup, else delayBeforeDisableSec.
double delay_before_cleanup(const Json& ctx) {
  const double cleanup = seconds_field(ctx, "delayBeforeCleanup");
  return cleanup > 0 ? cleanup : seconds_field(ctx, "delayBeforeDisableSec");
}

// The context every strategy stage starts from: where the cluster is.
Json base_context(const Json& ctx) {
  Json base = Json::object();
  const std::string region = region_of(ctx);
  base["region"] = region;
  base["regions"] = Json::array({region});
  base["cluster"] = cluster_of(ctx);
  for (const char* key : {"cloudProvider", "credentials", "account", "moniker", "interestingHealthProviderNames"}) {
    if (ctx.contains(key)) base[key] = ctx[key];
  }
  return base;
}

Json with(Json base, const Json& extra) {
  base.update(extra);
  return base;
}

std::string source_name(const Json& ctx) {
  if (!ctx.contains("source") || !ctx["source"].is_object()) return "";
  return string_field(ctx["source"], "serverGroupName");
}

void add_wait(Stage& create, Execution& e, const char* name, double seconds) {
  if (seconds > 0) e.add_after_stage(create, "wait", name, Json{{"waitTime", seconds}});
}

// --- redblack, highlander ----------------------------------------------------------------------

void plan_red_black(Stage& create, Execution& e) {
  const Json& ctx = create.context;
  if (source_name(ctx).empty()) return;  // the first group of a cluster: nothing to replace
  const Json base = base_context(ctx);
  // RedBlackStrategy shrinks only when maxRemainingAsgs is set (Deck writes 2 into new stages).
  const double max_remaining = number_field(ctx, "maxRemainingAsgs").value_or(0);
  if (max_remaining > 0) {
    e.add_after_stage(create, "shrinkCluster", "shrinkCluster",
                      with(base, {{"shrinkToSize", static_cast<int>(max_remaining)},
                                  {"allowDeleteActive", flag_field(ctx, "allowDeleteActive")},
                                  {"retainLargerOverNewer", false}}));
  }
  add_wait(create, e, "Wait Before Disable", delay_before_cleanup(ctx));
  e.add_after_stage(create, "disableCluster", "disableCluster",
                    with(base, {{"remainingEnabledServerGroups", 1}, {"preferLargerOverNewer", false}}));
  if (flag_field(ctx, "scaleDown")) {
    add_wait(create, e, "Wait Before Scale Down", seconds_field(ctx, "delayBeforeScaleDownSec"));
    e.add_after_stage(create, "scaleDownCluster", "scaleDown",
                      with(base, {{"allowScaleDownActive", flag_field(ctx, "allowScaleDownActive")},
                                  {"remainingFullSizeServerGroups", 1},
                                  {"preferLargerOverNewer", false}}));
  }
}

void plan_highlander(Stage& create, Execution& e) {
  e.add_after_stage(create, "shrinkCluster", "shrinkCluster",
                    with(base_context(create.context),
                         {{"shrinkToSize", 1}, {"allowDeleteActive", true}, {"retainLargerOverNewer", false}}));
}

// --- rollingredblack and monitored -------------------------------------------------------------

// The steps in percent: targetPercentages (or monitored's deploySteps), 100 appended if missing.
sim::Result<std::vector<double>> steps_of(const Json& ctx, const char* key) {
  std::vector<double> steps;
  if (!ctx.contains(key)) {
    steps = {50, 100};
  } else if (!ctx[key].is_array()) {
    return sim::invalid_argument(std::string(key) + " must be a list of percentages");
  } else {
    for (size_t i = 0; i < ctx[key].size(); ++i) {
      const std::optional<double> p = number_field(Json{{"p", ctx[key][i]}}, "p");
      if (!p || *p <= 0 || *p > 100) {
        return sim::invalid_argument(std::string(key) + "[" + std::to_string(i) + "] must be a percentage in (0, 100], got " +
                                     ctx[key][i].dump());
      }
      if (!steps.empty() && *p <= steps.back()) {
        return sim::invalid_argument(std::string(key) + " must increase, got " + ctx[key].dump());
      }
      steps.push_back(*p);
    }
  }
  if (steps.empty() || steps.back() != 100) steps.push_back(100);
  return steps;
}

std::string percent_text(double p) {
  const double r = std::round(p);
  return r == p ? std::to_string(static_cast<int>(r)) : Json(p).dump();
}

// One step of a rolling deploy: grow the new group to p% of the source (or of savedCapacity).
Json grow_context(const Json& ctx, const Json& base, double p) {
  Json grow = with(base, {{"serverGroupName", string_field(ctx, "serverGroupName")},
                          {"scalePct", p},
                          {"pinCapacity", p < 100},
                          {"pinMinimumCapacity", p < 100},
                          {"unpinMinimumCapacity", p == 100},
                          {"savedCapacity", ctx.value("savedCapacity", Json::object())}});
  if (ctx.contains("targetHealthyDeployPercentage")) grow["targetHealthyDeployPercentage"] = ctx["targetHealthyDeployPercentage"];
  const std::string source = source_name(ctx);
  if (!source.empty()) {
    grow["action"] = "scale_to_server_group";
    grow["source"] = Json{{"serverGroupName", source}};
  } else {
    grow["action"] = "scale_exact";
    grow["capacity"] = ctx.value("savedCapacity", Json::object());
  }
  return grow;
}

Json pin_context(const Json& base, const std::string& source, bool pin) {
  return with(base, {{"serverGroupName", source},
                     {"action", "scale_to_server_group"},
                     {"source", Json{{"serverGroupName", source}}},
                     {"pinMinimumCapacity", pin},
                     {"unpinMinimumCapacity", !pin}});
}

sim::Status plan_rolling(Stage& create, Execution& e, bool monitored) {
  const Json& ctx = create.context;
  const sim::Result<std::vector<double>> steps = steps_of(ctx, monitored ? "deploySteps" : "targetPercentages");
  if (!steps.ok()) return steps.error();
  const Json base = base_context(ctx);
  const std::string source = source_name(ctx);
  if (!source.empty()) e.add_after_stage(create, "pinServerGroup", "Pin " + source, pin_context(base, source, true));
  const Json validation = ctx.value("pipelineBeforeCleanup", Json::object());
  for (double p : *steps) {
    const std::string pct = percent_text(p);
    e.add_after_stage(create, "resizeServerGroup", "Grow to " + pct + "% of Desired Size", grow_context(ctx, base, p));
    if (monitored) {
      e.add_after_stage(create, "evaluateDeploymentHealth", "Evaluate health of deployed instances",
                        with(base, {{"serverGroupName", string_field(ctx, "serverGroupName")},
                                    {"deploymentMonitor", ctx.value("deploymentMonitor", Json::object())},
                                    {"currentProgress", p}}));
    }
    add_wait(create, e, "wait", delay_before_cleanup(ctx));
    if (!monitored && validation.is_object() && !string_field(validation, "application").empty() &&
        !string_field(validation, "pipelineId").empty()) {
      Json parameters = validation.value("pipelineParameters", Json::object());
      const Json location = {{"region", region_of(ctx)}, {"account", ctx.value("credentials", Json(""))},
                             {"cloudProvider", ctx.value("cloudProvider", Json("aws"))}};
      parameters["deployedServerGroup"] = with(location, {{"serverGroupName", string_field(ctx, "serverGroupName")}});
      parameters["sourceServerGroup"] = with(location, {{"serverGroupName", source}});
      parameters["percentageComplete"] = p;
      e.add_after_stage(create, "pipeline", "Run Validation Pipeline",
                        {{"application", validation["application"]}, {"pipeline", validation["pipelineId"]},
                         {"pipelineParameters", parameters}});
    }
    if (!source.empty()) {
      e.add_after_stage(create, "disableServerGroup", "Disable " + pct + "% of Traffic on " + source,
                        with(base, {{"serverGroupName", source}, {"desiredPercentage", p}}));
    }
  }
  if (source.empty()) return sim::Status();
  if (flag_field(ctx, "scaleDown")) {
    add_wait(create, e, "Wait Before Scale Down", seconds_field(ctx, "delayBeforeScaleDownSec"));
    e.add_after_stage(create, "scaleDownCluster", "scaleDown",
                      with(base, {{"allowScaleDownActive", false}, {"remainingFullSizeServerGroups", 1},
                                  {"preferLargerOverNewer", false}}));
  } else {
    e.add_after_stage(create, "pinServerGroup", "Unpin " + source, pin_context(base, source, false));
  }
  if (monitored) {
    const double max_remaining = number_field(ctx, "maxRemainingAsgs").value_or(0);
    if (max_remaining > 0) {
      e.add_after_stage(create, "shrinkCluster", "shrinkCluster",
                        with(base, {{"shrinkToSize", static_cast<int>(max_remaining)}, {"allowDeleteActive", false},
                                    {"retainLargerOverNewer", false}}));
    }
  }
  return sim::Status();
}

// --- custom ------------------------------------------------------------------------------------

sim::Status plan_custom(Stage& create, Execution& e) {
  const Json& ctx = create.context;
  const std::string pipeline = string_field(ctx, "strategyPipeline");
  if (pipeline.empty()) return sim::invalid_argument("a custom strategy needs strategyPipeline (the strategy pipeline's id)");
  Json parameters = {{"application", ctx.value("application", Json(""))},
                     {"credentials", ctx.value("credentials", Json(""))},
                     {"cluster", cluster_of(ctx)},
                     {"moniker", ctx.value("moniker", Json::object())},
                     {"region", region_of(ctx)},
                     {"cloudProvider", ctx.value("cloudProvider", Json("aws"))},
                     {"strategy", true},
                     {"clone", false},
                     {"parentPipelineId", e.id()},
                     {"parentStageId", create.id}};
  parameters.update(ctx.value("pipelineParameters", Json::object()));
  const std::string application = string_field(ctx, "strategyApplication");
  e.add_after_stage(create, "pipeline", "pipeline",
                    {{"application", application.empty() ? e.config().application : application},
                     {"pipeline", pipeline},
                     {"pipelineParameters", parameters}});
  return sim::Status();
}

}  // namespace

std::string strategy_of(const Json& context) {
  const std::string s = string_field(context, "strategy");
  for (const char* known : {"redblack", "rollingredblack", "highlander", "custom", "monitored"}) {
    if (s == known) return s;
  }
  return "";
}

bool replaces_basic_steps(const std::string& strategy) { return strategy == "custom"; }

sim::Status prepare_strategy(Stage& create) {
  Json& ctx = create.context;
  const std::string strategy = strategy_of(ctx);
  const std::string written = string_field(ctx, "strategy");
  if (!written.empty() && written != "none" && strategy.empty()) {
    return sim::invalid_argument("unknown deploy strategy \"" + written +
                                 "\" (expected redblack, rollingredblack, highlander, custom, monitored or none)");
  }
  if (strategy == "rollingredblack" || strategy == "monitored") {
    // RollingRedBlackStrategy.composeBeforeStages: never the source's capacity; the new group
    // starts empty and grows step by step towards savedCapacity.
    ctx["useSourceCapacity"] = false;
    if (!ctx.contains("savedCapacity")) ctx["savedCapacity"] = ctx.value("capacity", Json::object());
    ctx["capacity"] = Json{{"min", 0}, {"desired", 0}, {"max", 0}};
    const sim::Result<std::vector<double>> steps = steps_of(ctx, strategy == "monitored" ? "deploySteps" : "targetPercentages");
    if (!steps.ok()) return steps.error();
  }
  return sim::Status();
}

sim::Status plan_strategy_after(Stage& create, Execution& e) {
  const std::string strategy = strategy_of(create.context);
  if (strategy == "redblack") plan_red_black(create, e);
  if (strategy == "highlander") plan_highlander(create, e);
  if (strategy == "rollingredblack") return plan_rolling(create, e, false);
  if (strategy == "monitored") return plan_rolling(create, e, true);
  if (strategy == "custom") return plan_custom(create, e);
  return sim::Status();
}

void plan_strategy_on_failure(Stage& create, Execution& e) {
  const Json& ctx = create.context;
  const std::string strategy = strategy_of(ctx);
  const std::string created = string_field(ctx, "serverGroupName");
  const bool deployed = !created.empty() && create.outputs.contains("deploy.server.groups");
  const Json rollback = ctx.value("rollback", Json::object());
  const Json base = base_context(ctx);
  const auto rollback_stage = [&](const Json& additional, const std::string& restore) {
    Json rc = with(base, {{"serverGroup", created}, {"stageTimeoutMs", 30 * 60 * 1000},
                          {"additionalRollbackContext", additional}});
    if (!restore.empty()) rc["originalServerGroup"] = restore;
    e.add_after_stage(create, "rollbackCluster", "Rollback " + cluster_of(ctx), rc);
  };
  if (deployed && rollback.is_object() && flag_field(rollback, "onFailure")) {
    if (strategy == "rollingredblack") {
      rollback_stage({{"enableAndDisableOnly", true}, {"onlyEnabledServerGroups", true}}, "");
    } else if (strategy == "redblack") {
      // Only when the new group itself failed (a task of this stage), not a later strategy step.
      const bool own_task_failed = std::any_of(create.task_statuses.begin(), create.task_statuses.end(),
                                               [](Status s) { return is_halt(s); });
      if (own_task_failed) rollback_stage({{"disableOnly", true}, {"onlyEnabledServerGroups", true}}, "");
    }
    if (flag_field(rollback, "destroyLatest")) {
      e.add_after_stage(create, "destroyServerGroup", "destroyServerGroup",
                        with(base, {{"serverGroupName", created}, {"stageTimeoutMs", 5 * 60 * 1000}}));
    }
  }
  if (strategy == "monitored" && deployed) {
    const Json actions = ctx.value("failureActions", Json::object());
    if (actions.is_object() && string_field(actions, "rollback") == "Automatic") {
      rollback_stage({{"enableAndDisableOnly", true}, {"onlyEnabledServerGroups", true}}, source_name(ctx));
    }
    if (actions.is_object() && flag_field(actions, "destroyInstances")) {
      e.add_after_stage(create, "destroyServerGroup", "destroyServerGroup",
                        with(base, {{"serverGroupName", created}, {"stageTimeoutMs", 5 * 60 * 1000}}));
    }
  }
  // Rolling red/black may have left its source pinned at its full size: unpin it (Orca adds this
  // whenever there is a source; an unpin of a group never pinned changes nothing).
  if ((strategy == "rollingredblack" || strategy == "monitored") && !source_name(ctx).empty()) {
    Json unpin = pin_context(base, source_name(ctx), false);
    unpin["stageTimeoutMs"] = 20 * 60 * 1000;
    e.add_after_stage(create, "pinServerGroup", "Unpin " + source_name(ctx), unpin);
  }
}

}  // namespace deploysim::strategies
