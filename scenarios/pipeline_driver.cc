// The scenario's pipeline, triggered and surrounded by its operator and external systems.
#include "scenarios/pipeline_driver.h"

#include <algorithm>

#include "providers/target.h"
#include "strategies/pipeline/triggers.h"
#include "strategies/stages/stages.h"

namespace deploysim::scenarios {

PipelineDriver::PipelineDriver(const PipelinePlan& plan, providers::CloudProvider& provider, sim::EventLoop& loop,
                               uint64_t seed, sim::TraceWriter* trace)
    : plan_(plan), seed_(seed), loop_(loop), trace_(trace), provider_(provider) {
  strategies::register_stages(registry_);
}

namespace {

// More executions than this in one run means triggers feed each other (a pipeline triggering
// itself on success): the driver stops triggering and says so.
constexpr size_t kMaxExecutions = 1000;

strategies::Json parsed_object(const std::string& text) {
  strategies::Json j = strategies::Json::parse(text, nullptr, false);
  return j.is_object() ? j : strategies::Json::object();
}

}  // namespace

sim::Status PipelineDriver::start() {
  const auto loaded = strategies::load_pipelines(plan_.json, plan_.source,
                                                 [this](const std::string& t) { return registry_.supports(t); });
  if (!loaded.ok()) return loaded.error();
  all_ = *loaded;
  for (size_t i = 0; i < all_.size(); ++i) {
    if (!plan_.name.empty() && all_[i].name == plan_.name) chosen_ = i;
    queues_.push_back(std::make_unique<strategies::ExecutionQueue>(all_[i]));
  }
  pipeline_ = all_[chosen_];
  const strategies::Json initial = strategies::Json::parse(plan_.kubernetes_manifests_json, nullptr, false);
  if (initial.is_array() && !initial.empty() && provider_.kubernetes() != nullptr) {
    providers::kubernetes::DeployRequest request;
    request.manifests.assign(initial.begin(), initial.end());
    request.moniker = strategies::Json{{"app", plan_.kubernetes_application.empty() ? pipeline_.application
                                                                                    : plan_.kubernetes_application}};
    provider_.kubernetes()->deploy(request, [](const providers::kubernetes::DeployResult& r) {
      if (!r.result.ok()) {
        std::fprintf(stderr, "kubernetes: the initial manifests did not apply: %s\n", r.result.message.c_str());
      }
    });
  }
  for (const PipelinePlan::Trigger& t : plan_.triggers) {
    if (t.type == "cron") {
      for (size_t i = 0; i < all_.size(); ++i) {
        for (const strategies::Json* trigger : strategies::enabled_triggers(all_[i], "cron")) {
          const auto cron = strategies::CronSchedule::parse(trigger->value("cronExpression", std::string()));
          if (!cron.ok()) return cron.error();  // the loader reports these first
          schedule_cron(i, trigger, std::make_shared<const strategies::CronSchedule>(*cron), plan_.start_epoch - 1, t);
        }
      }
      continue;
    }
    for (sim::Duration at : t.at) {
      const PipelinePlan::Trigger* plan = &t;
      loop_.schedule(sim::TimePoint::start() + at, sim::Action::boxed([this, plan] {
        if (plan->type == "manual") return launch(chosen_, trigger_json(*plan));
        // An outside event: every pipeline with a matching enabled trigger starts.
        const strategies::TriggerEvent event{plan->type, parsed_object(plan->event_json)};
        for (size_t i = 0; i < all_.size(); ++i) {
          for (const strategies::Json* matched : strategies::matching_triggers(all_[i], event)) {
            strategies::Json trigger = strategies::trigger_object(*matched, event);
            const strategies::Json base = trigger_json(*plan);
            for (auto it = base.begin(); it != base.end(); ++it) trigger[it.key()] = it.value();
            launch(i, trigger);
          }
        }
      }));
    }
  }
  return sim::Status();
}

strategies::Json PipelineDriver::trigger_json(const PipelinePlan::Trigger& plan) const {
  strategies::Json trigger = strategies::Json::object();
  trigger["type"] = plan.type;
  trigger["artifact"] = plan.artifact;
  trigger["parameters"] = parsed_object(plan.parameters_json);
  trigger["artifacts"] = strategies::Json::parse(plan.artifacts_json, nullptr, false);
  if (!trigger["artifacts"].is_array()) trigger["artifacts"] = strategies::Json::array();
  return trigger;
}

void PipelineDriver::schedule_cron(size_t pipeline, const strategies::Json* trigger,
                                   std::shared_ptr<const strategies::CronSchedule> cron, int64_t after,
                                   const PipelinePlan::Trigger& plan) {
  const std::optional<int64_t> next = cron->next_after(after);
  if (!next) return;
  const sim::TimePoint at = sim::TimePoint::start() + sim::Duration::seconds(*next - plan_.start_epoch);
  const PipelinePlan::Trigger* p = &plan;
  loop_.schedule(at, sim::Action::boxed([this, pipeline, trigger, cron, next, p] {
    strategies::Json fired = *trigger;
    const strategies::Json base = trigger_json(*p);
    for (auto it = base.begin(); it != base.end(); ++it) fired[it.key()] = it.value();
    fired["type"] = "cron";
    fired["firedAt"] = strategies::format_utc_time(*next);
    launch(pipeline, fired);
    schedule_cron(pipeline, trigger, cron, *next, *p);
  }));
}

void PipelineDriver::launch(size_t pipeline, strategies::Json trigger) {
  if (started_.size() >= kMaxExecutions) {
    if (!runaway_reported_ && trace_ != nullptr) {
      trace::Event e;
      e.mutable_note()->set_source("pipeline");
      e.mutable_note()->set_text("more than " + std::to_string(kMaxExecutions) +
                                 " executions: triggers feed each other; no more are started");
      trace_->append(loop_.now(), e);
    }
    runaway_reported_ = true;
    return;
  }
  const std::string id = "execution-" + std::to_string(started_.size() + 1);
  auto execution = std::make_unique<strategies::Execution>(id, all_[pipeline], std::move(trigger), registry_, loop_,
                                                           provider_, *this, trace_);
  started_.push_back(execution.get());
  queues_[pipeline]->submit(std::move(execution));
}

size_t PipelineDriver::index_of(const strategies::PipelineConfig& config) const {
  for (size_t i = 0; i < all_.size(); ++i) {
    if (&all_[i] == &config) return i;
  }
  return all_.size();
}

const strategies::Execution* PipelineDriver::execution() const {
  for (const strategies::Execution* e : started_) {
    if (&e->config() == &all_[chosen_]) return e;
  }
  return started_.empty() ? nullptr : started_.front();
}

std::vector<const strategies::Execution*> PipelineDriver::executions() const {
  std::vector<const strategies::Execution*> all(started_.begin(), started_.end());
  for (const auto& e : operator_executions_) all.push_back(e.get());
  return all;
}

std::vector<PipelineDriver::PendingJudgment> PipelineDriver::pending_judgments() const {
  std::vector<PendingJudgment> pending;
  const auto look = [&pending](const strategies::Execution& e) {
    for (const strategies::Stage* s : e.all_stages()) {
      if (s->type != "manualJudgment") continue;
      if (s->status != strategies::Status::kRunning && s->status != strategies::Status::kPaused) continue;
      if (!s->context.value("judgmentStatus", std::string()).empty()) continue;  // answered, not yet noticed
      PendingJudgment p{e.id(), s->name, s->id, s->context.value("instructions", std::string()), {}};
      const strategies::Json inputs = s->context.value("judgmentInputs", strategies::Json::array());
      for (const strategies::Json& i : inputs) {
        if (i.is_object() && i.contains("value") && i["value"].is_string()) p.inputs.push_back(i["value"].get<std::string>());
        if (i.is_string()) p.inputs.push_back(i.get<std::string>());
      }
      pending.push_back(std::move(p));
    }
  };
  for (const strategies::Execution* e : started_) look(*e);
  for (const auto& e : children_) look(*e);
  return pending;
}

bool PipelineDriver::judge(const std::string& execution, const std::string& stage, const std::string& status,
                           const std::string& input) {
  for (strategies::Execution* e : started_) {
    if (e->id() == execution) return e->judge(stage, status, input);
  }
  for (const auto& e : children_) {
    if (e->id() == execution) return e->judge(stage, status, input);
  }
  return false;
}

void PipelineDriver::rollback(const std::string& application, const std::string& cluster, const std::string& region) {
  // Nothing queued may start after the rollback; then every running execution stops: top-level,
  // children of pipeline stages, earlier rollbacks. Copies: cancelling ends executions, whose
  // hooks may trigger (and append) others.
  const std::string reason = "canceled by the operator: rollback of " + cluster;
  for (const auto& q : queues_) q->cancel_waiting(reason);
  std::vector<strategies::Execution*> running(started_.begin(), started_.end());
  for (const auto& e : children_) running.push_back(e.get());
  for (const auto& e : operator_executions_) running.push_back(e.get());
  for (strategies::Execution* e : running) {
    if (e->status() == strategies::Status::kRunning || e->status() == strategies::Status::kPaused) e->cancel(reason);
  }
  strategies::Json stage = {{"refId", "1"},
                            {"type", "rollbackCluster"},
                            {"name", "Rollback " + cluster},
                            {"cluster", cluster},
                            {"application", application},
                            {"regions", strategies::Json::array({region})},
                            {"requisiteStageRefIds", strategies::Json::array()}};
  const std::string n = std::to_string(operator_executions_.size() + 1);
  const strategies::Json pipeline = {{"application", application},
                                     {"name", "Rollback " + cluster + " (operator)"},
                                     {"id", "operator-rollback-" + n},
                                     {"stages", strategies::Json::array({stage})}};
  const auto loaded = strategies::load_pipelines(pipeline.dump(), "operator rollback",
                                                 [this](const std::string& t) { return registry_.supports(t); });
  if (!loaded.ok() || loaded->empty()) return;  // cannot happen: the stage is built here
  operator_pipelines_.push_back(std::make_unique<strategies::PipelineConfig>(loaded->front()));
  strategies::Json trigger = {{"type", "operator"}, {"user", "deploysim-viz"}, {"parameters", strategies::Json::object()}};
  operator_executions_.push_back(std::make_unique<strategies::Execution>("operator-rollback-" + n, *operator_pipelines_.back(),
                                                                         trigger, registry_, loop_, provider_, *this, trace_));
  operator_executions_.back()->start();
}

void PipelineDriver::execution_changed(const strategies::Execution& execution) {
  if (!execution.finished()) return;
  const size_t index = index_of(execution.config());
  if (index < all_.size() && std::find(started_.begin(), started_.end(), &execution) != started_.end()) {
    queues_[index]->finished(execution);
  }
  // Pipeline triggers: every pipeline listening for this one's outcome starts.
  for (size_t i = 0; i < all_.size(); ++i) {
    for (const strategies::Json* t : strategies::pipeline_triggered(all_[i], execution.config(), execution.status())) {
      strategies::Json trigger = *t;
      trigger["type"] = "pipeline";
      trigger["parentExecution"] = {{"id", execution.id()},
                                    {"name", execution.config().name},
                                    {"application", execution.config().application},
                                    {"status", strategies::status_name(execution.status())}};
      trigger["parentPipelineId"] = execution.config().id;
      trigger["parentPipelineName"] = execution.config().name;
      trigger["artifact"] = execution.trigger().value("artifact", strategies::Json(""));
      trigger["parameters"] = t->contains("parameters") && (*t)["parameters"].is_object() ? (*t)["parameters"] : strategies::Json::object();
      launch(i, trigger);
    }
  }
}

void PipelineDriver::judgment_requested(strategies::Execution& execution, const strategies::Stage& stage) {
  for (const PipelinePlan::Judgment& j : plan_.judgments) {
    if (j.stage != stage.name) continue;
    strategies::Execution* e = &execution;
    const std::string status = j.status, input = j.input;
    // A person may answer first (deploysim-viz): then the scenario's operator has nothing to do.
    const std::string id = stage.id;
    const auto waiting = [e, id] {
      const strategies::Stage* s = e->find_stage(id);
      return s != nullptr && s->context.value("judgmentStatus", std::string()).empty();
    };
    if (!j.rule) {
      loop_.schedule_after(j.after, sim::Action::boxed([e, id, status, input, waiting] {
        if (waiting()) e->judge(id, status, input);
      }));
    } else {
      const PipelinePlan::Rule* rule = &*j.rule;
      loop_.schedule_after(j.after, sim::Action::boxed([this, e, id, status, rule, waiting] {
        if (waiting()) decide(*e, id, status, *rule);
      }));
    }
    return;
  }
}

void PipelineDriver::decide(strategies::Execution& execution, const std::string& stage, const std::string& status,
                            const PipelinePlan::Rule& rule) {
  // Look, as an operator would: find the two server groups, read the metric over the window.
  strategies::Execution* e = &execution;
  provider_.describe_cluster(rule.cluster, [this, e, stage, status, &rule](const providers::OpResult& r,
                                                                          const providers::ClusterInfo& info) {
    const auto answer = [e, stage, status](const std::string& input) { e->judge(stage, status, input); };
    if (!r.ok()) return answer(rule.else_input);
    const auto pick = [&](const std::string& target) -> std::string {
      const providers::TargetResult t = providers::resolve_target(info, rule.region, *providers::parse_target(target));
      return t.server_group ? t.server_group->name : std::string();
    };
    const std::string candidate = pick(rule.candidate), baseline = pick(rule.baseline);
    if (candidate.empty() || baseline.empty() || candidate == baseline) return answer(rule.else_input);
    const sim::TimePoint to = loop_.now();
    const sim::TimePoint from = to - rule.window < sim::TimePoint::start() ? sim::TimePoint::start() : to - rule.window;
    auto values = std::make_shared<std::pair<std::optional<double>, std::optional<double>>>();
    const auto measured = [values](const providers::MetricsSeries& s) -> std::optional<double> {
      return s.values.empty() ? std::nullopt : s.values.front();
    };
    providers::MetricsQuery q{candidate, rule.metric, from, to, to - from};
    provider_.query_metrics(q, [this, values, measured, baseline, rule_ptr = &rule, from, to, answer](
                                   const providers::OpResult&, const providers::MetricsSeries& cs) {
      values->first = measured(cs);
      providers::MetricsQuery b{baseline, rule_ptr->metric, from, to, to - from};
      provider_.query_metrics(b, [values, measured, rule_ptr, answer](const providers::OpResult&, const providers::MetricsSeries& bs) {
        values->second = measured(bs);
        const double c = values->first.value_or(0), base = values->second.value_or(0);
        // A candidate with no data gives no reason to roll back; a zero baseline makes any error a reason.
        const bool worse = values->first.has_value() && c > rule_ptr->above_ratio * base && c > 0;
        answer(worse ? rule_ptr->then_input : rule_ptr->else_input);
      });
    });
  });
}

strategies::Execution* PipelineDriver::start_child(const strategies::Execution& parent, const strategies::Stage& stage,
                                                   const std::string& application,
                                                   const std::string& pipeline, const strategies::Json& parameters) {
  for (const strategies::PipelineConfig& p : all_) {
    if ((p.id == pipeline || p.name == pipeline) && (application.empty() || p.application.empty() || p.application == application)) {
      strategies::Json trigger = strategies::Json::object();
      trigger["type"] = "pipeline";
      trigger["parentExecution"] = parent.id();
      trigger["artifact"] = parent.trigger().value("artifact", std::string());
      trigger["parameters"] = parameters.is_object() ? parameters : strategies::Json::object();
      children_.push_back(std::make_unique<strategies::Execution>(parent.id() + "/child-" + std::to_string(children_.size() + 1),
                                                                  p, trigger, registry_, loop_, provider_, *this, trace_));
      children_.back()->set_parent_stage(&stage);
      children_.back()->start();
      return children_.back().get();
    }
  }
  return nullptr;
}

const canary::StoredCanaryConfig* PipelineDriver::canary_config(const std::string& id_or_name) {
  for (const canary::StoredCanaryConfig& c : plan_.canary_configs) {
    if (c.id == id_or_name) return &c;
  }
  for (const canary::StoredCanaryConfig& c : plan_.canary_configs) {
    if (c.config.name == id_or_name) return &c;
  }
  return nullptr;
}

strategies::ExternalOutcome PipelineDriver::external_stage(const strategies::Stage& stage) {
  strategies::ExternalOutcome outcome;
  // A match by stage name wins over a match by type.
  const PipelinePlan::External* chosen = nullptr;
  for (const PipelinePlan::External& e : plan_.external) {
    if (!e.stage.empty() && e.stage == stage.name) chosen = &e;
    if (chosen == nullptr && e.stage.empty() && e.type == stage.type) chosen = &e;
  }
  if (chosen != nullptr) {
    outcome.duration = chosen->duration;
    outcome.succeeds = !chosen->fails;
    outcome.message = "modelled " + stage.type + " failed";
    outcome.outputs = parsed_object(chosen->outputs_json);
  }
  return outcome;
}

}  // namespace deploysim::scenarios
