// checkPreconditions: one synthetic stage per precondition, run in parallel, each with the parent's
// context overlaid by its entry (so an entry's failPipeline overrides the stage's). A false
// precondition fails its synthetic stage: TERMINAL, or STOPPED with failPipeline false, which
// halts only this branch (how pipelines cut off the branch not taken after a judgment).
// Types: expression (false, or failing to evaluate, is false), stageStatus, clusterSize.
#include "providers/cloud_provider.h"
#include "strategies/expressions/expression.h"
#include "strategies/pipeline/execution.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {

bool compare(int actual, const std::string& comparison, int expected) {
  if (comparison == "<") return actual < expected;
  if (comparison == "<=") return actual <= expected;
  if (comparison == ">") return actual > expected;
  if (comparison == ">=") return actual >= expected;
  return actual == expected;
}

class CheckPreconditionTask : public Task {
 public:
  const char* name() const override { return "checkPrecondition"; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    const Json& entry = c.stage.context;
    const std::string type = entry.value("preconditionType", std::string("expression"));
    const Json inner = entry.contains("context") && entry["context"].is_object() ? entry["context"] : Json::object();
    if (type == "expression") return done(check_expression(c, inner));
    if (type == "stageStatus") return done(check_stage_status(c, inner));
    if (type == "clusterSize") return check_cluster_size(c, inner, std::move(done));
    done(TaskOutcome::terminal("unknown precondition type " + type));
  }

 private:
  static TaskOutcome check_expression(TaskContext& c, const Json& inner) {
    const Json e = inner.value("expression", Json("false"));
    bool value = false;
    std::string why;
    if (e.is_boolean()) {
      value = e.get<bool>();
    } else if (e.is_string()) {
      const std::unique_ptr<ExpressionContext> ctx = c.execution.expression_context(c.stage);
      const std::string& text = e.get_ref<const std::string&>();
      sim::Result<Json> r = has_expression(text) ? evaluate_template(text, *ctx) : evaluate_expression(text, *ctx);
      if (r.ok()) value = as_boolean(*r).value_or(false);
      else why = ": " + r.error().message;
    }
    Json outputs = Json::object();
    outputs["expressionResult"] = value;
    if (value) return TaskOutcome::succeeded(outputs);
    TaskOutcome failed = TaskOutcome::terminal("precondition is false" + why);
    failed.outputs = outputs;
    return failed;
  }

  static TaskOutcome check_stage_status(TaskContext& c, const Json& inner) {
    const std::string name = inner.value("stageName", std::string());
    const std::string wanted = inner.value("stageStatus", std::string());
    const Stage* s = c.execution.find_stage(name);
    if (s == nullptr) return TaskOutcome::terminal("stageStatus precondition: no stage named " + name);
    if (status_name(s->status) == wanted) return TaskOutcome::succeeded();
    return TaskOutcome::terminal("stage " + name + " is " + status_name(s->status) + ", not " + wanted);
  }

  // Orca's ClusterSizePreconditionTask: counts the cluster's server groups per region; retried on
  // cloud errors (5 s backoff) for up to 30 s.
  void check_cluster_size(TaskContext& c, const Json& inner, std::function<void(TaskOutcome)> done) {
    const std::string cluster = inner.value("cluster", c.stage.context.value("cluster", std::string()));
    std::vector<std::string> regions;
    const Json r = inner.contains("regions") ? inner["regions"] : c.stage.context.value("regions", Json::array());
    if (r.is_array()) {
      for (const Json& x : r) if (x.is_string()) regions.push_back(x.get<std::string>());
    }
    const std::string comparison = inner.value("comparison", std::string("=="));
    const int expected = inner.value("expected", 1);
    const bool only_enabled = as_boolean(inner.value("onlyEnabledServerGroups", Json(false))).value_or(false);
    const sim::TimePoint started = c.stage.start_time;
    sim::EventLoop& loop = c.loop;
    c.provider.describe_cluster(cluster, [=, &loop, done = std::move(done)](const providers::OpResult& res,
                                                                             const providers::ClusterInfo& info) {
      if (!res.ok()) {
        if (res.retryable() && loop.now() - started < sim::Duration::seconds(30)) {
          return done(TaskOutcome::running(sim::Duration::seconds(5)));
        }
        return done(TaskOutcome::terminal("clusterSize: " + res.message));
      }
      for (const std::string& region : regions.empty() ? std::vector<std::string>{""} : regions) {
        int count = 0;
        for (const providers::ServerGroupInfo& g : info.server_groups) {
          if ((region.empty() || g.region == region) && !(only_enabled && g.disabled)) ++count;
        }
        if (!compare(count, comparison, expected)) {
          return done(TaskOutcome::terminal("cluster " + cluster + (region.empty() ? "" : " in " + region) + " has " +
                                            std::to_string(count) + " server groups; expected " + comparison + " " +
                                            std::to_string(expected)));
        }
      }
      done(TaskOutcome::succeeded());
    });
  }
};

class CheckPreconditionsStage : public StageDefinition {
 public:
  const char* type() const override { return "checkPreconditions"; }
  sim::Status plan(Stage& stage, Execution& execution) const override {
    const Json preconditions = stage.context.value("preconditions", Json::array());
    if (!preconditions.is_array()) return sim::invalid_argument("preconditions must be an array");
    int index = 0;
    for (const Json& entry : preconditions) {
      if (!entry.is_object()) return sim::invalid_argument("each precondition must be an object");
      Json context = stage.context;
      context.erase("preconditions");
      context.update(entry);
      const std::string type = entry.value("type", std::string("expression"));
      context["preconditionType"] = type;
      execution.add_before_stage(stage, "<" + std::to_string(++index), "checkPrecondition",
                                 "Check precondition (" + type + ")", context);
    }
    return sim::Status();
  }
};


}  // namespace

std::unique_ptr<StageDefinition> make_check_preconditions_stage() { return std::make_unique<CheckPreconditionsStage>(); }
std::unique_ptr<StageDefinition> make_check_precondition_stage() {
  return std::make_unique<SingleTaskStage<CheckPreconditionTask>>("checkPrecondition");
}

}  // namespace deploysim::strategies
