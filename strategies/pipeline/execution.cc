// The execution engine: Orca's start, completion and final-status rules over the stage graph
// (StartStageHandler, CompleteStageHandler, CompleteExecutionHandler, RunTaskHandler).
#include "strategies/pipeline/execution.h"

#include <algorithm>

#include "sim/kernel/check.h"

namespace deploysim::strategies {

// --- Stage helpers --------------------------------------------------------------------------------

Status Stage::failure_status(Status default_status) const {
  const auto flag = [&](const char* key) -> std::optional<bool> {
    if (!context.contains(key)) return std::nullopt;
    return as_boolean(context[key]);
  };
  if (flag("continuePipeline").value_or(false)) return Status::kFailedContinue;
  if (flag("failPipeline").value_or(true)) return default_status;
  return Status::kStopped;
}

std::optional<sim::Duration> Stage::configured_timeout() const {
  if (!context.contains("stageTimeoutMs") || !context["stageTimeoutMs"].is_number()) return std::nullopt;
  const double ms = context["stageTimeoutMs"].get<double>();
  if (!(ms > 0) || ms > 1e15) return std::nullopt;
  return sim::Duration::micros(static_cast<int64_t>(ms * 1000));
}

bool Stage::runs_after() const {
  if (parent == nullptr) return false;
  return std::any_of(parent->after.begin(), parent->after.end(), [this](const auto& a) { return a.get() == this; });
}

const Stage* Stage::parent_with_timeout() const {
  for (const Stage* s = this; s != nullptr; s = s->parent) {
    if (s->configured_timeout()) return s;
  }
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> Stage::deployed_server_groups() const {
  std::vector<std::pair<std::string, std::string>> out;
  if (type != "createServerGroup" && type != "cloneServerGroup") return out;
  const Json groups = outputs.value("deploy.server.groups", Json::object());
  if (!groups.is_object()) return out;
  for (auto it = groups.begin(); it != groups.end(); ++it) {
    if (!it.value().is_array()) continue;
    for (const Json& g : it.value()) {
      if (g.is_string()) out.emplace_back(it.key(), g.get<std::string>());
    }
  }
  return out;
}

Json Stage::describe() const {
  Json j = Json::object();
  j["id"] = id;
  j["refId"] = ref_id;
  j["name"] = name;
  j["type"] = type;
  j["status"] = status_name(status);
  j["context"] = context;
  j["outputs"] = outputs;
  j["startTime"] = start_time.micros_since_start() / 1000;
  j["endTime"] = end_time.micros_since_start() / 1000;
  return j;
}

void StageRegistry::add(std::unique_ptr<StageDefinition> definition) {
  const std::string type = definition->type();
  definitions_[type] = std::move(definition);
}

std::vector<std::string> StageRegistry::types() const {
  std::vector<std::string> out;
  for (const auto& [type, definition] : definitions_) out.push_back(type);
  return out;
}

const StageDefinition* StageRegistry::find(const std::string& type) const {
  const auto it = definitions_.find(type);
  return it == definitions_.end() ? nullptr : it->second.get();
}

// --- Expressions -----------------------------------------------------------------------------------

namespace {

// What an expression in a stage can see (Orca's ContextParameterProcessor): the stage's context,
// trigger, parameters, execution, and the outputs of stages that have completed.
class StageExpressionContext : public ExpressionContext {
 public:
  StageExpressionContext(const Execution& execution, const Stage& stage) : execution_(execution), stage_(stage) {}

  std::optional<Json> variable(const std::string& name) const override {
    if (name == "trigger") return execution_.trigger();
    if (name == "parameters") return execution_.trigger().value("parameters", Json::object());
    if (name == "execution") {
      Json e = Json::object();
      e["id"] = execution_.id();
      e["name"] = execution_.config().name;
      e["application"] = execution_.config().application;
      e["status"] = status_name(execution_.status());
      e["trigger"] = execution_.trigger();
      return e;
    }
    if (name == "deployedServerGroups") return deployed_server_groups();
    if (stage_.context.contains(name)) return stage_.context[name];
    if (stage_.outputs.contains(name)) return stage_.outputs[name];
    // Outputs of finished stages, the most recent first (evaluateVariables publishes this way).
    std::vector<const Stage*> done;
    for (const Stage* s : execution_.all_stages()) {
      if (is_complete(s->status) && s->outputs.contains(name)) done.push_back(s);
    }
    std::sort(done.begin(), done.end(), [](const Stage* a, const Stage* b) { return a->end_time > b->end_time; });
    if (!done.empty()) return done.front()->outputs[name];
    return std::nullopt;
  }

  // Orca's deployedServerGroups: one entry per group a deploy or clone stage of the execution
  // created, in stage order ({serverGroup, region, account, parentStage}).
  Json deployed_server_groups() const {
    Json out = Json::array();
    for (const Stage* s : execution_.all_stages()) {
      for (const auto& [region, group] : s->deployed_server_groups()) {
        out.push_back({{"serverGroup", group}, {"region", region},
                       {"account", s->context.value("account", s->context.value("credentials", Json("")))},
                       {"parentStage", s->parent != nullptr ? s->parent->id : s->id}});
      }
    }
    return out;
  }

  std::optional<sim::Result<Json>> function(const std::string& name, const std::vector<Json>& args) const override {
    const auto one_string = [&]() -> std::optional<std::string> {
      if (args.size() != 1 || !args[0].is_string()) return std::nullopt;
      return args[0].get<std::string>();
    };
    if (name == "judgment" || name == "judgement") {
      const std::optional<std::string> stage_name = one_string();
      if (!stage_name) return sim::Result<Json>(sim::invalid_argument("#judgment takes a stage name"));
      for (const Stage* s : execution_.all_stages()) {
        if (s->type == "manualJudgment" && s->name == *stage_name) {
          if (!s->context.contains("judgmentInput")) {
            return sim::Result<Json>(sim::invalid_argument("manual judgment \"" + *stage_name + "\" has no input yet"));
          }
          return sim::Result<Json>(s->context["judgmentInput"]);
        }
      }
      return sim::Result<Json>(sim::invalid_argument("no manual judgment stage named \"" + *stage_name + "\""));
    }
    if (name == "stage" || name == "stageByRefId" || name == "stageExists") {
      const std::optional<std::string> key = one_string();
      if (!key) return sim::Result<Json>(sim::invalid_argument("#" + name + " takes a string"));
      const Stage* found = nullptr;
      for (const Stage* s : execution_.all_stages()) {
        const bool match = name == "stageByRefId" ? s->ref_id == *key : (s->name == *key || s->id == *key);
        if (match) {
          found = s;
          break;
        }
      }
      if (name == "stageExists") return sim::Result<Json>(Json(found != nullptr));
      if (found == nullptr) return sim::Result<Json>(sim::invalid_argument("no stage named \"" + *key + "\""));
      return sim::Result<Json>(found->describe());
    }
    if (name == "currentStage" && args.empty()) return sim::Result<Json>(stage_.describe());
    return std::nullopt;
  }

 private:
  const Execution& execution_;
  const Stage& stage_;
};

// Evaluates every ${...} in `value`; one that fails stays as written (Orca leaves it literal).
Json evaluate_all(const Json& value, const ExpressionContext& context) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (!has_expression(text)) return value;
    sim::Result<Json> r = evaluate_template(text, context);
    return r.ok() ? *r : value;
  }
  if (value.is_object()) {
    Json out = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it) out[it.key()] = evaluate_all(it.value(), context);
    return out;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const Json& v : value) out.push_back(evaluate_all(v, context));
    return out;
  }
  return value;
}

}  // namespace

std::unique_ptr<ExpressionContext> Execution::expression_context(const Stage& stage) const {
  return std::make_unique<StageExpressionContext>(*this, stage);
}

// --- Set-up ----------------------------------------------------------------------------------------

Execution::Execution(std::string id, const PipelineConfig& config, Json trigger, const StageRegistry& registry,
                     sim::EventLoop& loop, providers::CloudProvider& provider, ExecutionHooks& hooks,
                     sim::TraceWriter* trace)
    : id_(std::move(id)), config_(config), trigger_(std::move(trigger)), registry_(registry), loop_(loop),
      provider_(provider), hooks_(hooks), trace_(trace) {
  if (!trigger_.is_object()) trigger_ = Json::object();
  for (const StageConfig& c : config_.stages) {
    auto s = std::make_unique<Stage>();
    s->id = c.ref_id;
    s->ref_id = c.ref_id;
    s->name = c.name;
    s->type = c.type;
    s->requisites = c.requisites;
    s->context = c.context;
    stages_.push_back(std::move(s));
  }
}

Execution::~Execution() {
  for (const Stage* s : all_stages()) loop_.cancel(s->pending);
}

std::vector<const Stage*> Execution::all_stages() const {
  std::vector<const Stage*> out;
  std::function<void(const Stage&)> walk = [&](const Stage& s) {
    out.push_back(&s);
    for (const auto& b : s.before) walk(*b);
    for (const auto& a : s.after) walk(*a);
  };
  for (const auto& s : stages_) walk(*s);
  return out;
}

const Stage* Execution::find_stage(const std::string& name_or_id) const {
  for (const Stage* s : all_stages()) {
    if (s->name == name_or_id || s->id == name_or_id) return s;
  }
  return nullptr;
}

Stage* Execution::find_mutable(const std::string& name_or_id) {
  return const_cast<Stage*>(find_stage(name_or_id));
}

namespace {

std::unique_ptr<Stage> synthetic_stage(Stage& parent, std::string id, const std::string& type, const std::string& name,
                                       Json context) {
  auto s = std::make_unique<Stage>();
  s->id = std::move(id);
  s->ref_id = s->id;
  s->name = name;
  s->type = type;
  s->context = std::move(context);
  s->parent = &parent;
  return s;
}

}  // namespace

Stage& Execution::add_before_stage(Stage& parent, const std::string& suffix, const std::string& type,
                                   const std::string& name, Json context) {
  parent.before.push_back(synthetic_stage(parent, parent.id + suffix, type, name, std::move(context)));
  return *parent.before.back();
}

Stage& Execution::add_after_stage(Stage& parent, const std::string& type, const std::string& name, Json context) {
  // Numbered by how many were ever added: ids stay unique when unstarted ones are dropped.
  const std::string id = parent.id + ">" + std::to_string(++parent.after_added);
  parent.after.push_back(synthetic_stage(parent, id, type, name, std::move(context)));
  return *parent.after.back();
}

std::vector<std::unique_ptr<Stage>>& Execution::siblings(Stage& stage) {
  if (stage.parent == nullptr) return stages_;
  return stage.runs_after() ? stage.parent->after : stage.parent->before;
}

// --- Running ---------------------------------------------------------------------------------------

void Execution::start() {
  DEPLOYSIM_CHECK(status_ == Status::kNotStarted, "Execution::start called twice");
  start_time_ = loop_.now();
  // Orca fills trigger.parameters[name] from parameterConfig defaults when absent.
  Json& parameters = trigger_["parameters"];
  if (!parameters.is_object()) parameters = Json::object();
  for (const Json& p : config_.parameter_config) {
    if (!p.is_object() || !p.contains("name") || !p["name"].is_string()) continue;
    const std::string name = p["name"].get<std::string>();
    if (!parameters.contains(name) && p.contains("default")) parameters[name] = p["default"];
  }
  status_ = Status::kRunning;
  hooks_.execution_changed(*this);
  trace_execution();
  notify(nullptr, "pipeline.starting");
  std::vector<Stage*> initial;
  for (auto& s : stages_) {
    if (s->requisites.empty()) initial.push_back(s.get());
  }
  if (initial.empty()) {
    finish(Status::kTerminal);
    return;
  }
  for (Stage* s : initial) start_stage(*s);
}

void Execution::trace_execution() {
  if (trace_ == nullptr) return;
  trace::Event e;
  trace::ExecutionChange* c = e.mutable_execution();
  c->set_execution(id_);
  c->set_pipeline(config_.name);
  c->set_application(config_.application);
  c->set_status(status_name(status_));
  if (!graph_traced_) {
    graph_traced_ = true;
    for (const auto& s : stages_) {
      trace::ExecutionChange::StageNode* node = c->add_stages();
      node->set_stage_id(s->id);
      node->set_name(s->name);
      node->set_type(s->type);
      for (const std::string& r : s->requisites) node->add_requisites(r);
    }
  }
  trace_->append(loop_.now(), e);
}

void Execution::set_stage_status(Stage& stage, Status status) {
  const bool starting = status == Status::kRunning && stage.status == Status::kNotStarted;
  if (starting) stage.start_time = loop_.now();
  stage.status = status;
  if (is_complete(status)) stage.end_time = loop_.now();
  hooks_.stage_changed(*this, stage);
  if (starting) notify(&stage, "stage.starting");
  if (is_complete(status)) {
    const bool successful = status == Status::kSucceeded || status == Status::kStopped || status == Status::kSkipped;
    notify(&stage, successful ? "stage.complete" : "stage.failed", status_name(status));
  }
  if (trace_ != nullptr) {
    trace::Event e;
    trace::StageChange* c = e.mutable_stage();
    c->set_execution(id_);
    c->set_stage_id(stage.id);
    c->set_name(stage.name);
    c->set_type(stage.type);
    c->set_status(status_name(status));
    c->set_message(stage.message);
    c->set_synthetic(stage.synthetic());
    if (stage.parent != nullptr) c->set_parent(stage.parent->id);
    trace_->append(loop_.now(), e);
  }
}

void Execution::set_task_status(Stage& stage, size_t index, Status status, const std::string& message) {
  stage.task_statuses[index] = status;
  if (trace_ == nullptr) return;
  trace::Event e;
  trace::TaskChange* c = e.mutable_task();
  c->set_execution(id_);
  c->set_stage_id(stage.id);
  c->set_task(stage.tasks[index]->name());
  c->set_index(static_cast<uint32_t>(index));
  c->set_status(status_name(status));
  c->set_message(message);
  trace_->append(loop_.now(), e);
}

bool Execution::enabled(Stage& stage) {
  // stageEnabled: {"type": "expression", "expression": "..."}; false, or an expression that fails
  // to evaluate, skips the stage (OptionalStageSupport).
  if (!stage.context.contains("stageEnabled") || !stage.context["stageEnabled"].is_object()) return true;
  const Json& se = stage.context["stageEnabled"];
  if (!se.contains("expression")) return true;
  const std::unique_ptr<ExpressionContext> ctx = expression_context(stage);
  const Json& e = se["expression"];
  if (e.is_boolean()) return e.get<bool>();
  if (!e.is_string()) return false;
  sim::Result<Json> r = evaluate_expression(e.get<std::string>(), *ctx);
  if (!r.ok()) {
    stage.message = "stageEnabled: " + r.error().message;
    return false;
  }
  return as_boolean(*r).value_or(false);
}

void Execution::evaluate_context(Stage& stage) {
  const std::unique_ptr<ExpressionContext> ctx = expression_context(stage);
  Json evaluated = Json::object();
  for (auto it = stage.context.begin(); it != stage.context.end(); ++it) {
    // stageEnabled was decided already; preconditions and variables are evaluated by their tasks,
    // which see earlier results (Orca evaluates them again at task time too).
    // A manifest stage with skipExpressionEvaluation keeps its manifests as written.
    const bool verbatim_manifests = (it.key() == "manifests" || it.key() == "manifest" || it.key() == "patchBody") &&
                                    stage.context.value("skipExpressionEvaluation", Json(false)) == Json(true);
    if (it.key() == "stageEnabled" || it.key() == "variables" || verbatim_manifests) {
      evaluated[it.key()] = it.value();
    } else {
      evaluated[it.key()] = evaluate_all(it.value(), *ctx);
    }
  }
  stage.context = std::move(evaluated);
}

void Execution::start_stage(Stage& stage) {
  if (stage.status != Status::kNotStarted || is_complete(status_)) return;
  if (!enabled(stage)) {
    set_stage_status(stage, Status::kSkipped);
    if (stage.parent != nullptr) {
      child_done(*stage.parent, stage);
    } else {
      start_ready_siblings(stage);
      check_execution();
    }
    return;
  }
  evaluate_context(stage);
  const StageDefinition* definition = registry_.find(stage.type);
  set_stage_status(stage, Status::kRunning);
  if (definition == nullptr) {
    complete_stage(stage, stage.failure_status(), "no stage type " + stage.type);
    return;
  }
  if (sim::Status planned = definition->plan(stage, *this); !planned.ok()) {
    complete_stage(stage, stage.failure_status(), planned.error().message);
    return;
  }
  // Orca's buildExecutionWindow: a window stage runs before everything else the stage plans.
  if (!stage.synthetic() && stage.type != "restrictExecutionDuringTimeWindow" &&
      as_boolean(stage.context.value("restrictExecutionDuringTimeWindow", Json(false))).value_or(false)) {
    const std::string window_id = stage.id + "<0";
    for (auto& b : stage.before) {
      if (b->requisites.empty()) b->requisites.push_back(window_id);
    }
    Json window = Json{{"restrictedExecutionWindow", stage.context.value("restrictedExecutionWindow", Json::object())}};
    if (stage.context.contains("skipRemainingWait")) window["skipRemainingWait"] = stage.context["skipRemainingWait"];
    stage.before.insert(stage.before.begin(), synthetic_stage(stage, window_id, "restrictExecutionDuringTimeWindow",
                                                              "restrictExecutionDuringTimeWindow", window));
  }
  stage.task_statuses.assign(stage.tasks.size(), Status::kNotStarted);
  stage.task_starts.assign(stage.tasks.size(), sim::TimePoint::start());
  begin_work(stage);
}

void Execution::begin_work(Stage& stage) {
  // Synthetic before-stages first (their own small graph), then the tasks.
  bool waiting = false;
  for (auto& b : stage.before) {
    if (b->status == Status::kNotStarted && b->requisites.empty()) start_stage(*b);
    if (stage.status != Status::kRunning) return;  // a child ended the stage
  }
  for (auto& b : stage.before) waiting = waiting || !is_complete(b->status);
  if (waiting) return;
  if (!stage.before.empty()) {
    const Status from_children = determine_status(stage);
    if (is_halt(from_children)) return advance(stage);
    if (from_children != Status::kSucceeded) {
      complete_stage(stage, from_children, "a synthetic stage failed");
      return;
    }
  }
  run_task(stage);
}

void Execution::run_task(Stage& stage) {
  if (stage.next_task >= stage.tasks.size()) return advance(stage);
  if (status_ == Status::kPaused) return park(stage);
  const size_t index = stage.next_task;
  Task& task = *stage.tasks[index];
  if (stage.task_statuses[index] == Status::kNotStarted) {
    stage.task_starts[index] = loop_.now();
    set_task_status(stage, index, Status::kRunning, "");
  }
  const uint64_t attempt = stage.attempt;
  if (std::optional<std::string> late = timed_out(stage, task)) {
    // RunTaskHandler: a timeout fails the task by the stage's failure options, unless the stage
    // says markSuccessfulOnTimeout.
    const bool success = as_boolean(stage.context.value("markSuccessfulOnTimeout", Json(false))).value_or(false);
    TaskOutcome outcome = success ? TaskOutcome::succeeded() : TaskOutcome::terminal(*late);
    if (success) outcome.message = *late;
    return task_done(stage, attempt, std::move(outcome));
  }
  auto context = std::make_shared<TaskContext>(TaskContext{*this, stage, loop_, provider_, stage.task_starts[index]});
  Stage* s = &stage;
  task.run(*context, [this, s, attempt, context](TaskOutcome outcome) { task_done(*s, attempt, std::move(outcome)); });
}

void Execution::task_done(Stage& stage, uint64_t attempt, TaskOutcome outcome) {
  // An answer for a stage that has ended (canceled, timed out) changes nothing.
  if (stage.attempt != attempt || stage.status != Status::kRunning) return;
  if (outcome.outputs.is_object()) stage.outputs.update(outcome.outputs);
  switch (outcome.status) {
    case Status::kRunning: {
      Stage* s = &stage;
      stage.pending = loop_.schedule_after(std::max(outcome.backoff, sim::Duration::millis(1)), [this, s, attempt] {
        if (s->attempt == attempt && s->status == Status::kRunning) run_task(*s);
      });
      return;
    }
    case Status::kSucceeded:
    case Status::kSkipped:
    case Status::kFailedContinue:
      set_task_status(stage, stage.next_task, outcome.status, outcome.message);
      if (!outcome.message.empty()) stage.message = outcome.message;
      ++stage.next_task;
      run_task(stage);
      return;
    case Status::kStopped:
      set_task_status(stage, stage.next_task, Status::kStopped, outcome.message);
      if (stage.message.empty()) stage.message = outcome.message;
      return advance(stage);
    default:  // TERMINAL, CANCELED: mapped through the stage's failure options
      set_task_status(stage, stage.next_task,
                      stage.failure_status(outcome.status == Status::kCanceled ? Status::kCanceled : Status::kTerminal),
                      outcome.message);
      if (stage.message.empty()) stage.message = outcome.message;
      return advance(stage);
  }
}

Status Execution::determine_status(const Stage& stage) const {
  // CompleteStageHandler.determineStatus over tasks and synthetic stages.
  std::vector<Status> all = stage.task_statuses;
  for (const auto& b : stage.before) all.push_back(b->status);
  for (const auto& a : stage.after) all.push_back(a->status);
  if (stage.planning_failure != Status::kNotStarted) all.push_back(stage.planning_failure);
  const auto any = [&](Status s) { return std::find(all.begin(), all.end(), s) != all.end(); };
  if (any(Status::kTerminal)) return stage.failure_status();
  if (any(Status::kStopped)) return Status::kStopped;
  if (any(Status::kCanceled)) return Status::kCanceled;
  if (any(Status::kFailedContinue)) return Status::kFailedContinue;
  return Status::kSucceeded;
}

void Execution::complete_stage(Stage& stage, Status status, const std::string& message) {
  if (is_complete(stage.status)) return;
  ++stage.attempt;
  loop_.cancel(stage.pending);
  if (!message.empty() && stage.message.empty()) stage.message = message;
  cancel_running(stage.before, "parent stage ended");
  cancel_running(stage.after, "parent stage ended");
  set_stage_status(stage, status);
  if (stage.parent != nullptr) {
    child_done(*stage.parent, stage);
    return;
  }
  if (lets_downstream_run(status)) start_ready_siblings(stage);
  check_execution();
}

void Execution::child_done(Stage& parent, const Stage& child) {
  if (parent.status != Status::kRunning) return;
  if (child.runs_after()) {
    if (is_halt(child.status) && parent.message.empty()) parent.message = child.message;
    return advance(parent);
  }
  // A before-stage that halted fails its parent (which may then run its on-failure stages); one
  // that failed but let the pipeline continue ends it with that status; otherwise the next
  // before-stages start, and after the last, the parent's tasks.
  for (const auto& b : parent.before) {
    if (is_halt(b->status)) {
      if (parent.message.empty()) parent.message = b->message;
      return advance(parent);
    }
    if (b->status == Status::kFailedContinue) {
      complete_stage(parent, determine_status(parent), b->message);
      return;
    }
  }
  for (auto& b : parent.before) {
    if (b->status == Status::kNotStarted && upstream_complete(*b, parent.before)) start_stage(*b);
  }
  begin_work(parent);
}

void Execution::advance(Stage& stage) {
  // CompleteStageHandler. A stage whose before-stages and tasks succeeded plans its after-stages
  // and runs them in order; one that halted (there, or in an after-stage) drops the synthetic
  // stages that never started, runs its type's on-failure stages, then ends with the status it
  // failed with.
  if (stage.status != Status::kRunning) return;
  if (!stage.failing && !is_halt(determine_status(stage))) {
    if (!stage.after_planned) {
      stage.after_planned = true;
      const StageDefinition* definition = registry_.find(stage.type);
      if (definition != nullptr) {
        if (sim::Status planned = definition->plan_after(stage, *this); !planned.ok()) {
          // A failure like any other: the type's on-failure stages still run.
          if (stage.message.empty()) stage.message = planned.error().message;
          stage.planning_failure = stage.failure_status();
        }
      }
    }
    if (start_next_after(stage)) return;
    const Status status = determine_status(stage);
    if (!is_halt(status)) return complete_stage(stage, status, "");
  }
  const Status failed = determine_status(stage);
  if (!stage.failing && (failed == Status::kTerminal || failed == Status::kStopped)) {
    stage.failing = true;
    // Synthetic stages still running beside the one that failed (a background analysis) stop.
    cancel_running(stage.before, "a synthetic stage of " + stage.name + " failed");
    std::erase_if(stage.after, [](const auto& a) { return a->status == Status::kNotStarted; });
    stage.failure_from = stage.after.size();
    if (const StageDefinition* definition = registry_.find(stage.type)) definition->plan_on_failure(stage, *this);
  }
  if (stage.failing && start_next_after(stage)) return;
  complete_stage(stage, failed, "");
}

bool Execution::start_next_after(Stage& stage) {
  // After-stages run one at a time, in order; a halted one stops the rest. True while one runs.
  for (size_t i = stage.failing ? stage.failure_from : 0; i < stage.after.size(); ++i) {
    Stage& a = *stage.after[i];
    if (a.status == Status::kRunning || a.status == Status::kPaused) return true;
    if (a.status == Status::kNotStarted) {
      start_stage(a);
      return true;
    }
    if (!lets_downstream_run(a.status)) return false;
  }
  return false;
}

bool Execution::upstream_complete(const Stage& stage, std::vector<std::unique_ptr<Stage>>& group) const {
  for (const std::string& r : stage.requisites) {
    const auto up = std::find_if(group.begin(), group.end(), [&](const auto& s) { return s->ref_id == r; });
    if (up == group.end() || !lets_downstream_run((*up)->status)) return false;
  }
  return true;
}

void Execution::start_ready_siblings(Stage& completed) {
  std::vector<std::unique_ptr<Stage>>& group = siblings(completed);
  std::vector<Stage*> ready;
  for (auto& s : group) {
    const bool downstream = std::find(s->requisites.begin(), s->requisites.end(), completed.ref_id) != s->requisites.end();
    if (downstream && s->status == Status::kNotStarted && upstream_complete(*s, group)) ready.push_back(s.get());
  }
  for (Stage* s : ready) start_stage(*s);
}

void Execution::cancel_running(std::vector<std::unique_ptr<Stage>>& group, const std::string& reason) {
  for (auto& s : group) {
    if (s->status != Status::kRunning && s->status != Status::kPaused) continue;
    cancel_running(s->before, reason);
    cancel_running(s->after, reason);
    ++s->attempt;
    loop_.cancel(s->pending);
    if (s->message.empty()) s->message = reason;
    set_stage_status(*s, Status::kCanceled);
  }
}

void Execution::check_execution() {
  if (is_complete(status_)) return;
  // CompleteExecutionHandler.determineFinalStatus over the top-level stages.
  bool all_ok = true, any_terminal = false, any_canceled = false, any_stopped = false;
  bool fail_when_done = false, runnable = false;
  for (const auto& s : stages_) {
    all_ok = all_ok && lets_downstream_run(s->status);
    any_terminal = any_terminal || s->status == Status::kTerminal;
    any_canceled = any_canceled || s->status == Status::kCanceled;
    if (s->status == Status::kStopped) {
      any_stopped = true;
      fail_when_done = fail_when_done ||
                       as_boolean(s->context.value("completeOtherBranchesThenFail", Json(false))).value_or(false);
    }
    if (s->status == Status::kRunning || s->status == Status::kPaused) runnable = true;
    if (s->status == Status::kNotStarted && upstream_complete(*s, stages_)) runnable = true;
  }
  if (all_ok) return finish(Status::kSucceeded);
  if (any_terminal) return finish(Status::kTerminal);
  if (any_canceled) return finish(Status::kCanceled);
  if (any_stopped && !runnable) return finish(fail_when_done ? Status::kTerminal : Status::kSucceeded);
}

void Execution::finish(Status status) {
  cancel_running(stages_, "the pipeline ended " + std::string(status_name(status)));
  status_ = status;
  end_time_ = loop_.now();
  trace_execution();
  // Echo: SUCCEEDED, STOPPED and SKIPPED count as complete; anything else as failed.
  const bool successful = status == Status::kSucceeded || status == Status::kStopped || status == Status::kSkipped;
  notify(nullptr, successful ? "pipeline.complete" : "pipeline.failed", status_name(status));
  hooks_.execution_changed(*this);
}

void Execution::record(trace::Event event) {
  if (trace_ != nullptr) trace_->append(loop_.now(), event);
}

// --- Notifications ---------------------------------------------------------------------------------

void Execution::notify(const Stage* stage, const std::string& event, const std::string& detail) {
  const Json* configured = &config_.notifications;
  std::string description = "pipeline " + config_.name + " of " + config_.application + " (execution " + id_ + ")";
  if (stage != nullptr) {
    if (!as_boolean(stage->context.value("sendNotifications", Json(false))).value_or(false)) return;
    if (!stage->context.contains("notifications")) return;
    configured = &stage->context["notifications"];
    description = "stage " + stage->name + " of " + description;
  }
  const std::string dot_suffix = event.substr(event.find('.') + 1);
  if (dot_suffix == "starting") description += " is starting";
  else if (dot_suffix == "complete") description += " has completed";
  else if (dot_suffix == "failed") description += " has failed";
  else if (event == "manualJudgment") description += " is awaiting manual judgment";
  else if (event == "manualJudgmentContinue") description += " was judged to continue";
  else if (event == "manualJudgmentStop") description += " was judged to stop";
  if (!detail.empty()) description += ": " + detail;
  for (const NotificationMessage& m : notifications_for(*configured, event, description)) {
    hooks_.notified(*this, stage, m);
    if (trace_ == nullptr) continue;
    trace::Event e;
    trace::Notification* n = e.mutable_notification();
    n->set_execution(id_);
    if (stage != nullptr) n->set_stage_id(stage->id);
    n->set_type(m.type);
    n->set_address(m.address);
    n->set_event(m.event);
    n->set_message(m.text);
    trace_->append(loop_.now(), e);
  }
}

// --- Timeouts, pausing -----------------------------------------------------------------------------

sim::Duration Execution::paused_since(sim::TimePoint since) const {
  sim::Duration total = sim::Duration::zero();
  for (const auto& [from, to] : pauses_) {
    const sim::TimePoint end = to.value_or(loop_.now());
    if (end > since) total += end - std::max(from, since);
  }
  return total;
}

std::optional<std::string> Execution::timed_out(const Stage& stage, const Task& task) const {
  // RunTaskHandler.checkForStageTimeout, then checkForTimeout: elapsed time minus paused time
  // against the nearest stageTimeoutMs, then against the task's own timeout (which an overridable
  // task replaces by that stageTimeoutMs).
  const Stage* limited = stage.parent_with_timeout();
  if (limited != nullptr) {
    const sim::Duration elapsed = loop_.now() - limited->start_time - paused_since(limited->start_time);
    if (elapsed > *limited->configured_timeout()) {
      return "stage " + limited->name + " exceeded its timeout of " + sim::to_string(*limited->configured_timeout());
    }
  }
  std::optional<sim::Duration> limit = task.timeout();
  if (!limit) return std::nullopt;
  if (task.timeout_overridable() && limited != nullptr) limit = limited->configured_timeout();
  const sim::TimePoint started = stage.task_starts[stage.next_task];
  const sim::Duration elapsed = loop_.now() - started - paused_since(started);
  if (elapsed > *limit) return std::string(task.name()) + " timed out after " + sim::to_string(*limit);
  return std::nullopt;
}

void Execution::pause() {
  if (status_ != Status::kRunning) return;
  status_ = Status::kPaused;
  pauses_.emplace_back(loop_.now(), std::nullopt);
  trace_execution();
  hooks_.execution_changed(*this);
}

void Execution::park(Stage& stage) {
  // PauseTaskHandler and PauseStageHandler: the task and its stage (and the stage's parents)
  // become PAUSED until the execution resumes.
  set_task_status(stage, stage.next_task, Status::kPaused, "");
  for (Stage* s = &stage; s != nullptr; s = s->parent) {
    if (s->status == Status::kRunning) set_stage_status(*s, Status::kPaused);
  }
}

void Execution::resume() {
  if (status_ != Status::kPaused) return;
  status_ = Status::kRunning;
  pauses_.back().second = loop_.now();
  trace_execution();
  hooks_.execution_changed(*this);
  // Parents first (all_stages lists them first), then each parked task runs again.
  std::vector<Stage*> parked;
  for (const Stage* c : all_stages()) {
    Stage* s = const_cast<Stage*>(c);
    if (s->status != Status::kPaused) continue;
    set_stage_status(*s, Status::kRunning);
    if (s->next_task < s->task_statuses.size() && s->task_statuses[s->next_task] == Status::kPaused) {
      set_task_status(*s, s->next_task, Status::kRunning, "");
      parked.push_back(s);
    }
  }
  for (Stage* s : parked) {
    if (s->status == Status::kRunning && status_ == Status::kRunning) run_task(*s);
  }
}

void Execution::cancel(const std::string& reason) {
  if (is_complete(status_)) return;
  cancel_running(stages_, reason);
  finish(Status::kCanceled);
}

bool Execution::judge(const std::string& stage_name, const std::string& judgment_status, const std::string& input) {
  Stage* s = find_mutable(stage_name);
  if (s == nullptr || s->type != "manualJudgment" || (s->status != Status::kRunning && s->status != Status::kPaused)) {
    return false;
  }
  s->context["judgmentStatus"] = judgment_status;
  if (!input.empty()) s->context["judgmentInput"] = input;
  return true;
}

}  // namespace deploysim::strategies
