// Deploy strategies: what a createServerGroup stage does around creating the new server group, as
// Orca's strategy classes compose it (reference: spinnaker-semantics.md §4).
//
//   none ("")        nothing after: old and new groups both take traffic.
//   redblack         shrinkCluster to maxRemainingAsgs (when set), wait delayBeforeDisableSec,
//                    disableCluster (every other enabled group), and with scaleDown, wait
//                    delayBeforeScaleDownSec then scaleDownCluster. Nothing without a source group.
//   highlander       shrinkCluster to 1 with allowDeleteActive: every other group is disabled,
//                    then destroyed.
//   rollingredblack  the new group starts at 0/0/0; the source is pinned (min = desired); for each
//                    of targetPercentages (default [50, 100], 100 appended when missing) the new
//                    group grows to ceil(p% of the source's desired) and waits for health, then
//                    optionally a wait and a validation pipeline, then p% of the source's
//                    instances leave its load balancers; finally scaleDownCluster (scaleDown) or
//                    the source is unpinned.
//   custom           no group of its own: runs strategyPipeline, whose deploy stage deploys this
//                    cluster with strategy none.
//   monitored        rolling red/black over deploySteps, a health check of the new group after
//                    each step (evaluateDeploymentHealth), and on failure an automatic rollback
//                    (failureActions.rollback "Automatic").
//
// On failure (rollback.onFailure true, and a group was created): rollingredblack rolls the cluster
// back (enable the source, disable the new group); redblack only when a task of the create stage
// itself failed, and then only disables the new group; rollback.destroyLatest also destroys it.
// Rolling red/black then unpins its source.
#pragma once

#include "sim/kernel/result.h"
#include "strategies/pipeline/execution.h"
#include "strategies/pipeline/stage.h"

namespace deploysim::strategies {

// The strategy a stage's context names: "" for none (also "none" and any unknown name, as Orca's
// Strategy.fromStrategyKey falls back to NoStrategy), else its key.
std::string strategy_of(const Json& context);

// Whether the strategy replaces the basic steps (create and wait) with its own.
bool replaces_basic_steps(const std::string& strategy);

// Prepares the create stage's context before its tasks run (rolling red/black starts the new
// group empty and remembers the wanted capacity as savedCapacity). Errors name a bad option.
sim::Status prepare_strategy(Stage& create);

// Adds the strategy's after-stages, once the group exists and is up (the context then has
// serverGroupName and, when the cluster had one, source).
sim::Status plan_strategy_after(Stage& create, Execution& execution);

// Adds the rollback and clean-up stages for a failed create stage.
void plan_strategy_on_failure(Stage& create, Execution& execution);

}  // namespace deploysim::strategies
