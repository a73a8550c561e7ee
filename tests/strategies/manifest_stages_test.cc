// Manifest stages in the engine: dynamic targets resolved by creation order and size when each
// stage starts, as clouddriver sorts a cluster's objects, and the errors of a target not found.
#include <gtest/gtest.h>

#include <string>

#include "providers/kubernetes/kubernetes_cluster.h"
#include "tests/strategies/engine_fixture.h"

namespace deploysim::strategies {
namespace {

std::string rs_stage(const std::string& ref, const std::string& after, int replicas, const std::string& image = "v1",
                     const std::string& extra = "") {
  return R"({"refId": ")" + ref + R"(", "requisiteStageRefIds": [)" + (after.empty() ? "" : "\"" + after + "\"") +
         R"(], "type": "deployManifest", "name": "deploy )" + ref + R"(", "moniker": {"app": "shop"},
    "manifests": [{"kind": "ReplicaSet", "metadata": {"name": "app", "namespace": "us-east-1"},
      "spec": {"replicas": )" + std::to_string(replicas) + R"(, "template": {"metadata": {"labels": {"app": "a"}},
        "spec": {"containers": [{"name": "c", "image": ")" + image + R"("}]}}}}])" + extra + "}";
}

std::string scale_stage(const std::string& ref, const std::string& after, const std::string& criteria, int replicas) {
  return R"({"refId": ")" + ref + R"(", "requisiteStageRefIds": [")" + after + R"("], "type": "scaleManifest",
    "name": "scale )" + criteria + R"(", "mode": "dynamic", "app": "shop", "location": "us-east-1",
    "cluster": "replicaSet app", "criteria": ")" + criteria + R"(", "replicas": )" + std::to_string(replicas) + "}";
}

world::WorldConfig manifest_world() {
  world::WorldConfig c = world::testing::queueing_world(1, 1, 0, sim::Duration::millis(10), world::Algorithm::kRoundRobin);
  testing::add_version(c, "broken").health.kind = world::HealthBehaviour::Kind::kFailing;  // never ready
  return c;
}

struct ManifestRun {
  testing::EngineStack stack{manifest_world(), 2};
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


TEST(ManifestStages, RedBlackDeletesAPreviousVersionThatNeverBecameReady) {
  // v000 never becomes ready (its deploy times out, ignored); v001's red/black deletes it rather
  // than waiting forever for a disabled, never-stable ReplicaSet.
  const std::string tm = R"(, "trafficManagement": {"enabled": true, "options": {"strategy": "redblack", "enableTraffic": true}})";
  ManifestRun run(rs_stage("1", "", 1, "broken", R"(, "stageTimeoutMs": 120000, "failPipeline": false, "continuePipeline": true)") +
                  "," + rs_stage("2", "1", 1, "v1", tm));
  EXPECT_EQ(run.execution->find_stage("deploy 1")->status, Status::kFailedContinue);
  EXPECT_EQ(run.execution->status(), Status::kSucceeded);
  const Stage* deploy = run.execution->find_stage("deploy 2");
  ASSERT_EQ(deploy->after.size(), 1u);
  EXPECT_EQ(deploy->after[0]->type, "deleteManifest");
  EXPECT_EQ(run.replicas("replicaSet app-v000"), -1) << "deleted";
}

TEST(ManifestStages, AnUnversionedReplicaSetIsAppliedInPlace) {
  const std::string unversioned = R"(, "versioned": false)";
  ManifestRun run(rs_stage("1", "", 1, "v1", unversioned) + "," + rs_stage("2", "1", 3, "v1", unversioned));
  ASSERT_EQ(run.execution->status(), Status::kSucceeded);
  EXPECT_EQ(run.replicas("replicaSet app"), 3);
  const providers::kubernetes::Object* o = run.stack.provider().kubernetes()->get("us-east-1", "replicaSet app");
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->server_groups.size(), 1u) << "one server group, resized";
}

TEST(ManifestStages, UndoRolloutNeedsAManifestName) {
  ManifestRun run(R"({"refId": "1", "type": "undoRolloutManifest", "name": "undo", "mode": "dynamic", "app": "shop",
                      "location": "us-east-1", "cluster": "deployment app", "criteria": "newest", "numRevisionsBack": 1})");
  const Stage* undo = run.execution->find_stage("undo");
  EXPECT_EQ(undo->status, Status::kTerminal);
  EXPECT_NE(undo->message.find("needs a manifestName"), std::string::npos) << undo->message;
}

}  // namespace
}  // namespace deploysim::strategies
