// Orca's concurrency rules for executions of one pipeline.
#include "strategies/pipeline/execution_queue.h"

#include <algorithm>

namespace deploysim::strategies {

int ExecutionQueue::running() const {
  return static_cast<int>(std::count_if(executions_.begin(), executions_.end(), [](const auto& e) {
    return e->status() == Status::kRunning || e->status() == Status::kPaused;
  }));
}

bool ExecutionQueue::may_start() const {
  if (config_.limit_concurrent) return running() == 0;
  if (config_.max_concurrent_executions > 0) return running() < config_.max_concurrent_executions;
  return true;
}

Execution& ExecutionQueue::submit(std::unique_ptr<Execution> execution) {
  executions_.push_back(std::move(execution));
  Execution& e = *executions_.back();
  if (may_start()) {
    e.start();
  } else {
    waiting_.push_back(&e);
  }
  return e;
}

void ExecutionQueue::finished(const Execution& execution) {
  if (!execution.finished() || waiting_.empty()) return;
  if (!config_.keep_waiting_pipelines) {
    // Only the newest waiting execution starts; the older ones are superseded.
    Execution* newest = waiting_.back();
    std::vector<Execution*> superseded(waiting_.begin(), waiting_.end() - 1);
    waiting_.clear();
    for (Execution* e : superseded) e->cancel("superseded by a newer execution");
    if (may_start()) {
      newest->start();
    } else {
      waiting_.push_back(newest);
    }
    return;
  }
  while (!waiting_.empty() && may_start()) {
    Execution* oldest = waiting_.front();
    waiting_.erase(waiting_.begin());
    oldest->start();
  }
}

void ExecutionQueue::cancel_waiting(const std::string& reason) {
  const std::vector<Execution*> waiting = std::move(waiting_);
  waiting_.clear();
  for (Execution* e : waiting) e->cancel(reason);
}

}  // namespace deploysim::strategies
