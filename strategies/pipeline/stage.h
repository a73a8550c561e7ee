// Stages at run time, the tasks they run, and the stage types that plan them.
//
// As in Orca, a stage is a sequence of tasks, optionally preceded by synthetic "before" stages
// (which form their own small graph) and followed by synthetic "after" stages (which run one after
// another: a deploy strategy's steps); a task runs, and either finishes with a status or asks to
// run again after a backoff (polling). When a stage fails, its type may add "on failure" stages
// (a rollback), which run before the stage ends failed. Stage types (one file each, in
// strategies/stages/) turn a stage's context into its tasks and synthetic stages.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/kernel/event_loop.h"
#include "sim/kernel/time.h"
#include "strategies/pipeline/pipeline.h"
#include "strategies/pipeline/status.h"

namespace deploysim::providers {
class CloudProvider;
}

namespace deploysim::strategies {

class Execution;
struct Stage;

// What one run of a task found.
struct TaskOutcome {
  Status status = Status::kSucceeded;  // kRunning: run again after `backoff`
  std::string message;                 // why, for failures (shown in the timeline and trace)
  sim::Duration backoff = sim::Duration::seconds(1);
  Json outputs = Json::object();       // merged into the stage's outputs

  static TaskOutcome running(sim::Duration backoff) { return {Status::kRunning, {}, backoff, Json::object()}; }
  static TaskOutcome succeeded(Json outputs = Json::object()) {
    return {Status::kSucceeded, {}, sim::Duration::seconds(1), std::move(outputs)};
  }
  static TaskOutcome terminal(std::string message) {
    return {Status::kTerminal, std::move(message), sim::Duration::seconds(1), Json::object()};
  }
};

// What a task works with.
struct TaskContext {
  Execution& execution;
  Stage& stage;
  sim::EventLoop& loop;
  providers::CloudProvider& provider;
  sim::TimePoint task_start;  // when this task first ran (polling tasks slow down with age)
};

class Task {
 public:
  virtual ~Task() = default;
  virtual const char* name() const = 0;
  // Runs once and calls `done` exactly once, now or later (after provider calls). The stage may
  // have been canceled meanwhile; the engine ignores answers for stages no longer running.
  virtual void run(TaskContext& context, std::function<void(TaskOutcome)> done) = 0;
  // Orca's RetryableTask.getTimeout: how long the task may keep polling, paused time excluded;
  // nullopt: no limit of its own. The engine checks it before each run.
  virtual std::optional<sim::Duration> timeout() const { return std::nullopt; }
  // Orca's OverridableTimeoutRetryableTask: a stageTimeoutMs on the stage or an ancestor replaces
  // timeout() rather than adding to it.
  virtual bool timeout_overridable() const { return false; }
};

struct Stage {
  std::string id;       // unique within the execution: the refId, or the parent's id plus a suffix
  std::string ref_id;
  std::string name;
  std::string type;
  std::vector<std::string> requisites;  // among siblings (top level: other top-level stages)
  Json context = Json::object();        // the configured context, expressions evaluated at start
  Json outputs = Json::object();
  Status status = Status::kNotStarted;
  sim::TimePoint start_time;
  sim::TimePoint end_time;
  std::string message;  // the failure that ended it, if any

  Stage* parent = nullptr;
  std::vector<std::unique_ptr<Stage>> before;  // synthetic stages that run before the tasks
  std::vector<std::unique_ptr<Stage>> after;   // synthetic stages that run after them, in order
  bool after_planned = false;  // the type's plan_after has run
  bool failing = false;        // the stage failed; its on-failure stages (in `after`) are running
  size_t failure_from = 0;     // where the on-failure stages start in `after`
  int after_added = 0;         // after-stages ever added (their ids count them)
  Status planning_failure = Status::kNotStarted;  // set when plan_after failed: the stage failed so
  std::vector<std::unique_ptr<Task>> tasks;
  size_t next_task = 0;
  std::vector<Status> task_statuses;
  std::vector<sim::TimePoint> task_starts;  // first run of each task
  uint64_t attempt = 0;  // bumped when the stage ends, so stale task answers are ignored
  sim::EventHandle pending;  // the scheduled task run

  bool synthetic() const { return parent != nullptr; }
  // Whether this synthetic stage runs after its parent's tasks (else before them).
  bool runs_after() const;
  // Orca's StageExecution.failureStatus(): continuePipeline -> FAILED_CONTINUE; failPipeline
  // missing or true -> `default_status` (TERMINAL); otherwise STOPPED.
  Status failure_status(Status default_status = Status::kTerminal) const;
  // stageTimeoutMs, when set to a positive number.
  std::optional<sim::Duration> configured_timeout() const;
  // Orca's getParentWithTimeout: this stage if it has a stageTimeoutMs, else its nearest ancestor
  // that has one, else nullptr.
  const Stage* parent_with_timeout() const;
  // The server groups this stage created, as (region, name): what a createServerGroup or
  // cloneServerGroup stage recorded in its deploy.server.groups output; empty for other types.
  std::vector<std::pair<std::string, std::string>> deployed_server_groups() const;
  // A JSON view of the stage for #stage(...) and reports.
  Json describe() const;
};

// A stage type: turns a stage's (evaluated) context into tasks and synthetic before stages.
class StageDefinition {
 public:
  virtual ~StageDefinition() = default;
  virtual const char* type() const = 0;
  // Adds tasks (and synthetic stages to `stage.before`). An error fails the stage TERMINAL.
  virtual sim::Status plan(Stage& stage, Execution& execution) const = 0;
  // Adds synthetic after-stages (Execution::add_after_stage) once the before-stages and tasks
  // have succeeded, so they can use what the tasks found (Orca plans after-stages when the stage
  // would otherwise complete). An error fails the stage. Default: none.
  virtual sim::Status plan_after(Stage& /*stage*/, Execution& /*execution*/) const { return sim::Status(); }
  // Adds the stages to run when the stage halts (TERMINAL or STOPPED), Orca's onFailureStages:
  // they run in order, and then the stage ends with its failure status. Default: none.
  virtual void plan_on_failure(Stage& /*stage*/, Execution& /*execution*/) const {}
};

// The stage types the engine runs, by type name.
class StageRegistry {
 public:
  void add(std::unique_ptr<StageDefinition> definition);
  const StageDefinition* find(const std::string& type) const;
  bool supports(const std::string& type) const { return find(type) != nullptr; }
  std::vector<std::string> types() const;  // sorted

 private:
  std::map<std::string, std::unique_ptr<StageDefinition>> definitions_;
};

}  // namespace deploysim::strategies
