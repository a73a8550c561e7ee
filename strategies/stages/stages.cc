// The registry of implemented stage types.
#include "strategies/stages/stages.h"

namespace deploysim::strategies {

std::unique_ptr<StageDefinition> make_wait_stage();
std::unique_ptr<StageDefinition> make_manual_judgment_stage();
std::unique_ptr<StageDefinition> make_check_preconditions_stage();
std::unique_ptr<StageDefinition> make_check_precondition_stage();
std::unique_ptr<StageDefinition> make_evaluate_variables_stage();
std::unique_ptr<StageDefinition> make_external_stage(const char* type);
std::unique_ptr<StageDefinition> make_resize_server_group_stage();
std::unique_ptr<StageDefinition> make_pin_server_group_stage();
std::unique_ptr<StageDefinition> make_enable_server_group_stage();
std::unique_ptr<StageDefinition> make_disable_server_group_stage();
std::unique_ptr<StageDefinition> make_destroy_server_group_stage();
std::unique_ptr<StageDefinition> make_deploy_stage();
std::unique_ptr<StageDefinition> make_create_server_group_stage();
std::unique_ptr<StageDefinition> make_clone_server_group_stage();
std::unique_ptr<StageDefinition> make_cluster_stage(const char* type);
std::unique_ptr<StageDefinition> make_rollback_cluster_stage();
std::unique_ptr<StageDefinition> make_pipeline_stage();
std::unique_ptr<StageDefinition> make_kayenta_canary_stage();
std::unique_ptr<StageDefinition> make_run_canary_stage();
std::unique_ptr<StageDefinition> make_step_canary_stage();
std::unique_ptr<StageDefinition> make_canary_step_stage();
std::unique_ptr<StageDefinition> make_blue_green_stage();
void register_manifest_stages(StageRegistry& registry);
std::unique_ptr<StageDefinition> make_execution_window_stage();

void register_stages(StageRegistry& registry) {
  registry.add(make_wait_stage());
  registry.add(make_manual_judgment_stage());
  registry.add(make_check_preconditions_stage());
  registry.add(make_check_precondition_stage());
  registry.add(make_evaluate_variables_stage());
  registry.add(make_resize_server_group_stage());
  registry.add(make_pin_server_group_stage());
  registry.add(make_enable_server_group_stage());
  registry.add(make_disable_server_group_stage());
  registry.add(make_destroy_server_group_stage());
  registry.add(make_deploy_stage());
  registry.add(make_create_server_group_stage());
  registry.add(make_clone_server_group_stage());
  for (const char* type : {"disableCluster", "scaleDownCluster", "shrinkCluster"}) registry.add(make_cluster_stage(type));
  registry.add(make_rollback_cluster_stage());
  registry.add(make_pipeline_stage());
  registry.add(make_kayenta_canary_stage());
  registry.add(make_run_canary_stage());
  registry.add(make_step_canary_stage());
  registry.add(make_canary_step_stage());
  registry.add(make_blue_green_stage());
  // evaluateDeploymentHealth asks a monitored deploy's deployment monitor, a system outside the
  // cloud, like the others here.
  for (const char* type : {"bake", "findImage", "jenkins", "script", "webhook", "evaluateDeploymentHealth"}) {
    registry.add(make_external_stage(type));
  }
  register_manifest_stages(registry);
  registry.add(make_execution_window_stage());
}

}  // namespace deploysim::strategies
