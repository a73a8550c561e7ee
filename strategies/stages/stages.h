// The stage types deploysim runs, one file each; this header registers them.
#pragma once

#include "strategies/pipeline/stage.h"

namespace deploysim::strategies {

// Registers every stage type implemented so far.
void register_stages(StageRegistry& registry);

// A stage type that runs one task of type TaskT.
template <class TaskT>
class SingleTaskStage : public StageDefinition {
 public:
  explicit SingleTaskStage(const char* type) : type_(type) {}
  const char* type() const override { return type_; }
  sim::Status plan(Stage& stage, Execution&) const override {
    stage.tasks.push_back(std::make_unique<TaskT>());
    return sim::Status();
  }

 private:
  const char* type_;
};

}  // namespace deploysim::strategies
