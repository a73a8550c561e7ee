// Runs a scenario's pipelines against a provider (the simulated world's, or real processes behind
// HAProxy): the stage registry, the triggers (manual starts, outside events, cron schedules, and pipeline
// triggers as executions end), and the people and systems around the pipelines (the operator
// answering judgments, external stages taking their modelled time). Each pipeline of the file
// queues its own executions by its concurrency settings.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "providers/cloud_provider.h"
#include "providers/kubernetes/kubernetes_cluster.h"
#include "scenarios/loader.h"
#include "strategies/pipeline/execution.h"
#include "strategies/pipeline/cron.h"
#include "strategies/pipeline/execution_queue.h"

namespace deploysim::scenarios {

class PipelineDriver : public strategies::ExecutionHooks {
 public:
  // The provider (simulated or real), loop and trace must outlive the driver; `plan` was validated
  // by the loader.
  PipelineDriver(const PipelinePlan& plan, providers::CloudProvider& provider, sim::EventLoop& loop, uint64_t seed,
                 sim::TraceWriter* trace);

  // Loads the pipelines and schedules the triggers. Errors if the pipelines do not load.
  sim::Status start();
  // The first execution of the chosen pipeline (else the first of any), or null before one starts.
  const strategies::Execution* execution() const;
  // Every execution the triggers started (or queued), in trigger order.
  std::vector<const strategies::Execution*> executions() const;
  const strategies::PipelineConfig& pipeline() const { return pipeline_; }

  // What a person can act on in a live run (deploysim-viz).
  struct PendingJudgment {
    std::string execution;
    std::string stage;                // the manualJudgment stage's name
    std::string stage_id;             // and its id, unique in the execution (names may repeat)
    std::string instructions;
    std::vector<std::string> inputs;  // its judgmentInputs, in order (may be empty)
  };
  // The manual judgments waiting for an answer now, in execution order.
  std::vector<PendingJudgment> pending_judgments() const;
  // Answers a waiting judgment, by stage id ("continue" or "stop", and an input). False when that
  // execution has no such stage waiting.
  bool judge(const std::string& execution, const std::string& stage, const std::string& status, const std::string& input);
  // Deck's 1-click rollback of `cluster` in `region`: cancels every running execution, then
  // starts a one-stage rollbackCluster execution ("operator-rollback-N") that restores the
  // previous server group and disables the newest enabled one.
  void rollback(const std::string& application, const std::string& cluster, const std::string& region);

  void judgment_requested(strategies::Execution& execution, const strategies::Stage& stage) override;
  strategies::ExternalOutcome external_stage(const strategies::Stage& stage) override;
  const canary::StoredCanaryConfig* canary_config(const std::string& id_or_name) override;
  sim::Rng random_stream(const std::string& name) override { return sim::Rng::stream(seed_, "outside/" + name); }
  int64_t epoch_at_start() const override { return plan_.start_epoch; }
  sim::Duration disable_cluster_min_time() const override { return plan_.disable_cluster_min_time; }
  void execution_changed(const strategies::Execution& execution) override;
  // Child pipelines come from the same pipeline file, matched by id or name.
  strategies::Execution* start_child(const strategies::Execution& parent, const strategies::Stage& stage,
                                     const std::string& application,
                                     const std::string& pipeline, const strategies::Json& parameters) override;

 private:
  // Starts (or queues) an execution of all_[pipeline] with this trigger object.
  void launch(size_t pipeline, strategies::Json trigger);
  // Schedules the next firing of all_[pipeline]'s cron trigger after `after` (epoch seconds).
  void schedule_cron(size_t pipeline, const strategies::Json* trigger, std::shared_ptr<const strategies::CronSchedule> cron,
                     int64_t after, const PipelinePlan::Trigger& plan);
  // The trigger object of a scenario trigger.
  strategies::Json trigger_json(const PipelinePlan::Trigger& plan) const;
  size_t index_of(const strategies::PipelineConfig& config) const;
  // Answers a judgment by `rule`, looking at the cluster's metrics now.
  void decide(strategies::Execution& execution, const std::string& stage, const std::string& status,
              const PipelinePlan::Rule& rule);

  const PipelinePlan& plan_;
  uint64_t seed_;
  sim::EventLoop& loop_;
  sim::TraceWriter* trace_;
  providers::CloudProvider& provider_;
  strategies::StageRegistry registry_;
  strategies::PipelineConfig pipeline_;  // a copy of the chosen pipeline, for reports
  size_t chosen_ = 0;
  std::vector<strategies::PipelineConfig> all_;  // every pipeline of the file
  std::vector<std::unique_ptr<strategies::ExecutionQueue>> queues_;  // one per pipeline of all_
  std::vector<strategies::Execution*> started_;  // top-level executions, in trigger order
  std::vector<std::unique_ptr<strategies::Execution>> children_;
  // The operator's rollbacks: their one-stage pipelines and executions.
  std::vector<std::unique_ptr<strategies::PipelineConfig>> operator_pipelines_;
  std::vector<std::unique_ptr<strategies::Execution>> operator_executions_;
  bool runaway_reported_ = false;
};

}  // namespace deploysim::scenarios
