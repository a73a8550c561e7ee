// Execution: one run of a pipeline, with Orca's semantics. Stages start when every upstream stage
// is SUCCEEDED, FAILED_CONTINUE or SKIPPED (a join below a halted branch never starts); a stage
// whose stageEnabled expression is false is SKIPPED (and its downstream still runs); tasks poll
// with backoff; a failed stage ends TERMINAL, STOPPED or FAILED_CONTINUE by its failPipeline /
// continuePipeline flags; the execution's final status follows Orca's determineFinalStatus.
//
// It runs on the event loop it is given and acts on the world only through the CloudProvider, so
// the same execution drives the simulated cloud or real infrastructure.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "sim/kernel/event_loop.h"
#include "sim/kernel/rng.h"
#include "sim/kernel/trace.h"
#include "strategies/expressions/expression.h"
#include "strategies/pipeline/notifications.h"
#include "strategies/pipeline/pipeline.h"
#include "strategies/pipeline/stage.h"

namespace deploysim::canary {
struct StoredCanaryConfig;
}

namespace deploysim::strategies {

// How a modelled external stage (bake, jenkins, script, runJob, webhook, findImage) goes.
struct ExternalOutcome {
  sim::Duration duration = sim::Duration::seconds(30);
  bool succeeds = true;
  std::string message = "modelled external stage failed";
  Json outputs = Json::object();
};

// What an execution asks of the world outside the pipeline: people and external systems.
class ExecutionHooks {
 public:
  virtual ~ExecutionHooks() = default;
  // A manual judgment waits; answer with Execution::judge(). Default: nobody answers.
  virtual void judgment_requested(Execution& /*execution*/, const Stage& /*stage*/) {}
  // How an external stage goes. Default: 30 s, succeeds.
  virtual ExternalOutcome external_stage(const Stage& /*stage*/) { return {}; }
  // Starts the pipeline `pipeline` (a config id or name) of `application` as a child of `parent`,
  // run by its stage `stage`, with these trigger parameters (Execution::set_parent_stage before
  // starting it); returns it, or nullptr when there is no such pipeline.
  virtual Execution* start_child(const Execution& /*parent*/, const Stage& /*stage*/, const std::string& /*application*/,
                                 const std::string& /*pipeline*/, const Json& /*parameters*/) {
    return nullptr;
  }
  // The canary config a kayentaCanary stage names (its canaryConfigId, else canaryConfigName), as
  // Kayenta's configuration store holds it, or null when there is none such.
  virtual const canary::StoredCanaryConfig* canary_config(const std::string& /*id_or_name*/) { return nullptr; }
  // A random stream for what runs outside the pipeline but inside a run (Kayenta's judge adds
  // noise to constant series), named so that each draws its own; the same name gives the same
  // stream in every run of a scenario and seed.
  virtual sim::Rng random_stream(const std::string& name) { return sim::Rng::stream(0, name); }
  // The wall-clock time at run time 0, in seconds since 1970 UTC (execution windows read it).
  // Default 2026-01-05T00:00:00Z.
  virtual int64_t epoch_at_start() const { return 1767571200; }
  // Orca's tasks.disable-cluster-min-time-millis: disableCluster waits at least this long.
  virtual sim::Duration disable_cluster_min_time() const { return sim::Duration::seconds(90); }
  // Called for each notification the execution sends (also recorded in the trace).
  virtual void notified(const Execution& /*execution*/, const Stage* /*stage*/, const NotificationMessage& /*message*/) {}
  // Called after every stage and execution status change.
  virtual void stage_changed(const Execution& /*execution*/, const Stage& /*stage*/) {}
  virtual void execution_changed(const Execution& /*execution*/) {}
};

class Execution {
 public:
  // `config`, `registry`, `loop`, `provider` and `hooks` must outlive the execution; `trace` may be
  // null. `trigger` is the trigger object ({"type": "manual", "parameters": {...}}).
  Execution(std::string id, const PipelineConfig& config, Json trigger, const StageRegistry& registry,
            sim::EventLoop& loop, providers::CloudProvider& provider, ExecutionHooks& hooks,
            sim::TraceWriter* trace);
  Execution(const Execution&) = delete;
  Execution& operator=(const Execution&) = delete;
  ~Execution();

  // Starts the initial stages (parameterConfig defaults fill trigger.parameters first). An
  // execution without initial stages ends TERMINAL at once.
  void start();
  // Cancels the execution: running stages end CANCELED, then the execution.
  void cancel(const std::string& reason);
  // Pauses the execution (Orca's pause API): each running stage stops at its next task run and
  // waits, PAUSED, until resume(); paused time does not count toward stage or task timeouts.
  void pause();
  void resume();
  // Answers the manual judgment stage named `stage_name` (exact, case-sensitive name or id):
  // judgment_status "continue" or "stop", and the chosen input. Returns false if no such stage is
  // waiting. Like Orca, the stage notices at its next poll (every 15 s).
  bool judge(const std::string& stage_name, const std::string& judgment_status, const std::string& input);

  const std::string& id() const { return id_; }
  const PipelineConfig& config() const { return config_; }
  Status status() const { return status_; }
  sim::TimePoint start_time() const { return start_time_; }
  sim::TimePoint end_time() const { return end_time_; }
  const Json& trigger() const { return trigger_; }
  // The stage of another execution that started this one (a pipeline stage), or null.
  const Stage* parent_stage() const { return parent_stage_; }
  void set_parent_stage(const Stage* stage) { parent_stage_ = stage; }
  const std::vector<std::unique_ptr<Stage>>& stages() const { return stages_; }
  // Every stage, synthetic ones after their parents, in start order of the tree.
  std::vector<const Stage*> all_stages() const;
  // The stage with this name (or id), searching top-level stages first.
  const Stage* find_stage(const std::string& name_or_id) const;
  bool finished() const { return strategies::is_complete(status_); }

  // The expression context of `stage` (for stage types and tasks).
  std::unique_ptr<ExpressionContext> expression_context(const Stage& stage) const;
  ExecutionHooks& hooks() { return hooks_; }
  sim::EventLoop& loop() { return loop_; }
  providers::CloudProvider& provider() { return provider_; }

  // Sends the notifications configured for `event`: the pipeline's when `stage` is null, else the
  // stage's (if its sendNotifications is true). `detail` is added to the description.
  void notify(const Stage* stage, const std::string& event, const std::string& detail = "");

  // Adds a synthetic stage before `parent`'s tasks (for stage types' plan()).
  Stage& add_before_stage(Stage& parent, const std::string& suffix, const std::string& type,
                          const std::string& name, Json context);
  // Appends a record to the run's trace, stamped now (nothing without a trace).
  void record(trace::Event event);

  // Adds a synthetic stage after `parent`'s tasks, to run after every after-stage added so far
  // (for stage types' plan_after() and plan_on_failure()). Its id is the parent's plus ">N".
  Stage& add_after_stage(Stage& parent, const std::string& type, const std::string& name, Json context);

 private:
  std::vector<std::unique_ptr<Stage>>& siblings(Stage& stage);
  void start_stage(Stage& stage);
  bool enabled(Stage& stage);
  void evaluate_context(Stage& stage);
  void begin_work(Stage& stage);
  void run_task(Stage& stage);
  void park(Stage& stage);
  std::optional<std::string> timed_out(const Stage& stage, const Task& task) const;
  sim::Duration paused_since(sim::TimePoint since) const;
  void set_task_status(Stage& stage, size_t index, Status status, const std::string& message);
  void task_done(Stage& stage, uint64_t attempt, TaskOutcome outcome);
  void child_done(Stage& parent, const Stage& child);
  void advance(Stage& stage);
  bool start_next_after(Stage& stage);
  void complete_stage(Stage& stage, Status status, const std::string& message);
  Status determine_status(const Stage& stage) const;
  void start_ready_siblings(Stage& completed);
  bool upstream_complete(const Stage& stage, std::vector<std::unique_ptr<Stage>>& group) const;
  void cancel_running(std::vector<std::unique_ptr<Stage>>& group, const std::string& reason);
  void check_execution();
  void finish(Status status);
  void trace_execution();
  void set_stage_status(Stage& stage, Status status);
  Stage* find_mutable(const std::string& name_or_id);

  std::string id_;
  const PipelineConfig& config_;
  Json trigger_;
  const StageRegistry& registry_;
  sim::EventLoop& loop_;
  providers::CloudProvider& provider_;
  ExecutionHooks& hooks_;
  sim::TraceWriter* trace_;
  bool graph_traced_ = false;  // the stage graph went into the first execution record
  const Stage* parent_stage_ = nullptr;
  std::vector<std::unique_ptr<Stage>> stages_;
  Status status_ = Status::kNotStarted;
  sim::TimePoint start_time_;
  sim::TimePoint end_time_;
  std::vector<std::pair<sim::TimePoint, std::optional<sim::TimePoint>>> pauses_;  // [from, to)
};

}  // namespace deploysim::strategies
