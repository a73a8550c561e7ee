// A Kubernetes account as Spinnaker's manifest stages see it, mapped onto any CloudProvider: a
// versioned ReplicaSet (`name-vNNN`) is a server group, a Deployment owns one server group per
// template revision and rolls between them as Kubernetes' deployment controller does, a Service is
// the load balancer of the same name, and pods are instances. Traffic is label-based: a workload's
// server groups are behind every Service of their namespace whose selector their pod-template
// labels satisfy, and enable/disable add or remove the selector labels of the Services in the
// workload's `traffic.spinnaker.io/load-balancers` annotation (clouddriver's attach/detach
// patches). The object store here is the API server: reads are immediate (kubectl, no cache),
// writes become provider operations, so API latency, throttling and failures still apply.
// Semantics: ../shared/reference/spinnaker-kubernetes-stages.md; docs/stages.md.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "providers/cloud_provider.h"
#include "sim/kernel/event_loop.h"
#include "sim/kernel/result.h"

namespace deploysim::providers::kubernetes {

using Json = nlohmann::json;

// Kind names as Spinnaker writes them back (lowerCamel: "replicaSet"), from any spelling or alias
// a manifest or target uses ("ReplicaSet", "rs", "replicaset"). Kinds of other API groups keep
// their name, lower-camelled.
std::string canonical_kind(std::string_view kind);

// "<kind> <name>" split in two, the kind canonical. Errors unless there are exactly two words.
struct Coordinates {
  std::string kind;
  std::string name;
  std::string full() const { return kind + " " + name; }
};
sim::Result<Coordinates> parse_full_name(std::string_view full_name);

// What is wrong with a manifest's shape (kind, metadata.name, labels, spec, template, containers),
// or "" when the account can apply it.
std::string manifest_problem(const Json& manifest);

// Whether a kind gets a -vNNN suffix on every deploy (ReplicaSet, Pod, ConfigMap, Secret).
bool versioned_by_default(const std::string& kind);
// The order clouddriver deploys kinds in (lower first): configs, then Services, then workloads.
int deploy_priority(const std::string& kind);
// The kinds this account models; every other kind is accepted, recorded, and reported as ignored.
bool modelled_kind(const std::string& kind);

struct Object {
  std::string kind;  // canonical
  std::string name;  // as deployed: my-app-v003 for a versioned kind
  std::string base;  // artifact.spinnaker.io/name: my-app
  std::string ns;
  std::optional<int> version;  // NNN of -vNNN
  Json manifest;               // as applied, with Spinnaker's annotations and labels
  uint64_t sequence = 0;       // creation order (distinct, unlike one-second timestamps)
  sim::TimePoint created_at;
  // Workloads: the server groups running their pods, oldest first. A ReplicaSet has one; a
  // Deployment one per template revision, the last being current.
  std::vector<std::string> server_groups;
  int revision = 0;  // Deployments: the current revision (1 first)
  std::vector<int> revisions;  // Deployments: the revision of each of server_groups
  std::vector<Json> templates;  // Deployments: the pod template of each of server_groups
  // Deployments: the last time the rollout made progress, for progressDeadlineSeconds.
  sim::TimePoint progressed_at;
  int revision_ready = 0;  // the most pods of the current revision seen ready

  std::string full() const { return kind + " " + name; }
  std::string application() const;  // moniker.spinnaker.io/application
  std::string cluster() const;       // moniker.spinnaker.io/cluster
  int replicas() const;              // spec.replicas, 1 when absent
  int listed_replicas() const;       // spec.replicas, -1 when absent (how clouddriver sorts by size)
  Json pod_labels() const;           // spec.template.metadata.labels (metadata.labels for a Pod)
  std::vector<std::string> load_balancer_annotation() const;  // ["service x", ...]
};

// Stability as Orca's waitForManifestToStabilize reads it (each kind's handler status()).
struct Stability {
  bool stable = false;
  bool failed = false;
  std::string message;  // why not stable, or why failed
};

struct DeployRequest {
  std::vector<Json> manifests;  // evaluated, artifacts bound
  std::string namespace_override;
  std::string default_namespace = "default";
  Json moniker = Json::object();  // {app, cluster?, stack?, detail?}
  std::vector<std::string> services;  // trafficManagement.options.services, "service x"
  bool enable_traffic = true;
  std::string strategy;  // redblack, bluegreen, highlander, none or empty
  std::optional<bool> versioned;
};

struct DeployResult {
  OpResult result;
  std::vector<std::string> names;  // "<kind> <name>" deployed, in deploy order
  std::string ns;                  // the namespace of the last one
  Json manifests = Json::array();  // as applied
  Json artifacts = Json::array();  // one kubernetes/<kind> artifact each
  Json names_by_namespace = Json::object();
  std::vector<std::string> ignored;  // kinds accepted but not modelled
};

class KubernetesCluster {
 public:
  using Done = CloudProvider::Done;
  // The provider and loop must outlive the cluster.
  KubernetesCluster(CloudProvider& provider, sim::EventLoop& loop);
  KubernetesCluster(const KubernetesCluster&) = delete;
  KubernetesCluster& operator=(const KubernetesCluster&) = delete;

  // Applies the manifests in clouddriver's order: versions, names, annotations, labels, traffic.
  void deploy(const DeployRequest& request, std::function<void(DeployResult)> done);
  // Deletes an object; missing is success (kubectl --ignore-not-found). `cascading` false orphans
  // the pods: they keep running, unmanaged.
  // (By value: the names may belong to the object being deleted.)
  void remove(std::string ns, std::string full_name, bool cascading, Done done);
  // Sets spec.replicas of a ReplicaSet or Deployment (others: kInvalid, "does not support scale").
  void scale(const std::string& ns, const std::string& full_name, int replicas, Done done);
  // enableManifest / disableManifest: adds or removes the selector labels of `services` (empty:
  // the workload's traffic annotation) on its pod template and, for a ReplicaSet, its pods.
  void set_traffic(const std::string& ns, const std::string& full_name, bool enable,
                   const std::vector<std::string>& services, Done done);
  // patchManifest: "strategic" and "merge" apply a JSON merge patch, "json" an RFC 6902 patch.
  // The object keeps its name; replica and template changes take effect as they would.
  void patch(const std::string& ns, const std::string& full_name, const Json& patch,
             const std::string& merge_strategy, Done done);
  // undoRolloutManifest: Deployments only; the revision `revisions_back` before the current one
  // becomes current again (as a new revision), or the explicit `revision` when given.
  void undo_rollout(const std::string& ns, const std::string& full_name, int revisions_back,
                    std::optional<int> revision, Done done);
  // Records a Job that a runJob stage runs (its outcome is the stage's): replaces any of that name.
  std::string record_job(const std::string& ns, Json manifest, const std::string& application);
  // Reads the object's stability now.
  void stability(const std::string& ns, const std::string& full_name,
                 std::function<void(const OpResult&, const Stability&)> done);

  // kubectl get: the object, or nullptr.
  const Object* get(const std::string& ns, const std::string& full_name) const;
  // Every object of `kind` in `ns` whose moniker application and cluster match, oldest first
  // (disabled and zero-replica ones included): the candidates of dynamic targets and strategies.
  std::vector<const Object*> in_cluster(const std::string& ns, const std::string& kind, const std::string& app,
                                        const std::string& cluster) const;
  // Every object of a kind and base name in `ns`, oldest first (max-version-history).
  std::vector<const Object*> versions(const std::string& ns, const std::string& kind, const std::string& base) const;
  // The server groups running pods whose template labels include a label with value `value`
  // (how a Prometheus scope such as group="canary" selects pods).
  std::vector<std::string> server_groups_labelled(const std::string& value) const;
  // Every object, for reports and tests.
  std::vector<const Object*> objects() const;
  // The ready pods of the object's current server group when its stability was last read, or
  // nullopt if it never was (red/black deletes an old ReplicaSet that never had one).
  std::optional<int> last_ready(const Object& object) const;

 private:
  struct Key {
    std::string ns, kind, name;
    auto operator<=>(const Key&) const = default;
  };
  Object* find(const std::string& ns, const std::string& full_name);
  // Applies one prepared manifest; calls `done` when its provider operations finished.
  void apply(Json manifest, const DeployRequest& request, DeployResult& result, Done done);
  void apply_workload(Object& object, bool created, Done done);
  // Brings every server group of `ns` behind exactly the Services whose selectors it matches.
  void sync_traffic(const std::string& ns, Done done);
  // Kubernetes' deployment controller: one step of the rolling update of this Deployment, then
  // again after 2 s until the rollout is complete.
  void reconcile(Key key);
  void schedule_reconcile(const Key& key);
  // A Deployment's pod template changed: a new server group for the new revision, which the
  // controller then scales up as it scales the old ones down.
  // `previous` is the manifest before the change, restored if the server group cannot be made.
  void new_revision(const Key& key, Json previous, Done done);
  // The rollout starts over for progressDeadlineSeconds (a new revision, a resize, an undo).
  void restart_progress(Object& deployment);
  std::vector<std::string> matching_services(const Object& workload) const;
  // Runs `ops` (each taking a completion) one after another; the first failure ends the chain.
  static void chain(std::vector<std::function<void(Done)>> ops, Done done);

  CloudProvider& provider_;
  sim::EventLoop& loop_;
  std::map<Key, Object> objects_;
  std::map<std::string, std::vector<std::string>> group_lbs_;  // server group -> its load balancers
  std::map<Key, bool> reconciling_;
  std::map<std::string, int> ready_seen_;  // server group -> ready pods at the last stability read
  uint64_t next_sequence_ = 1;
};

}  // namespace deploysim::providers::kubernetes
