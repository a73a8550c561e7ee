// The scenario's pipeline, triggered and surrounded by its operator and external systems.
#include "scenarios/pipeline_driver.h"

#include "providers/target.h"
#include "strategies/stages/stages.h"

namespace deploysim::scenarios {

PipelineDriver::PipelineDriver(const PipelinePlan& plan, world::World& world, sim::EventLoop& loop, uint64_t seed,
                               sim::TraceWriter* trace)
    : plan_(plan), loop_(loop), trace_(trace), api_(world, loop, seed), provider_(world, api_, loop) {
  strategies::register_stages(registry_);
}

sim::Status PipelineDriver::start() {
  const auto loaded = strategies::load_pipelines(plan_.json, plan_.source,
                                                 [this](const std::string& t) { return registry_.supports(t); });
  if (!loaded.ok()) return loaded.error();
  all_ = *loaded;
  pipeline_ = loaded->front();
  for (const strategies::PipelineConfig& p : *loaded) {
    if (!plan_.name.empty() && p.name == plan_.name) pipeline_ = p;
  }
  api_.start();
  queue_ = std::make_unique<strategies::ExecutionQueue>(pipeline_);
  std::vector<sim::Duration> times = {plan_.trigger_at};
  times.insert(times.end(), plan_.again_at.begin(), plan_.again_at.end());
  for (sim::Duration at : times) {
    loop_.schedule(sim::TimePoint::start() + at, sim::Action::boxed([this] {
      strategies::Json trigger = strategies::Json::object();
      trigger["type"] = plan_.trigger_type;
      trigger["artifact"] = plan_.artifact;
      trigger["parameters"] = strategies::Json::parse(plan_.parameters_json, nullptr, false);
      if (trigger["parameters"].is_discarded()) trigger["parameters"] = strategies::Json::object();
      const std::string id = "execution-" + std::to_string(queue_->executions().size() + 1);
      queue_->submit(std::make_unique<strategies::Execution>(id, pipeline_, trigger, registry_, loop_, provider_, *this, trace_));
    }));
  }
  return sim::Status();
}

std::vector<const strategies::Execution*> PipelineDriver::executions() const {
  std::vector<const strategies::Execution*> out;
  if (queue_) {
    for (const auto& e : queue_->executions()) out.push_back(e.get());
  }
  return out;
}

void PipelineDriver::execution_changed(const strategies::Execution& execution) {
  if (queue_ && &execution.config() == &pipeline_) queue_->finished(execution);
}

void PipelineDriver::judgment_requested(strategies::Execution& execution, const strategies::Stage& stage) {
  for (const PipelinePlan::Judgment& j : plan_.judgments) {
    if (j.stage != stage.name) continue;
    strategies::Execution* e = &execution;
    const std::string name = stage.name, status = j.status, input = j.input;
    if (!j.rule) {
      loop_.schedule_after(j.after, sim::Action::boxed([e, name, status, input] { e->judge(name, status, input); }));
    } else {
      const PipelinePlan::Rule* rule = &*j.rule;
      loop_.schedule_after(j.after, sim::Action::boxed([this, e, name, status, rule] { decide(*e, name, status, *rule); }));
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

strategies::Execution* PipelineDriver::start_child(const strategies::Execution& parent, const std::string& application,
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
      children_.back()->start();
      return children_.back().get();
    }
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
  }
  return outcome;
}

}  // namespace deploysim::scenarios
