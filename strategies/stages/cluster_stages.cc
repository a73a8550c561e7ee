// disableCluster, scaleDownCluster and shrinkCluster: the cluster-wide stages, each one operation
// over the groups the cluster rules pick (cluster_support.h).
#include "strategies/expressions/expression.h"
#include "strategies/pipeline/execution.h"
#include "strategies/stages/cluster_support.h"
#include "strategies/stages/server_group_support.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {

class ClusterStage : public StageDefinition {
 public:
  ClusterStage(const char* type, ClusterOperation op) : type_(type), op_(op) {}
  const char* type() const override { return type_; }
  sim::Status plan(Stage& stage, Execution& execution) const override {
    // ShrinkClusterStage: a shrink that may delete active groups first disables all but
    // shrinkToSize of them (unless runDisableClusterStep is false).
    const Json& ctx = stage.context;
    if (op_ == ClusterOperation::kShrink && flag_field(ctx, "allowDeleteActive") && flag_field(ctx, "runDisableClusterStep", true)) {
      Json disable = ctx;
      disable["remainingEnabledServerGroups"] = ctx.value("shrinkToSize", Json(1));
      disable["preferLargerOverNewer"] = ctx.value("retainLargerOverNewer", Json(false));
      execution.add_before_stage(stage, "<disable", "disableCluster", "disableCluster", disable);
    }
    stage.tasks.push_back(cluster_operation_task(op_));
    stage.tasks.push_back(cluster_wait_task(op_));
    return sim::Status();
  }

 private:
  const char* type_;
  ClusterOperation op_;
};

}  // namespace

std::unique_ptr<StageDefinition> make_cluster_stage(const char* type) {
  const std::string t = type;
  const ClusterOperation op = t == "disableCluster" ? ClusterOperation::kDisable
                              : t == "scaleDownCluster" ? ClusterOperation::kScaleDown
                                                        : ClusterOperation::kShrink;
  return std::make_unique<ClusterStage>(type, op);
}

}  // namespace deploysim::strategies
