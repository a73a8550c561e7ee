// ExecutionQueue: several executions of one pipeline, started and queued by Orca's concurrency
// rules (OrcaMessageHandler.shouldQueue, StartWaitingExecutionsHandler):
//   limitConcurrent: a new execution waits (NOT_STARTED) while another is running;
//   otherwise maxConcurrentExecutions > 0 caps how many run at once;
//   when one finishes, with keepWaitingPipelines false only the newest waiting execution starts
//   and the others are canceled (superseded); with true, they start oldest first.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "strategies/pipeline/execution.h"

namespace deploysim::strategies {

class ExecutionQueue {
 public:
  explicit ExecutionQueue(const PipelineConfig& config) : config_(config) {}

  // Takes a triggered execution: starts it now, or keeps it waiting.
  Execution& submit(std::unique_ptr<Execution> execution);
  // Call when an execution of this pipeline has finished (from ExecutionHooks::execution_changed).
  void finished(const Execution& execution);
  // Cancels every waiting execution (an operator's rollback: nothing queued may start after it).
  void cancel_waiting(const std::string& reason);

  // Every execution, in trigger order.
  const std::vector<std::unique_ptr<Execution>>& executions() const { return executions_; }

 private:
  bool may_start() const;
  int running() const;

  const PipelineConfig& config_;
  std::vector<std::unique_ptr<Execution>> executions_;
  std::vector<Execution*> waiting_;  // oldest first
};

}  // namespace deploysim::strategies
