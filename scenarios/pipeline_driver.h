// Runs a scenario's pipeline against its world: the cloud API model and the simulated provider,
// the stage registry, the trigger at its time, and the people and systems around the pipeline
// (the operator answering judgments, external stages taking their modelled time).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "providers/sim/sim_provider.h"
#include "scenarios/loader.h"
#include "sim/world/cloud_api.h"
#include "strategies/pipeline/execution.h"
#include "strategies/pipeline/execution_queue.h"

namespace deploysim::scenarios {

class PipelineDriver : public strategies::ExecutionHooks {
 public:
  // The world, loop and trace must outlive the driver; `plan` was validated by the loader.
  PipelineDriver(const PipelinePlan& plan, world::World& world, sim::EventLoop& loop, uint64_t seed,
                 sim::TraceWriter* trace);

  // Loads the pipeline and schedules its trigger. Errors if the pipeline does not load.
  sim::Status start();
  // Null until the trigger fires: the first execution.
  const strategies::Execution* execution() const {
    return queue_ && !queue_->executions().empty() ? queue_->executions().front().get() : nullptr;
  }
  // Every execution the triggers started (or queued), in trigger order.
  std::vector<const strategies::Execution*> executions() const;
  const strategies::PipelineConfig& pipeline() const { return pipeline_; }

  void judgment_requested(strategies::Execution& execution, const strategies::Stage& stage) override;
  strategies::ExternalOutcome external_stage(const strategies::Stage& stage) override;
  void execution_changed(const strategies::Execution& execution) override;
  // Child pipelines come from the same pipeline file, matched by id or name.
  strategies::Execution* start_child(const strategies::Execution& parent, const std::string& application,
                                     const std::string& pipeline, const strategies::Json& parameters) override;

 private:
  // Answers a judgment by `rule`, looking at the cluster's metrics now.
  void decide(strategies::Execution& execution, const std::string& stage, const std::string& status,
              const PipelinePlan::Rule& rule);

  const PipelinePlan& plan_;
  sim::EventLoop& loop_;
  sim::TraceWriter* trace_;
  world::CloudApi api_;
  providers::SimProvider provider_;
  strategies::StageRegistry registry_;
  strategies::PipelineConfig pipeline_;
  std::vector<strategies::PipelineConfig> all_;  // every pipeline of the file, for child pipelines
  std::unique_ptr<strategies::ExecutionQueue> queue_;
  std::vector<std::unique_ptr<strategies::Execution>> children_;
};

}  // namespace deploysim::scenarios
