// Manifest stages in the engine: dynamic targets resolved by creation order and size when each
// stage starts, as clouddriver sorts a cluster's objects, and the errors of a target not found.
#include <gtest/gtest.h>

#include <string>

#include "providers/kubernetes/kubernetes_cluster.h"
#include "tests/strategies/engine_fixture.h"

namespace deploysim::strategies {
namespace {

std::string rs_stage(const std::string& ref, const std::string& after, int replicas) {
  return R"({"refId": ")" + ref + R"(", "requisiteStageRefIds": [)" + (after.empty() ? "" : "\"" + after + "\"") +
         R"(], "type": "deployManifest", "name": "deploy )" + ref + R"(", "moniker": {"app": "shop"},
    "manifests": [{"kind": "ReplicaSet", "metadata": {"name": "app", "namespace": "us-east-1"},
      "spec": {"replicas": )" + std::to_string(replicas) + R"(, "template": {"metadata": {"labels": {"app": "a"}},
        "spec": {"containers": [{"name": "c", "image": "v1"}]}}}}]})";
}

std::string scale_stage(const std::string& ref, const std::string& after, const std::string& criteria, int replicas) {
  return R"({"refId": ")" + ref + R"(", "requisiteStageRefIds": [")" + after + R"("], "type": "scaleManifest",
    "name": "scale )" + criteria + R"(", "mode": "dynamic", "app": "shop", "location": "us-east-1",
    "cluster": "replicaSet app", "criteria": ")" + criteria + R"(", "replicas": )" + std::to_string(replicas) + "}";
}

struct ManifestRun {
  testing::EngineStack stack{world::testing::queueing_world(1, 1, 0, sim::Duration::millis(10), world::Algorithm::kRoundRobin), 2};
  ExecutionHooks hooks;
  PipelineConfig pipeline;
  std::unique_ptr<Execution> execution;
  explicit ManifestRun(const std::string& stages) {
    pipeline = stack.load(R"({"application": "shop", "name": "p", "stages": [)" + stages + "]}");
    execution = std::make_unique<Execution>("e", pipeline, Json{{"type", "manual"}}, stack.registry, stack.world->loop,
                                            stack.provider(), hooks, nullptr);
    stack.run(*execution, sim::Duration::hours(2));
  }
  int replicas(const std::string& name) {
    const providers::kubernetes::Object* o = stack.provider().kubernetes()->get("us-east-1", name);
    return o == nullptr ? -1 : o->replicas();
  }
};

TEST(ManifestStages, DynamicTargetsPickByCreationOrderAndSize) {
  // v000: 2 pods, v001: 5, v002: 1; then each criteria scales the one it picks.
  ManifestRun run(rs_stage("1", "", 2) + "," + rs_stage("2", "1", 5) + "," + rs_stage("3", "2", 1) + "," +
                  scale_stage("4", "3", "largest", 7) + "," +       // v001 (5)
                  scale_stage("5", "4", "smallest", 4) + "," +      // v002 (1)
                  scale_stage("6", "5", "oldest", 3) + "," +        // v000
                  scale_stage("7", "6", "second_newest", 6) + "," + // v001
                  scale_stage("8", "7", "newest", 0));              // v002
  ASSERT_EQ(run.execution->status(), Status::kSucceeded);
  EXPECT_EQ(run.replicas("replicaSet app-v000"), 3);
  EXPECT_EQ(run.replicas("replicaSet app-v001"), 6);
  EXPECT_EQ(run.replicas("replicaSet app-v002"), 0);
  EXPECT_EQ(run.execution->find_stage("scale largest")->context.value("manifestName", std::string()), "replicaSet app-v001");
}

TEST(ManifestStages, ATargetNotFoundFailsAfterRetriesAndDeleteOfNothingSucceeds) {
  ManifestRun run(R"({"refId": "1", "type": "scaleManifest", "name": "scale", "mode": "dynamic", "app": "shop",
                      "location": "us-east-1", "cluster": "replicaSet nothing", "criteria": "newest", "replicas": 2},
                     {"refId": "2", "type": "deleteManifest", "name": "delete", "location": "us-east-1",
                      "manifestName": "deployment gone", "options": {"cascading": true}})");
  const Stage* scale = run.execution->find_stage("scale");
  EXPECT_EQ(scale->status, Status::kTerminal);
  EXPECT_NE(scale->message.find("no manifests matching replicaSet in cluster \"replicaSet nothing\""), std::string::npos)
      << scale->message;
  EXPECT_GT(scale->end_time - scale->start_time, sim::Duration::seconds(60)) << "ten retries, doubling from 200 ms";
  EXPECT_EQ(run.execution->find_stage("delete")->status, Status::kSucceeded) << "kubectl delete --ignore-not-found";
}

TEST(ManifestStages, UndoOfAReplicaSetIsRefused) {
  ManifestRun run(rs_stage("1", "", 1) + R"(, {"refId": "2", "requisiteStageRefIds": ["1"], "type": "undoRolloutManifest",
      "name": "undo", "location": "us-east-1", "manifestName": "replicaSet app-v000", "numRevisionsBack": 1})");
  const Stage* undo = run.execution->find_stage("undo");
  EXPECT_EQ(undo->status, Status::kTerminal);
  EXPECT_NE(undo->message.find("does not support undo rollout"), std::string::npos) << undo->message;
}

}  // namespace
}  // namespace deploysim::strategies
