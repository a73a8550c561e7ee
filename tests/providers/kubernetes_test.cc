// The Kubernetes account over the simulated provider: versioning, Spinnaker's annotations, the
// traffic attach rules, label-based Service membership, the deployment controller's rolling
// update (against its maxSurge / maxUnavailable bounds), undo, scale and delete.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "providers/faulty_provider.h"
#include "providers/kubernetes/kubernetes_cluster.h"
#include "providers/sim/sim_provider.h"
#include "tests/world/world_test_util.h"

namespace deploysim::providers::kubernetes {
namespace {

// A world with region "prod", a balancer "web" for the Service of that name, two versions
// known by their images, and no server groups; the account over the simulated provider.
struct Fixture {
  std::unique_ptr<world::testing::WorldRun> run;
  std::unique_ptr<world::CloudApi> api;
  std::unique_ptr<SimProvider> provider;

  Fixture() {
    world::WorldConfig c = world::testing::queueing_world(1, 4, 20, sim::Duration::millis(20), world::Algorithm::kRoundRobin);
    c.regions = {{"prod", {"prod-a", "prod-b"}}};
    c.load_balancers[0].region = "prod";
    c.load_balancers[0].health_check.healthy_threshold = 2;
    c.load_balancers[0].health_check.interval = sim::Duration::seconds(5);
    c.load_balancers[0].health_check.timeout = sim::Duration::seconds(2);
    c.load_balancers[0].deregistration_delay = sim::Duration::seconds(5);
    c.server_groups.clear();
    c.versions[0].images = {"app:v1"};
    c.versions.push_back(c.versions[0]);
    c.versions.back().name = "v2";
    c.versions.back().images = {"app:v2"};
    c.versions.push_back(c.versions[0]);
    c.versions.back().name = "broken";  // its health endpoint never answers ok
    c.versions.back().images = {"app:broken"};
    c.versions.back().health.kind = world::HealthBehaviour::Kind::kFailing;
    run = std::make_unique<world::testing::WorldRun>(c, 3);
    api = std::make_unique<world::CloudApi>(*run->world, run->loop, 3);
    api->start();
    provider = std::make_unique<SimProvider>(*run->world, *api, run->loop);
  }
  KubernetesCluster& k8s() { return *provider->kubernetes(); }
  void advance(sim::Duration d) { run->until(run->loop.now().since_start() + d); }

  DeployResult deploy(std::vector<Json> manifests, std::vector<std::string> services = {}, bool enable = true,
                      std::string strategy = "") {
    DeployRequest r;
    r.manifests = std::move(manifests);
    r.moniker = {{"app", "app"}};
    r.services = std::move(services);
    r.enable_traffic = enable;
    r.strategy = std::move(strategy);
    DeployResult out;
    bool called = false;
    k8s().deploy(r, [&](const DeployResult& d) {
      out = d;
      called = true;
    });
    advance(sim::Duration::seconds(2));
    EXPECT_TRUE(called);
    return out;
  }
  OpResult wait_op(const std::function<void(KubernetesCluster::Done)>& op) {
    OpResult out{ErrorCode::kPermanent, "not called"};
    op([&](const OpResult& r) { out = r; });
    advance(sim::Duration::seconds(2));
    return out;
  }
  // Instances of `group` in service at the balancer "web", now.
  int serving(const std::string& group) {
    int n = 0;
    for (const world::ServerGroupView& g : run->world->view().server_groups) {
      if (g.name != group) continue;
      for (const world::InstanceView& i : g.instances) {
        for (const auto& [lb, h] : i.load_balancers) n += lb == "web" && h == world::TargetHealth::kInService;
      }
    }
    return n;
  }
  Stability stability(const std::string& name) {
    Stability out;
    k8s().stability("prod", name, [&](const OpResult& r, const Stability& s) {
      EXPECT_TRUE(r.ok()) << r.message;
      out = s;
    });
    advance(sim::Duration::seconds(1));
    return out;
  }
};

Json replica_set(const std::string& name, const std::string& image, int replicas, Json labels = {{"app", "app"}}) {
  return {{"kind", "ReplicaSet"},
          {"metadata", {{"name", name}, {"namespace", "prod"}}},
          {"spec", {{"replicas", replicas}, {"template", {{"metadata", {{"labels", labels}}},
                                                          {"spec", {{"containers", Json::array({{{"name", "c"}, {"image", image}}})}}}}}}}};
}

Json deployment(const std::string& name, const std::string& image, int replicas) {
  Json d = replica_set(name, image, replicas);
  d["kind"] = "Deployment";
  return d;
}

Json service(const std::string& name, Json selector) {
  return {{"kind", "Service"}, {"metadata", {{"name", name}, {"namespace", "prod"}}}, {"spec", {{"selector", selector}}}};
}

TEST(KubernetesNames, KindsAndFullNames) {
  EXPECT_EQ(canonical_kind("ReplicaSet"), "replicaSet");
  EXPECT_EQ(canonical_kind("rs"), "replicaSet");
  EXPECT_EQ(canonical_kind("deploy"), "deployment");
  EXPECT_EQ(canonical_kind("ServiceMonitor"), "serviceMonitor");
  const sim::Result<Coordinates> c = parse_full_name("Deployment my-app");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->full(), "deployment my-app");
  EXPECT_FALSE(parse_full_name("my-app").ok());
  EXPECT_FALSE(parse_full_name("replicaSet a b").ok());
  EXPECT_TRUE(versioned_by_default("replicaSet"));
  EXPECT_TRUE(versioned_by_default("configMap"));
  EXPECT_FALSE(versioned_by_default("deployment"));
  EXPECT_FALSE(versioned_by_default("service"));
  EXPECT_LT(deploy_priority("configMap"), deploy_priority("service"));
  EXPECT_LT(deploy_priority("service"), deploy_priority("replicaSet"));
}

TEST(KubernetesCluster, ReplicaSetsGetANewVersionEveryDeployAndSpinnakersAnnotations) {
  Fixture f;
  DeployResult first = f.deploy({replica_set("app", "app:v1", 2)});
  ASSERT_TRUE(first.result.ok()) << first.result.message;
  EXPECT_EQ(first.names, std::vector<std::string>{"replicaSet app-v000"}) << "versions start at v000";
  DeployResult second = f.deploy({replica_set("app", "app:v1", 2)});
  EXPECT_EQ(second.names, std::vector<std::string>{"replicaSet app-v001"}) << "a ReplicaSet is never reused";
  const Object* o = f.k8s().get("prod", "replicaSet app-v001");
  ASSERT_NE(o, nullptr);
  const Json a = o->manifest["metadata"]["annotations"];
  EXPECT_EQ(a["moniker.spinnaker.io/application"], "app");
  EXPECT_EQ(a["moniker.spinnaker.io/cluster"], "replicaSet app");
  EXPECT_EQ(a["moniker.spinnaker.io/sequence"], "1");
  EXPECT_EQ(a["artifact.spinnaker.io/name"], "app");
  EXPECT_EQ(a["artifact.spinnaker.io/version"], "v001");
  EXPECT_EQ(o->manifest["metadata"]["labels"]["app.kubernetes.io/managed-by"], "spinnaker");
  EXPECT_EQ(f.k8s().in_cluster("prod", "replicaSet", "app", "replicaSet app").size(), 2u);
  EXPECT_EQ(second.artifacts[0]["reference"], "app-v001");
}

TEST(KubernetesCluster, ConfigMapsReuseTheirVersionWhenUnchanged) {
  Fixture f;
  const Json cm = {{"kind", "ConfigMap"}, {"metadata", {{"name", "cfg"}, {"namespace", "prod"}}}, {"data", {{"k", "1"}}}};
  EXPECT_EQ(f.deploy({cm}).names, std::vector<std::string>{"configMap cfg-v000"});
  EXPECT_EQ(f.deploy({cm}).names, std::vector<std::string>{"configMap cfg-v000"}) << "same content: reused";
  Json changed = cm;
  changed["data"]["k"] = "2";
  EXPECT_EQ(f.deploy({changed}).names, std::vector<std::string>{"configMap cfg-v001"});
}

TEST(KubernetesCluster, OtherKindsAreRecordedAndReportedAsIgnored) {
  Fixture f;
  const Json monitor = {{"kind", "ServiceMonitor"}, {"metadata", {{"name", "m"}, {"namespace", "prod"}}}};
  const DeployResult r = f.deploy({monitor});
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.ignored, std::vector<std::string>{"ServiceMonitor"});
  EXPECT_NE(f.k8s().get("prod", "serviceMonitor m"), nullptr);
}

TEST(KubernetesCluster, ServicesSelectPodsByLabelAndTrafficEditsTheLabels) {
  Fixture f;
  // The selector's key is not among the pods' own labels: attaching adds it.
  const DeployResult r = f.deploy({service("web", {{"serving", "yes"}}), replica_set("app", "app:v1", 2)}, {"service web"});
  ASSERT_TRUE(r.result.ok()) << r.result.message;
  EXPECT_EQ(r.names.front(), "service web") << "Services deploy before workloads";
  f.advance(sim::Duration::seconds(90));
  EXPECT_EQ(f.serving("app-v000"), 2);
  EXPECT_TRUE(f.stability("replicaSet app-v000").stable);
  // disableManifest: the selector labels go from template and pods; they keep running.
  ASSERT_TRUE(f.wait_op([&](auto done) { f.k8s().set_traffic("prod", "replicaSet app-v000", false, {}, done); }).ok());
  f.advance(sim::Duration::seconds(30));
  EXPECT_EQ(f.serving("app-v000"), 0);
  EXPECT_FALSE(f.k8s().get("prod", "replicaSet app-v000")->pod_labels().contains("serving"));
  EXPECT_TRUE(f.stability("replicaSet app-v000").stable) << "pods are still ready";
  ASSERT_TRUE(f.wait_op([&](auto done) { f.k8s().set_traffic("prod", "replicaSet app-v000", true, {}, done); }).ok());
  f.advance(sim::Duration::seconds(30));
  EXPECT_EQ(f.serving("app-v000"), 2);
}

TEST(KubernetesCluster, AServiceMatchedByTheWorkloadsOwnLabelsIgnoresDisable) {
  Fixture f;
  // Selector app=app is already on the pods: the Service always selects them (no annotation).
  ASSERT_TRUE(f.deploy({service("web", {{"app", "app"}}), replica_set("app", "app:v1", 1)}).result.ok());
  f.advance(sim::Duration::seconds(90));
  EXPECT_EQ(f.serving("app-v000"), 1);
  ASSERT_TRUE(f.wait_op([&](auto done) { f.k8s().set_traffic("prod", "replicaSet app-v000", false, {}, done); }).ok());
  f.advance(sim::Duration::seconds(30));
  EXPECT_EQ(f.serving("app-v000"), 1) << "no traffic annotation: nothing to remove";
}

TEST(KubernetesCluster, AttachPreconditionsAreFailures) {
  Fixture f;
  EXPECT_NE(f.deploy({replica_set("app", "app:v1", 1)}, {"service missing"}).result.message.find("does not exist"),
            std::string::npos);
  ASSERT_TRUE(f.deploy({service("empty", Json::object())}).result.ok());
  EXPECT_NE(f.deploy({replica_set("app", "app:v1", 1)}, {"service empty"}).result.message.find("non-empty selector"),
            std::string::npos);
  ASSERT_TRUE(f.deploy({service("web", {{"app", "app"}})}).result.ok());
  EXPECT_NE(f.deploy({replica_set("app", "app:v1", 1)}, {"service web"}).result.message.find("no label keys in common"),
            std::string::npos);
  EXPECT_NE(f.deploy({replica_set("app", "app:v1", 1)}, {"ingress web"}).result.message.find("no support for load balancing"),
            std::string::npos);
}

TEST(KubernetesCluster, DeploymentRollsWithinItsSurgeAndUnavailabilityBounds) {
  Fixture f;
  ASSERT_TRUE(f.deploy({service("web", {{"app", "app"}}), deployment("app", "app:v1", 4)}).result.ok());
  f.advance(sim::Duration::seconds(120));
  ASSERT_TRUE(f.stability("deployment app").stable);
  ASSERT_TRUE(f.deploy({deployment("app", "app:v2", 4)}).result.ok());
  // Defaults maxSurge 25% (1) and maxUnavailable 25% (1): never more than 5 pods, never fewer
  // than 3 ready.
  int most = 0, fewest_ready = 100;
  for (int step = 0; step < 120; ++step) {
    f.advance(sim::Duration::seconds(1));
    int pods = 0, ready = 0;
    for (const world::ServerGroupView& g : f.run->world->view().server_groups) {
      for (const world::InstanceView& i : g.instances) {
        if (i.state == world::InstanceState::kDraining) continue;
        ++pods;
        ready += i.ready;
      }
    }
    most = std::max(most, pods);
    fewest_ready = std::min(fewest_ready, ready);
  }
  EXPECT_LE(most, 5);
  EXPECT_GE(fewest_ready, 3);
  EXPECT_TRUE(f.stability("deployment app").stable);
  const Object* d = f.k8s().get("prod", "deployment app");
  ASSERT_EQ(d->server_groups.size(), 2u);
  EXPECT_EQ(d->revisions, (std::vector<int>{1, 2}));
  EXPECT_EQ(f.serving(d->server_groups[1]), 4);
  EXPECT_EQ(f.serving(d->server_groups[0]), 0);
  // Undo one revision back: the first ReplicaSet becomes revision 3 and gets the pods back.
  ASSERT_TRUE(f.wait_op([&](auto done) { f.k8s().undo_rollout("prod", "deployment app", 1, std::nullopt, done); }).ok());
  f.advance(sim::Duration::seconds(180));
  d = f.k8s().get("prod", "deployment app");
  EXPECT_EQ(d->revisions, (std::vector<int>{2, 3}));
  EXPECT_EQ(d->server_groups.back(), "app-v000");
  EXPECT_EQ(f.serving("app-v000"), 4);
  EXPECT_TRUE(f.stability("deployment app").stable);
  EXPECT_EQ(f.wait_op([&](auto done) { f.k8s().undo_rollout("prod", "deployment app", 5, std::nullopt, done); }).code,
            ErrorCode::kInvalid);
}

TEST(KubernetesCluster, ADeploymentThatNeverBecomesReadyFailsAtItsProgressDeadline) {
  Fixture f;
  Json d = deployment("app", "app:broken", 2);
  d["spec"]["progressDeadlineSeconds"] = 120;
  ASSERT_TRUE(f.deploy({d}).result.ok());
  f.advance(sim::Duration::seconds(100));
  Stability s = f.stability("deployment app");
  EXPECT_FALSE(s.stable);
  EXPECT_FALSE(s.failed) << "still within the deadline: " << s.message;
  f.advance(sim::Duration::seconds(30));
  s = f.stability("deployment app");
  EXPECT_TRUE(s.failed);
  EXPECT_NE(s.message.find("ProgressDeadlineExceeded"), std::string::npos) << s.message;
  // A ReplicaSet never fails: it waits.
  ASSERT_TRUE(f.deploy({replica_set("rs", "app:broken", 1)}).result.ok());
  f.advance(sim::Duration::seconds(600));
  s = f.stability("replicaSet rs-v000");
  EXPECT_FALSE(s.stable);
  EXPECT_FALSE(s.failed);
}

TEST(KubernetesCluster, ScaleDeleteAndTheirErrors) {
  Fixture f;
  ASSERT_TRUE(f.deploy({service("web", {{"app", "app"}}), replica_set("app", "app:v1", 1)}).result.ok());
  f.advance(sim::Duration::seconds(90));
  ASSERT_TRUE(f.wait_op([&](auto done) { f.k8s().scale("prod", "replicaSet app-v000", 3, done); }).ok());
  f.advance(sim::Duration::seconds(90));
  EXPECT_EQ(f.serving("app-v000"), 3);
  EXPECT_EQ(f.wait_op([&](auto done) { f.k8s().scale("prod", "service web", 3, done); }).code, ErrorCode::kInvalid);
  // Deleting what is not there succeeds (--ignore-not-found).
  EXPECT_TRUE(f.wait_op([&](auto done) { f.k8s().remove("prod", "replicaSet nothing-v000", true, done); }).ok());
  // Orphaning delete: the object goes, the pods keep serving.
  ASSERT_TRUE(f.wait_op([&](auto done) { f.k8s().remove("prod", "replicaSet app-v000", false, done); }).ok());
  EXPECT_EQ(f.k8s().get("prod", "replicaSet app-v000"), nullptr);
  f.advance(sim::Duration::seconds(30));
  EXPECT_EQ(f.serving("app-v000"), 3);
}


TEST(KubernetesCluster, AThrottledTrafficEditIsRetriedNotForgotten) {
  Fixture f;
  FaultyProvider faulty(*f.provider, f.run->loop, sim::Rng::stream(1, "faults"),
                        {FaultRule{"set_load_balancers", ErrorCode::kThrottled, 1, 1, {}, "throttled"}});
  KubernetesCluster k8s(faulty, f.run->loop);
  DeployRequest r;
  r.manifests = {service("web", {{"serving", "yes"}}), replica_set("app", "app:v1", 2)};
  r.services = {"service web"};
  bool deployed = false;
  k8s.deploy(r, [&](const DeployResult& d) { deployed = d.result.ok(); });
  f.advance(sim::Duration::seconds(90));
  ASSERT_TRUE(deployed);
  ASSERT_EQ(f.serving("app-v000"), 2);
  const auto disable = [&] { return f.wait_op([&](auto done) { k8s.set_traffic("prod", "replicaSet app-v000", false, {}, done); }); };
  EXPECT_EQ(disable().code, ErrorCode::kThrottled);
  f.advance(sim::Duration::seconds(30));
  EXPECT_EQ(f.serving("app-v000"), 2) << "nothing changed";
  EXPECT_TRUE(disable().ok()) << "the retry makes the change";
  f.advance(sim::Duration::seconds(30));
  EXPECT_EQ(f.serving("app-v000"), 0);
}

TEST(KubernetesCluster, ReplicaSetVersionsCountTheirOwnKindOnly) {
  Fixture f;
  ASSERT_TRUE(f.deploy({deployment("app", "app:v1", 1)}).result.ok());
  const DeployResult rs = f.deploy({replica_set("app", "app:v1", 1)});
  ASSERT_TRUE(rs.result.ok()) << rs.result.message;
  EXPECT_EQ(rs.names, std::vector<std::string>{"replicaSet app-v000"}) << "the Deployment's revisions are not versions of it";
  EXPECT_EQ(f.k8s().get("prod", "replicaSet app-v000")->server_groups.size(), 1u);
}

}  // namespace
}  // namespace deploysim::providers::kubernetes
