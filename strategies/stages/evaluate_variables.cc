// evaluateVariables: evaluates variables [{key, value}] in order, each able to use the ones before
// it, and publishes them as the stage's outputs for downstream expressions.
#include "strategies/expressions/expression.h"
#include "strategies/pipeline/execution.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {

class EvaluateVariablesTask : public Task {
 public:
  const char* name() const override { return "evaluateVariables"; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    const Json variables = c.stage.context.value("variables", Json::array());
    if (!variables.is_array()) return done(TaskOutcome::terminal("variables must be an array"));
    Json outputs = Json::object();
    for (const Json& v : variables) {
      if (!v.is_object() || !v.contains("key") || !v["key"].is_string()) {
        return done(TaskOutcome::terminal("each variable needs a string key"));
      }
      // Earlier variables are visible to later ones through the stage's outputs.
      c.stage.outputs.update(outputs);
      const std::unique_ptr<ExpressionContext> ctx = c.execution.expression_context(c.stage);
      const Json value = v.value("value", Json());
      Json result = value;
      if (value.is_string()) {
        sim::Result<Json> r = evaluate_template(value.get<std::string>(), *ctx);
        if (!r.ok()) return done(TaskOutcome::terminal("variable " + v["key"].get<std::string>() + ": " + r.error().message));
        result = *r;
      }
      outputs[v["key"].get<std::string>()] = result;
    }
    done(TaskOutcome::succeeded(outputs));
  }
};


}  // namespace

std::unique_ptr<StageDefinition> make_evaluate_variables_stage() { return std::make_unique<SingleTaskStage<EvaluateVariablesTask>>("evaluateVariables"); }

}  // namespace deploysim::strategies
