// The execution engine against Orca's rules: a table of stage graphs and failure options with the
// stage and execution statuses Orca would reach, stage timeouts, stageEnabled, preconditions
// cutting off branches, and manual judgments.
#include "strategies/pipeline/execution.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "tests/strategies/engine_fixture.h"

namespace deploysim::strategies {
namespace {

// Answers judgments after a delay; external stages whose name starts with "fail" fail.
class TestHooks : public ExecutionHooks {
 public:
  std::map<std::string, std::pair<std::string, std::string>> answers;  // stage -> (status, input)
  sim::Duration answer_after = sim::Duration::minutes(2);

  void judgment_requested(Execution& execution, const Stage& stage) override {
    const auto it = answers.find(stage.name);
    if (it == answers.end()) return;
    Execution* e = &execution;
    const std::string name = stage.name;
    const auto answer = it->second;
    execution.loop().schedule_after(answer_after, sim::Action::boxed([e, name, answer] {
      e->judge(name, answer.first, answer.second);
    }));
  }
  ExternalOutcome external_stage(const Stage& stage) override {
    ExternalOutcome o;
    o.duration = sim::Duration::seconds(20);
    if (stage.name.rfind("fail", 0) == 0) o.succeeds = false;
    return o;
  }
};

struct PipelineRun {
  testing::EngineStack stack{world::testing::queueing_world(1, 1, 0, sim::Duration::millis(10), world::Algorithm::kRoundRobin), 1};
  TestHooks hooks;
  PipelineConfig pipeline;
  std::unique_ptr<Execution> execution;

  explicit PipelineRun(const std::string& json) : pipeline(stack.load(json)) {}
  void go(sim::Duration limit = sim::Duration::hours(2)) {
    execution = std::make_unique<Execution>("e1", pipeline, Json::object(), stack.registry, stack.world->loop,
                                            stack.provider(), hooks, &stack.world->trace);
    stack.run(*execution, limit);
  }
  std::string status(const std::string& name) const {
    const Stage* s = execution->find_stage(name);
    return s ? status_name(s->status) : "missing";
  }
  std::string final_status() const { return status_name(execution->status()); }
};

// A stage JSON: name, refId, requisites, type and extra fields.
std::string stage(const std::string& ref, const std::string& name, const std::string& requisites,
                  const std::string& type = "script", const std::string& extra = "") {
  return R"({"refId": ")" + ref + R"(", "name": ")" + name + R"(", "requisiteStageRefIds": [)" + requisites +
         R"(], "type": ")" + type + "\"" + (extra.empty() ? "" : ", " + extra) + "}";
}
std::string pipeline(const std::vector<std::string>& stages) {
  std::string s = R"({"application": "app", "name": "p", "stages": [)";
  for (size_t i = 0; i < stages.size(); ++i) s += (i ? ", " : "") + stages[i];
  return s + "]}";
}

struct Case {
  const char* what;
  std::vector<std::string> stages;
  std::map<std::string, std::string> expected;  // stage name -> status
  const char* final_status;
};

TEST(Execution, StageGraphsAndFailureOptions) {
  const std::string halt_branch = R"("failPipeline": false)";
  const std::string halt_then_fail = R"("failPipeline": false, "completeOtherBranchesThenFail": true)";
  const std::string ignore = R"("failPipeline": false, "continuePipeline": true)";
  const std::vector<Case> cases = {
      {"a line succeeds", {stage("1", "a", ""), stage("2", "b", "\"1\""), stage("3", "c", "\"2\"")},
       {{"a", "SUCCEEDED"}, {"b", "SUCCEEDED"}, {"c", "SUCCEEDED"}}, "SUCCEEDED"},
      {"halt the pipeline (default): other branches are canceled",
       {stage("1", "fail-a", ""), stage("2", "b", "\"1\""), stage("3", "slow", "", "wait", R"("waitTime": 300)")},
       {{"fail-a", "TERMINAL"}, {"b", "NOT_STARTED"}, {"slow", "CANCELED"}}, "TERMINAL"},
      {"halt this branch: the other branch finishes, the pipeline succeeds",
       {stage("1", "fail-a", "", "script", halt_branch), stage("2", "b", "\"1\""),
        stage("3", "other", "", "wait", R"("waitTime": 300)")},
       {{"fail-a", "STOPPED"}, {"b", "NOT_STARTED"}, {"other", "SUCCEEDED"}}, "SUCCEEDED"},
      {"halt this branch and fail the pipeline once other branches complete",
       {stage("1", "fail-a", "", "script", halt_then_fail), stage("2", "other", "", "wait", R"("waitTime": 300)")},
       {{"fail-a", "STOPPED"}, {"other", "SUCCEEDED"}}, "TERMINAL"},
      {"ignore the failure: downstream runs, the pipeline is green",
       {stage("1", "fail-a", "", "script", ignore), stage("2", "b", "\"1\"")},
       {{"fail-a", "FAILED_CONTINUE"}, {"b", "SUCCEEDED"}}, "SUCCEEDED"},
      {"a skipped stage's downstream runs",
       {stage("1", "a", "", "script", R"("stageEnabled": {"type": "expression", "expression": "1 == 2"})"),
        stage("2", "b", "\"1\"")},
       {{"a", "SKIPPED"}, {"b", "SUCCEEDED"}}, "SUCCEEDED"},
      {"an expression that fails to evaluate skips the stage",
       {stage("1", "a", "", "script", R"x("stageEnabled": {"type": "expression", "expression": "#nope()"})x")},
       {{"a", "SKIPPED"}}, "SUCCEEDED"},
      {"a join below a halted branch never starts",
       {stage("1", "fail-a", "", "script", halt_branch), stage("2", "x", ""), stage("3", "join", "\"1\", \"2\"")},
       {{"fail-a", "STOPPED"}, {"x", "SUCCEEDED"}, {"join", "NOT_STARTED"}}, "SUCCEEDED"},
      {"a join waits for all its upstreams",
       {stage("1", "a", ""), stage("2", "slow", "", "wait", R"("waitTime": 100)"), stage("3", "join", "\"1\", \"2\"")},
       {{"a", "SUCCEEDED"}, {"slow", "SUCCEEDED"}, {"join", "SUCCEEDED"}}, "SUCCEEDED"},
      {"stage timeout fails the stage",
       {stage("1", "w", "", "wait", R"("waitTime": 600, "stageTimeoutMs": 60000)"), stage("2", "b", "\"1\"")},
       {{"w", "TERMINAL"}, {"b", "NOT_STARTED"}}, "TERMINAL"},
      {"stage timeout with markSuccessfulOnTimeout",
       {stage("1", "w", "", "wait", R"("waitTime": 600, "stageTimeoutMs": 60000, "markSuccessfulOnTimeout": true)"),
        stage("2", "b", "\"1\"")},
       {{"w", "SUCCEEDED"}, {"b", "SUCCEEDED"}}, "SUCCEEDED"},
      {"a false precondition with failPipeline false halts its branch only",
       {stage("1", "gate", "", "checkPreconditions",
              R"("preconditions": [{"type": "expression", "failPipeline": false, "context": {"expression": "${ 1 > 2 }"}}])"),
        stage("2", "behind", "\"1\""), stage("3", "elsewhere", "")},
       {{"gate", "STOPPED"}, {"behind", "NOT_STARTED"}, {"elsewhere", "SUCCEEDED"}}, "SUCCEEDED"},
      {"a false precondition with failPipeline true fails the pipeline",
       {stage("1", "gate", "", "checkPreconditions",
              R"("preconditions": [{"type": "expression", "context": {"expression": "false"}}])")},
       {{"gate", "TERMINAL"}}, "TERMINAL"},
      {"a stageStatus precondition",
       {stage("1", "a", ""), stage("2", "gate", "\"1\"", "checkPreconditions",
                                   R"("preconditions": [{"type": "stageStatus", "context": {"stageName": "a", "stageStatus": "SUCCEEDED"}}])")},
       {{"a", "SUCCEEDED"}, {"gate", "SUCCEEDED"}}, "SUCCEEDED"},
      {"no stages at all", {}, {}, "TERMINAL"},
  };
  for (const Case& c : cases) {
    PipelineRun run(pipeline(c.stages));
    run.go();
    EXPECT_EQ(run.final_status(), c.final_status) << c.what;
    for (const auto& [name, status] : c.expected) EXPECT_EQ(run.status(name), status) << c.what << ": stage " << name;
  }
}

TEST(Execution, TimesFollowTheStages) {
  PipelineRun run(pipeline({stage("1", "w", "", "wait", R"("waitTime": 90)"), stage("2", "s", "\"1\"")}));
  run.go();
  const Stage* w = run.execution->find_stage("w");
  const Stage* s = run.execution->find_stage("s");
  EXPECT_EQ(w->end_time - w->start_time, sim::Duration::seconds(90));
  EXPECT_EQ(s->start_time, w->end_time);
  EXPECT_EQ(s->end_time - s->start_time, sim::Duration::seconds(20)) << "the modelled duration";
  EXPECT_EQ(run.execution->end_time(), s->end_time);
}

TEST(Execution, JudgmentsChooseTheBranchThroughPreconditions) {
  // The shape of the rolling blue-green pipeline's decision: a judgment, then two guarded branches.
  const std::string guard = R"("preconditions": [{"type": "expression", "failPipeline": false, "context": {"expression": "${ #judgment('judge') == 'WANT' }"}}])";
  const auto build = [&] {
    std::string rollback = guard, proceed = guard;
    rollback.replace(rollback.find("WANT"), 4, "rollback");
    proceed.replace(proceed.find("WANT"), 4, "continue");
    return pipeline({stage("1", "judge", "", "manualJudgment", R"("judgmentInputs": [{"value": "continue"}, {"value": "rollback"}])"),
                     stage("2", "rollback", "\"1\"", "checkPreconditions", rollback), stage("3", "undo", "\"2\""),
                     stage("4", "continue", "\"1\"", "checkPreconditions", proceed), stage("5", "promote", "\"4\"")});
  };
  for (const std::string choice : {"continue", "rollback"}) {
    PipelineRun run(build());
    run.hooks.answers["judge"] = {"continue", choice};
    run.go();
    EXPECT_EQ(run.final_status(), "SUCCEEDED") << choice;
    EXPECT_EQ(run.status("judge"), "SUCCEEDED");
    const bool rolled_back = choice == "rollback";
    EXPECT_EQ(run.status("rollback"), rolled_back ? "SUCCEEDED" : "STOPPED") << choice;
    EXPECT_EQ(run.status("undo"), rolled_back ? "SUCCEEDED" : "NOT_STARTED") << choice;
    EXPECT_EQ(run.status("continue"), rolled_back ? "STOPPED" : "SUCCEEDED") << choice;
    EXPECT_EQ(run.status("promote"), rolled_back ? "NOT_STARTED" : "SUCCEEDED") << choice;
    // The judgment is noticed at the first 15 s poll after the answer (2 minutes in).
    const Stage* judge = run.execution->find_stage("judge");
    EXPECT_EQ(judge->end_time - judge->start_time, sim::Duration::seconds(120));
  }
}

TEST(Execution, AStopJudgmentFailsThePipeline) {
  PipelineRun run(pipeline({stage("1", "judge", "", "manualJudgment"), stage("2", "after", "\"1\"")}));
  run.hooks.answers["judge"] = {"stop", ""};
  run.go();
  EXPECT_EQ(run.status("judge"), "TERMINAL");
  EXPECT_EQ(run.final_status(), "TERMINAL");
}

TEST(Execution, VariablesAndParametersFlowDownstream) {
  const std::string text = R"({"application": "app", "name": "p",
    "parameterConfig": [{"name": "env", "default": "staging"}],
    "stages": [
      {"refId": "1", "type": "evaluateVariables", "name": "vars",
       "variables": [{"key": "base", "value": "${ parameters.env }"}, {"key": "full", "value": "${ base + '-42' }"}]},
      {"refId": "2", "requisiteStageRefIds": ["1"], "type": "checkPreconditions", "name": "check",
       "preconditions": [{"type": "expression", "context": {"expression": "${ full == 'staging-42' }"}}]}]})";
  PipelineRun run(text);
  run.go();
  EXPECT_EQ(run.status("vars"), "SUCCEEDED");
  EXPECT_EQ(run.execution->find_stage("vars")->outputs["full"], "staging-42");
  EXPECT_EQ(run.status("check"), "SUCCEEDED");
  EXPECT_EQ(run.execution->trigger()["parameters"]["env"], "staging") << "parameterConfig default";
}

TEST(Execution, CancelEndsRunningStagesCanceled) {
  PipelineRun run(pipeline({stage("1", "w", "", "wait", R"("waitTime": 600)")}));
  run.execution = std::make_unique<Execution>("e1", run.pipeline, Json::object(), run.stack.registry,
                                              run.stack.world->loop, run.stack.provider(), run.hooks, nullptr);
  run.execution->start();
  run.stack.world->until(sim::Duration::minutes(1));
  run.execution->cancel("user canceled");
  EXPECT_EQ(run.status("w"), "CANCELED");
  EXPECT_EQ(run.final_status(), "CANCELED");
}

}  // namespace
}  // namespace deploysim::strategies

namespace deploysim::strategies {
namespace {

// Child pipelines for the pipeline stage: one that waits and succeeds, one that fails.
class ChildHooks : public ExecutionHooks {
 public:
  const StageRegistry* registry = nullptr;
  testing::EngineStack* stack = nullptr;
  std::vector<PipelineConfig> library;
  std::vector<std::unique_ptr<Execution>> children;
  Json last_parameters;

  Execution* start_child(const Execution& parent, const Stage&, const std::string&, const std::string& pipeline, const Json& parameters) override {
    for (const PipelineConfig& p : library) {
      if (p.id != pipeline) continue;
      last_parameters = parameters;
      children.push_back(std::make_unique<Execution>(parent.id() + "/c", p, Json{{"parameters", parameters}}, *registry,
                                                     stack->world->loop, stack->provider(), *this, nullptr));
      children.back()->start();
      return children.back().get();
    }
    return nullptr;
  }
  ExternalOutcome external_stage(const Stage& stage) override {
    ExternalOutcome o;
    o.succeeds = stage.name != "broken";
    return o;
  }
};

TEST(Execution, PipelineStagesFollowTheirChild) {
  testing::EngineStack stack(world::testing::queueing_world(1, 1, 0, sim::Duration::millis(10), world::Algorithm::kRoundRobin), 1);
  ChildHooks hooks;
  hooks.registry = &stack.registry;
  hooks.stack = &stack;
  hooks.library = *load_pipelines(R"([
    {"id": "child-ok", "name": "ok", "stages": [{"refId": "1", "type": "wait", "waitTime": 120}]},
    {"id": "child-bad", "name": "bad", "stages": [{"refId": "1", "type": "script", "name": "broken"}]}])",
                                  "children", [](const std::string&) { return true; });
  const PipelineConfig parent = stack.load(R"({"name": "parent", "stages": [
    {"refId": "1", "type": "pipeline", "name": "run ok", "pipeline": "child-ok", "pipelineParameters": {"env": "prod"}},
    {"refId": "2", "type": "pipeline", "name": "run bad", "pipeline": "child-bad", "failPipeline": false},
    {"refId": "3", "type": "pipeline", "name": "fire and forget", "pipeline": "child-ok", "waitForCompletion": false},
    {"refId": "4", "type": "pipeline", "name": "missing", "pipeline": "nope", "failPipeline": false}]})");
  Execution e("p", parent, Json::object(), stack.registry, stack.world->loop, stack.provider(), hooks, nullptr);
  stack.run(e);
  EXPECT_EQ(e.find_stage("run ok")->status, Status::kSucceeded);
  EXPECT_GE(e.find_stage("run ok")->end_time - e.find_stage("run ok")->start_time, sim::Duration::seconds(120));
  EXPECT_EQ(e.find_stage("run bad")->status, Status::kStopped);
  EXPECT_NE(e.find_stage("run bad")->message.find("TERMINAL"), std::string::npos);
  EXPECT_EQ(e.find_stage("fire and forget")->status, Status::kSucceeded);
  EXPECT_EQ(e.find_stage("fire and forget")->end_time, e.find_stage("fire and forget")->start_time);
  EXPECT_EQ(e.find_stage("missing")->status, Status::kStopped);
  EXPECT_EQ(hooks.last_parameters, Json::object()) << "the last child started had no parameters";
  EXPECT_EQ(hooks.children.size(), 3u);
  EXPECT_EQ(hooks.children[0]->trigger()["parameters"]["env"], "prod");
}

}  // namespace
}  // namespace deploysim::strategies

namespace deploysim::strategies {
namespace {

// Records every notification with the time it was sent.
class NotificationHooks : public ExecutionHooks {
 public:
  explicit NotificationHooks(const sim::EventLoop& loop) : loop_(loop) {}
  std::vector<std::string> sent;  // "<seconds> <type> <address> <event>"
  std::vector<std::string> texts;
  std::string answer = "continue";
  void judgment_requested(Execution& execution, const Stage& stage) override {
    Execution* e = &execution;
    const std::string name = stage.name, chosen = answer;
    execution.loop().schedule_after(sim::Duration::minutes(2), sim::Action::boxed([e, name, chosen] { e->judge(name, chosen, "ok"); }));
  }
  void notified(const Execution&, const Stage*, const NotificationMessage& m) override {
    sent.push_back(std::to_string(loop_.now().micros_since_start() / 1000000) + " " + m.type + " " + m.address + " " + m.event);
    texts.push_back(m.text);
  }

 private:
  const sim::EventLoop& loop_;
};

TEST(Execution, NotificationsAreSentForTheEventsTheyList) {
  const std::string text = R"({"application": "shop", "name": "release",
    "notifications": [
      {"type": "email", "address": "team@example.com", "level": "pipeline", "when": ["pipeline.starting", "pipeline.failed"],
       "message": {"pipeline.failed": {"text": "see the runbook"}}},
      {"type": "slack", "address": "#deploys", "level": "pipeline", "when": ["pipeline.complete"]}],
    "stages": [
      {"refId": "1", "type": "manualJudgment", "name": "approve", "instructions": "check the dashboards", "sendNotifications": true,
       "notifications": [{"type": "slack", "address": "#ops", "when": ["manualJudgment", "manualJudgmentContinue", "manualJudgmentStop"]}]},
      {"refId": "2", "requisiteStageRefIds": ["1"], "type": "wait", "name": "quiet", "waitTime": 30,
       "notifications": [{"type": "slack", "address": "#nobody", "when": ["stage.complete"]}]}]})";
  for (const std::string answer : {"continue", "stop"}) {
    PipelineRun run(text);
    NotificationHooks hooks(run.stack.world->loop);
    hooks.answer = answer;
    run.execution = std::make_unique<Execution>("e1", run.pipeline, Json::object(), run.stack.registry,
                                                run.stack.world->loop, run.stack.provider(), hooks, nullptr);
    run.stack.run(*run.execution);
    if (answer == "continue") {
      EXPECT_EQ(hooks.sent, (std::vector<std::string>{"0 email team@example.com pipeline.starting", "0 slack #ops manualJudgment",
                                                      "120 slack #ops manualJudgmentContinue", "150 slack #deploys pipeline.complete"}));
      ASSERT_GE(hooks.texts.size(), 2u);
      EXPECT_NE(hooks.texts[1].find("awaiting manual judgment: check the dashboards"), std::string::npos) << hooks.texts[1];
    } else {
      EXPECT_EQ(hooks.sent, (std::vector<std::string>{"0 email team@example.com pipeline.starting", "0 slack #ops manualJudgment",
                                                      "120 slack #ops manualJudgmentStop", "120 email team@example.com pipeline.failed"}));
      ASSERT_FALSE(hooks.texts.empty());
      EXPECT_NE(hooks.texts.back().find("has failed: TERMINAL\nsee the runbook"), std::string::npos) << hooks.texts.back();
    }
  }
}

}  // namespace
}  // namespace deploysim::strategies
