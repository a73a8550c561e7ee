// Spinnaker's Kubernetes manifest stages, over the provider's Kubernetes account
// (providers/kubernetes): deployManifest with its rollout strategies, scale / enable / disable /
// delete / patch / undoRollout, findArtifactsFromResource, runJobManifest and bakeManifest. Each
// stage has Orca's task graph: resolve the target (static, or dynamic by cluster and criteria),
// act, then wait for the manifests to be stable (5 s polls, 30 minutes unless stageTimeoutMs).
// Semantics: ../shared/reference/spinnaker-kubernetes-stages.md; docs/stages.md.
#include <algorithm>
#include <memory>
#include <set>

#include "providers/kubernetes/kubernetes_cluster.h"
#include "strategies/expressions/expression.h"
#include "strategies/pipeline/execution.h"
#include "strategies/stages/server_group_support.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {

using providers::kubernetes::KubernetesCluster;
namespace k8s = providers::kubernetes;

const char* const kNoAccount = "this provider has no Kubernetes account";

// A member that must be an object (or a list): itself when it is one, else an empty one, so that a
// hand-written stage with a wrong type there reads as if it were absent instead of throwing.
Json object_at(const Json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_object() ? j[key] : Json::object();
}
Json array_at(const Json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_array() ? j[key] : Json::array();
}

// The namespace a stage acts in: location, else namespace, else namespaceOverride, else "default".
std::string location_of(const Json& ctx) {
  for (const char* key : {"location", "namespace", "namespaceOverride"}) {
    const std::string v = string_field(ctx, key);
    if (!v.empty()) return v;
  }
  return "default";
}

// One call to the Kubernetes account: a provider task (retried on throttling and transient
// errors as every provider call is) that fails when the provider has no account.
using AccountCall = std::function<void(TaskContext&, KubernetesCluster&, std::function<void(const providers::OpResult&)>)>;
std::unique_ptr<Task> account_task(const char* name, AccountCall call) {
  return provider_task(name, [call = std::move(call)](TaskContext& c, std::function<void(const providers::OpResult&)> done) {
    KubernetesCluster* account = c.provider.kubernetes();
    if (account == nullptr) return done(providers::OpResult{providers::ErrorCode::kInvalid, kNoAccount});
    call(c, *account, std::move(done));
  });
}

// ResolveTargetManifestTask: a dynamic target (kind, cluster, criteria, app, location) becomes a
// manifestName when the stage starts, over every object of the cluster by creation time or size.
class ResolveTargetTask : public Task {
 public:
  const char* name() const override { return "resolveTargetManifest"; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    Json& ctx = c.stage.context;
    const std::string criteria = string_field(ctx, "criteria");
    if (criteria.empty()) {
      if (string_field(ctx, "manifestName").empty() && string_field(ctx, "mode") != "label") {
        return done(TaskOutcome::terminal("the stage names no manifest (manifestName, or mode dynamic with cluster and criteria)"));
      }
      return done(TaskOutcome::succeeded());
    }
    KubernetesCluster* account = c.provider.kubernetes();
    if (account == nullptr) return done(TaskOutcome::terminal(kNoAccount));
    const std::string cluster = string_field(ctx, "cluster");
    std::string kind = string_field(ctx, "kind");
    if (kind.empty() && cluster.find(' ') != std::string::npos) kind = cluster.substr(0, cluster.find(' '));
    kind = k8s::canonical_kind(kind);
    std::vector<const k8s::Object*> candidates =
        account->in_cluster(location_of(ctx), kind, string_field(ctx, "app"), cluster);
    if (criteria == "largest" || criteria == "smallest") {
      std::stable_sort(candidates.begin(), candidates.end(),
                       [](const k8s::Object* a, const k8s::Object* b) { return a->listed_replicas() < b->listed_replicas(); });
    }
    const k8s::Object* chosen = nullptr;
    const size_t n = candidates.size();
    if (criteria == "oldest" || criteria == "smallest") chosen = n >= 1 ? candidates.front() : nullptr;
    else if (criteria == "newest" || criteria == "largest") chosen = n >= 1 ? candidates.back() : nullptr;
    else if (criteria == "second_newest") chosen = n >= 2 ? candidates[n - 2] : nullptr;
    else return done(TaskOutcome::terminal("unknown criteria \"" + criteria + "\"; expected newest, second_newest, oldest, largest or smallest"));
    if (chosen == nullptr) {
      // Orca retries the lookup ten times from 200 ms, doubling, before it gives up.
      if (++tries_ <= 10) return done(TaskOutcome::running(sim::Duration::millis(200 << std::min(tries_ - 1, 9))));
      return done(TaskOutcome::terminal("no manifests matching " + kind + " in cluster \"" + cluster + "\" of " +
                                        location_of(ctx) + " found for criteria " + criteria));
    }
    ctx["manifestName"] = chosen->full();
    done(TaskOutcome::succeeded(Json{{"manifestName", chosen->full()}}));
  }

 private:
  int tries_ = 0;
};

// WaitForManifestStableTask: every manifest the stage deployed (or its target) is stable, or one
// failed; polls every 5 s for 30 minutes (stageTimeoutMs replaces that).
class WaitForStableTask : public Task {
 public:
  const char* name() const override { return "waitForManifestToStabilize"; }
  std::optional<sim::Duration> timeout() const override { return sim::Duration::minutes(30); }
  bool timeout_overridable() const override { return true; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    KubernetesCluster* account = c.provider.kubernetes();
    if (account == nullptr) return done(TaskOutcome::terminal(kNoAccount));
    std::vector<std::pair<std::string, std::string>> names;
    const Json by_ns = c.stage.outputs.value("outputs.manifestNamesByNamespace", Json());
    if (by_ns.is_object()) {
      for (auto it = by_ns.begin(); it != by_ns.end(); ++it) {
        for (const Json& n : it.value()) names.emplace_back(it.key(), n.get<std::string>());
      }
    } else if (!string_field(c.stage.context, "manifestName").empty()) {
      names.emplace_back(location_of(c.stage.context), string_field(c.stage.context, "manifestName"));
    }
    auto pending = std::make_shared<size_t>(names.size());
    auto failed = std::make_shared<std::string>();
    auto waiting = std::make_shared<std::string>();
    if (names.empty()) return done(TaskOutcome::succeeded());
    auto shared_done = std::make_shared<std::function<void(TaskOutcome)>>(std::move(done));
    for (const auto& entry : names) {
      const std::string& ns = entry.first;
      const std::string name = entry.second;
      if (stable_.count(ns + "/" + name)) {
        if (--*pending == 0) (*shared_done)(TaskOutcome::running(sim::Duration::seconds(5)));
        continue;
      }
      const std::string key = ns + "/" + name;
      account->stability(ns, name, [this, key, name, pending, failed, waiting, shared_done](
                                       const providers::OpResult& r, const k8s::Stability& s) {
        if (!r.ok() && r.code != providers::ErrorCode::kNotFound) {
          *waiting = name + ": " + r.message;
        } else if (!r.ok() || s.failed) {
          *failed = name + ": " + (r.ok() ? s.message : r.message);
        } else if (s.stable) {
          stable_.insert(key);
        } else {
          *waiting = name + ": " + s.message;
        }
        if (--*pending > 0) return;
        if (!failed->empty()) return (*shared_done)(TaskOutcome::terminal(*failed));
        if (waiting->empty()) return (*shared_done)(TaskOutcome::succeeded());
        TaskOutcome again = TaskOutcome::running(sim::Duration::seconds(5));
        again.message = *waiting;
        (*shared_done)(again);
      });
    }
  }

 private:
  std::set<std::string> stable_;
};

// Binds the bound docker/image artifacts into the manifests: a container whose image is the
// artifact's name (no tag) runs the artifact's reference, as clouddriver's replacers do.
void bind_images(Json& manifests, const Json& artifacts, std::vector<std::string>& bound) {
  std::function<void(Json&)> walk = [&](Json& node) {
    if (node.is_object()) {
      if (node.contains("containers") && node["containers"].is_array()) {
        for (Json& container : node["containers"]) {
          const std::string image = string_field(container, "image");
          for (const Json& a : artifacts) {
            if (string_field(a, "type") != "docker/image") continue;
            const std::string name = string_field(a, "name");
            const std::string reference = string_field(a, "reference");
            if (!name.empty() && image == name && !reference.empty()) {
              container["image"] = reference;
              bound.push_back(reference);
            } else if (!reference.empty() && image == reference) {
              bound.push_back(reference);
            }
          }
        }
      }
      for (auto it = node.begin(); it != node.end(); ++it) walk(it.value());
    } else if (node.is_array()) {
      for (Json& x : node) walk(x);
    }
  };
  walk(manifests);
}

// The artifacts a stage can bind: the trigger's, and those earlier stages produced.
Json available_artifacts(const Execution& execution) {
  Json out = Json::array();
  const Json trigger = execution.trigger();
  if (trigger.contains("artifacts") && trigger["artifacts"].is_array()) {
    for (const Json& a : trigger["artifacts"]) out.push_back(a);
  }
  for (const Stage* s : execution.all_stages()) {
    if (s->status != Status::kSucceeded || !s->outputs.contains("artifacts") || !s->outputs["artifacts"].is_array()) continue;
    for (const Json& a : s->outputs["artifacts"]) out.push_back(a);
  }
  return out;
}

// The artifact an expected-artifact id refers to: the execution's bound one (matched by type and
// name against what is available), else its default artifact when useDefaultArtifact.
std::optional<Json> resolve_expected(const Execution& execution, const std::string& id, const Json& artifacts) {
  std::vector<Json> expected;
  for (const Json& e : execution.config().expected_artifacts) expected.push_back(e);
  for (const Stage* s : execution.all_stages()) {
    const Json list = array_at(s->context, "expectedArtifacts");
    if (list.is_array()) for (const Json& e : list) expected.push_back(e);
  }
  for (const Json& e : expected) {
    if (string_field(e, "id") != id) continue;
    const Json match = object_at(e, "matchArtifact");
    for (const Json& a : artifacts) {
      const std::string type = string_field(match, "type"), name = string_field(match, "name");
      if ((type.empty() || type == string_field(a, "type")) && (name.empty() || name == string_field(a, "name"))) return a;
    }
    if (flag_field(e, "useDefaultArtifact")) return object_at(e, "defaultArtifact");
    return std::nullopt;
  }
  for (const Json& a : artifacts) {  // an artifact id itself
    if (string_field(a, "id") == id) return a;
  }
  return std::nullopt;
}

class DeployTask : public Task {
 public:
  const char* name() const override { return "deployManifest"; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    KubernetesCluster* account = c.provider.kubernetes();
    if (account == nullptr) return done(TaskOutcome::terminal(kNoAccount));
    const Json& ctx = c.stage.context;
    const Json artifacts = available_artifacts(c.execution);
    Json manifests = Json::array();
    if (string_field(ctx, "source") == "artifact") {
      const std::string id = string_field(ctx, "manifestArtifactId");
      const std::optional<Json> artifact = resolve_expected(c.execution, id, artifacts);
      if (!artifact) return done(TaskOutcome::terminal("manifest artifact " + id + " is not bound (no matching artifact in the trigger or an earlier stage)"));
      if (!artifact->contains("manifests")) {
        return done(TaskOutcome::terminal("manifest artifact " + string_field(*artifact, "name") +
                                          " has no manifests (a scenario artifact carries them in \"manifests\")"));
      }
      manifests = (*artifact)["manifests"];
    } else if (ctx.contains("manifests") && ctx["manifests"].is_array() && !ctx["manifests"].empty()) {
      manifests = ctx["manifests"];
    } else if (ctx.contains("manifest") && ctx["manifest"].is_object()) {
      manifests.push_back(ctx["manifest"]);
    } else {
      return done(TaskOutcome::terminal("deployManifest has no manifests (source text needs \"manifests\")"));
    }
    std::vector<std::string> bound;
    bind_images(manifests, artifacts, bound);
    // Required artifacts must bind, or the deploy fails (clouddriver's checkIfArtifactsBound).
    std::vector<std::string> required;
    for (const Json& id : array_at(ctx, "requiredArtifactIds")) if (id.is_string()) required.push_back(id.get<std::string>());
    for (const Json& r : array_at(ctx, "requiredArtifacts")) {
      const std::string id = string_field(r, "expectedArtifactId");
      if (!id.empty()) required.push_back(id);
    }
    std::vector<std::string> unbound;
    for (const std::string& id : required) {
      const std::optional<Json> a = resolve_expected(c.execution, id, artifacts);
      if (!a) {
        unbound.push_back(id);
        continue;
      }
      Json one = Json::array({*a});
      std::vector<std::string> now_bound;
      bind_images(manifests, one, now_bound);
      if (now_bound.empty()) unbound.push_back(string_field(*a, "reference").empty() ? id : string_field(*a, "reference"));
    }
    if (!unbound.empty()) {
      std::string list;
      for (const std::string& u : unbound) list += (list.empty() ? "" : ", ") + u;
      return done(TaskOutcome::terminal("The following required artifacts could not be bound: " + list));
    }
    k8s::DeployRequest request;
    request.manifests.assign(manifests.begin(), manifests.end());
    request.namespace_override = string_field(ctx, "namespaceOverride");
    request.moniker = object_at(ctx, "moniker");
    if (!request.moniker.contains("app")) request.moniker["app"] = c.execution.config().application;
    const Json tm = object_at(ctx, "trafficManagement");
    if (flag_field(tm, "enabled")) {
      const Json options = object_at(tm, "options");
      request.enable_traffic = flag_field(options, "enableTraffic");
      request.strategy = string_field(options, "strategy");
      for (const Json& s : array_at(options, "services")) if (s.is_string()) request.services.push_back(s.get<std::string>());
    }
    if (ctx.contains("versioned") && ctx["versioned"].is_boolean()) request.versioned = ctx["versioned"].get<bool>();
    if (!first_try_) first_try_ = c.loop.now();
    sim::EventLoop& loop = c.loop;
    const sim::TimePoint first = *first_try_;
    account->deploy(request, [&loop, first, bound, done = std::move(done)](const k8s::DeployResult& r) {
      if (!r.result.ok()) return done(retry_or_fail(r.result, first, loop.now(), "deployManifest"));
      Json outputs = Json::object();
      outputs["outputs.manifestNamesByNamespace"] = r.names_by_namespace;
      outputs["outputs.manifests"] = r.manifests;
      outputs["outputs.createdArtifacts"] = r.artifacts;
      outputs["outputs.boundArtifacts"] = bound;
      outputs["artifacts"] = r.artifacts;
      if (!r.ignored.empty()) outputs["ignoredKinds"] = r.ignored;
      done(TaskOutcome::succeeded(outputs));
    });
  }

 private:
  std::optional<sim::TimePoint> first_try_;
};

// Orca's CleanupArtifactsTask: strategy.spinnaker.io/max-version-history keeps the newest N
// versions of each versioned manifest the stage deployed.
class CleanupArtifactsTask : public Task {
 public:
  const char* name() const override { return "cleanupArtifacts"; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    KubernetesCluster* account = c.provider.kubernetes();
    if (account == nullptr) return done(TaskOutcome::terminal(kNoAccount));
    std::vector<std::pair<std::string, std::string>> victims;  // namespace, full name
    for (const Json& m : c.stage.outputs.value("outputs.manifests", Json::array())) {
      const Json annotations = m["metadata"].value("annotations", Json::object());
      const std::string max_text = annotations.contains("strategy.spinnaker.io/max-version-history")
                                       ? (annotations["strategy.spinnaker.io/max-version-history"].is_string()
                                              ? annotations["strategy.spinnaker.io/max-version-history"].get<std::string>()
                                              : annotations["strategy.spinnaker.io/max-version-history"].dump())
                                       : std::string();
      if (max_text.empty()) continue;
      const int max = std::atoi(max_text.c_str());
      const std::string kind = k8s::canonical_kind(string_field(m, "kind"));
      const std::string ns = string_field(m["metadata"], "namespace");
      const std::vector<const k8s::Object*> all = account->versions(ns, kind, string_field(annotations, "artifact.spinnaker.io/name"));
      for (size_t i = 0; all.size() > static_cast<size_t>(std::max(max, 0)) && i < all.size() - static_cast<size_t>(std::max(max, 0)); ++i) {
        victims.emplace_back(ns, all[i]->full());
      }
    }
    if (victims.empty()) return done(TaskOutcome::succeeded());
    auto left = std::make_shared<size_t>(victims.size());
    auto shared_done = std::make_shared<std::function<void(TaskOutcome)>>(std::move(done));
    Json deleted = Json::array();
    for (const auto& [ns, name] : victims) deleted.push_back(name);
    for (const auto& [ns, name] : victims) {
      account->remove(ns, name, true, [left, shared_done, deleted](const providers::OpResult&) {
        if (--*left == 0) (*shared_done)(TaskOutcome::succeeded(Json{{"cleanedUpManifests", deleted}}));
      });
    }
  }
};

class DeployManifestStage : public StageDefinition {
 public:
  const char* type() const override { return "deployManifest"; }
  sim::Status plan(Stage& stage, Execution&) const override {
    stage.tasks.push_back(std::make_unique<DeployTask>());
    stage.tasks.push_back(std::make_unique<WaitForStableTask>());
    stage.tasks.push_back(std::make_unique<CleanupArtifactsTask>());
    return sim::Status();
  }
  // DeployManifestStage.afterStages: with traffic management and a strategy, every other
  // ReplicaSet of each new ReplicaSet's cluster is disabled (red/black, blue/green; or deleted
  // when it never became ready), or disabled and then deleted (highlander).
  sim::Status plan_after(Stage& stage, Execution& execution) const override {
    const Json tm = object_at(stage.context, "trafficManagement");
    if (!flag_field(tm, "enabled")) return sim::Status();
    const std::string strategy = string_field(object_at(tm, "options"), "strategy");
    if (strategy != "redblack" && strategy != "bluegreen" && strategy != "highlander") return sim::Status();
    KubernetesCluster* account = execution.provider().kubernetes();
    if (account == nullptr) return sim::invalid_argument(kNoAccount);
    const std::string app = string_field(object_at(stage.context, "moniker"), "app").empty()
                                ? execution.config().application
                                : string_field(object_at(stage.context, "moniker"), "app");
    std::vector<std::pair<std::string, std::string>> old;      // namespace, full name
    std::vector<std::pair<std::string, std::string>> unready;  // of those, never ready
    for (const Json& m : stage.outputs.value("outputs.manifests", Json::array())) {
      if (k8s::canonical_kind(string_field(m, "kind")) != "replicaSet") continue;
      const Json annotations = m["metadata"].value("annotations", Json::object());
      const std::string ns = string_field(m["metadata"], "namespace");
      const std::string fresh = "replicaSet " + string_field(m["metadata"], "name");
      for (const k8s::Object* o : account->in_cluster(ns, "replicaSet", app, string_field(annotations, "moniker.spinnaker.io/cluster"))) {
        if (o->full() == fresh) continue;
        old.emplace_back(ns, o->full());
        if (account->last_ready(*o) == 0) unready.emplace_back(ns, o->full());
      }
    }
    const auto context = [&](const std::string& ns, const std::string& name) {
      return Json{{"account", stage.context.value("account", Json(""))}, {"app", app}, {"cloudProvider", "kubernetes"},
                  {"manifestName", name}, {"location", ns}};
    };
    for (const auto& [ns, name] : old) {
      // Red/black deletes an old version that never became ready instead (nothing to disable:
      // waiting for it to be stable would wait forever).
      const bool never_ready = std::find(unready.begin(), unready.end(), std::make_pair(ns, name)) != unready.end();
      if (never_ready && strategy != "highlander") {
        execution.add_after_stage(stage, "deleteManifest", "Delete " + name, context(ns, name));
      } else {
        execution.add_after_stage(stage, "disableManifest", "Disable " + name, context(ns, name));
      }
    }
    if (strategy == "highlander") {
      for (const auto& [ns, name] : old) {
        execution.add_after_stage(stage, "deleteManifest", "Delete " + name, context(ns, name));
      }
    }
    return sim::Status();
  }
};

// A stage of resolve target, one account call, and (unless `wait` is false) the stability wait.
class TargetedStage : public StageDefinition {
 public:
  TargetedStage(const char* type, const char* task, AccountCall call, bool wait, bool resolve = true)
      : type_(type), task_(task), call_(std::move(call)), wait_(wait), resolve_(resolve) {}
  const char* type() const override { return type_; }
  sim::Status plan(Stage& stage, Execution&) const override {
    if (resolve_) stage.tasks.push_back(std::make_unique<ResolveTargetTask>());
    stage.tasks.push_back(account_task(task_, call_));
    if (wait_) stage.tasks.push_back(std::make_unique<WaitForStableTask>());
    return sim::Status();
  }

 private:
  const char* type_;
  const char* task_;
  AccountCall call_;
  bool wait_;
  bool resolve_;  // Orca's undoRolloutManifest has no target resolution: it needs a manifestName
};

std::vector<std::string> strings_of(const Json& j) {
  std::vector<std::string> out;
  if (j.is_array()) for (const Json& s : j) if (s.is_string()) out.push_back(s.get<std::string>());
  return out;
}

void delete_call(TaskContext& c, KubernetesCluster& account, std::function<void(const providers::OpResult&)> done) {
  const Json& ctx = c.stage.context;
  const Json options = object_at(ctx, "options");
  bool cascading = true;
  if (options.contains("cascading")) {
    const Json& v = options["cascading"];
    cascading = !(v == false || v == "false" || v == "orphan");
  }
  if (options.contains("orphanDependents") && options["orphanDependents"].is_boolean()) cascading = !options["orphanDependents"].get<bool>();
  const std::string ns = location_of(ctx);
  if (string_field(ctx, "mode") == "label") {
    // Every object of the listed kinds whose labels match the selectors.
    std::vector<std::string> names;
    const std::vector<std::string> kinds = strings_of(array_at(ctx, "kinds"));
    const Json selectors = array_at(object_at(ctx, "labelSelectors"), "selectors");
    for (const k8s::Object* o : account.objects()) {
      if (o->ns != ns || std::find_if(kinds.begin(), kinds.end(), [&](const std::string& k) { return k8s::canonical_kind(k) == o->kind; }) == kinds.end()) continue;
      const Json labels = o->manifest["metadata"].value("labels", Json::object());
      bool all = true;
      for (const Json& s : selectors) {
        const std::string key = string_field(s, "key"), op = string_field(s, "kind");
        const std::vector<std::string> values = strings_of(array_at(s, "values"));
        const bool has = labels.contains(key);
        const std::string value = has && labels[key].is_string() ? labels[key].get<std::string>() : std::string();
        const bool listed = std::find(values.begin(), values.end(), value) != values.end();
        if (op == "EQUALS" || op == "CONTAINS") all = all && has && listed;
        else if (op == "NOT_EQUALS" || op == "NOT_CONTAINS") all = all && !(has && listed);
        else if (op == "EXISTS") all = all && has;
        else if (op == "NOT_EXISTS") all = all && !has;
      }
      if (all) names.push_back(o->full());
    }
    auto left = std::make_shared<size_t>(names.size());
    if (names.empty()) return done(providers::OpResult{});
    for (const std::string& n : names) {
      account.remove(ns, n, cascading, [left, done](const providers::OpResult& r) {
        if (--*left == 0) done(r);
      });
    }
    c.stage.outputs["outputs.manifestNamesByNamespace"] = Json{{ns, names}};
    return;
  }
  const std::string name = string_field(ctx, "manifestName");
  c.stage.outputs["outputs.manifestNamesByNamespace"] = Json{{ns, Json::array({name})}};
  account.remove(ns, name, cascading, std::move(done));
}

// findArtifactsFromResource: the live object and the artifacts in it (its images).
class FindArtifactsTask : public Task {
 public:
  const char* name() const override { return "findArtifactsFromResource"; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    KubernetesCluster* account = c.provider.kubernetes();
    if (account == nullptr) return done(TaskOutcome::terminal(kNoAccount));
    const std::string name = string_field(c.stage.context, "manifestName");
    const k8s::Object* o = account->get(location_of(c.stage.context), name);
    if (o == nullptr) return done(TaskOutcome::terminal("manifest " + name + " not found in " + location_of(c.stage.context)));
    Json artifacts = Json::array();
    std::function<void(const Json&)> walk = [&](const Json& node) {
      if (node.is_object()) {
        if (node.contains("containers") && node["containers"].is_array()) {
          for (const Json& container : node["containers"]) {
            const std::string image = string_field(container, "image");
            if (image.empty()) continue;
            const size_t colon = image.rfind(':');
            const std::string repo = colon == std::string::npos || image.find('/', colon) != std::string::npos ? image : image.substr(0, colon);
            artifacts.push_back(Json{{"type", "docker/image"}, {"name", repo}, {"reference", image}});
          }
        }
        for (auto it = node.begin(); it != node.end(); ++it) walk(it.value());
      } else if (node.is_array()) {
        for (const Json& x : node) walk(x);
      }
    };
    walk(o->manifest);
    c.stage.context["manifest"] = o->manifest;
    c.stage.context["artifacts"] = artifacts;
    done(TaskOutcome::succeeded(Json{{"manifest", o->manifest}, {"artifacts", artifacts}}));
  }
};

// runJobManifest (and runJob with cloudProvider kubernetes): a Job, recreated every run, whose
// duration, outcome and logged properties the scenario models; polls every 10 s, 2 h timeout.
class RunJobTask : public Task {
 public:
  const char* name() const override { return "waitOnJobCompletion"; }
  std::optional<sim::Duration> timeout() const override { return sim::Duration::hours(2); }
  bool timeout_overridable() const override { return true; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    const Json& ctx = c.stage.context;
    if (!outcome_ && !ctx.contains("manifest")) {
      // A runJob of another provider (a container or a script elsewhere): modelled work.
      outcome_ = c.execution.hooks().external_stage(c.stage);
      started_ = c.loop.now();
    } else if (!outcome_) {
      KubernetesCluster* account = c.provider.kubernetes();
      if (account == nullptr) return done(TaskOutcome::terminal(kNoAccount));
      const Json manifest = object_at(ctx, "manifest");
      if (const std::string problem = k8s::manifest_problem(manifest); !problem.empty()) {
        return done(TaskOutcome::terminal("runJob: malformed manifest: " + problem));
      }
      if (k8s::canonical_kind(string_field(manifest, "kind")) != "job") {
        return done(TaskOutcome::terminal("runJob needs a manifest of kind Job"));
      }
      std::string ns = string_field(ctx, "namespace");
      if (ns.empty()) ns = string_field(object_at(manifest, "metadata"), "namespace");
      if (ns.empty()) ns = "default";
      std::string app = string_field(ctx, "application");
      if (app.empty()) app = c.execution.config().application;
      job_ = account->record_job(ns, manifest, app);
      ns_ = ns;
      outcome_ = c.execution.hooks().external_stage(c.stage);
      started_ = c.loop.now();
      if (!flag_field(ctx, "waitForCompletion", true)) {
        return done(TaskOutcome::succeeded(Json{{"deploy.jobs", Json{{ns, Json::array({job_})}}}}));
      }
    }
    if (c.loop.now() - started_ < outcome_->duration) {
      return done(TaskOutcome::running(std::min(sim::Duration::seconds(10), outcome_->duration - (c.loop.now() - started_))));
    }
    Json outputs = job_.empty() ? Json::object()
                                : Json{{"deploy.jobs", Json{{ns_, Json::array({job_})}}}, {"jobStatus", Json{{"name", job_}, {"location", ns_}}}};
    if (!outcome_->succeeds) {
      if (!job_.empty()) outputs["jobStatus"]["status"] = "FAILED";
      TaskOutcome failed = TaskOutcome::terminal(outcome_->message);
      failed.outputs = outputs;
      return done(failed);
    }
    if (!job_.empty()) outputs["jobStatus"]["status"] = "SUCCEEDED";
    // Properties the container logged (SPINNAKER_PROPERTY_KEY=value): keys lower-cased.
    Json properties = Json::object();
    // A Kubernetes Job's log is parsed for properties only when propertyFile names its container.
    const bool parse = job_.empty() || !string_field(ctx, "propertyFile").empty();
    for (auto it = outcome_->outputs.begin(); parse && it != outcome_->outputs.end(); ++it) {
      std::string key = it.key();
      for (char& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      properties[key] = it.value();
      outputs[key] = it.value();
    }
    if (!string_field(ctx, "propertyFile").empty()) outputs["propertyFileContents"] = properties;
    done(TaskOutcome::succeeded(outputs));
  }

 private:
  std::optional<ExternalOutcome> outcome_;
  std::string job_, ns_;
  sim::TimePoint started_;
};

class FindArtifactsStage : public StageDefinition {
 public:
  const char* type() const override { return "findArtifactsFromResource"; }
  sim::Status plan(Stage& stage, Execution&) const override {
    stage.tasks.push_back(std::make_unique<ResolveTargetTask>());
    stage.tasks.push_back(std::make_unique<FindArtifactsTask>());
    return sim::Status();
  }
};

// bakeManifest: no infrastructure effect; the bake takes the scenario's modelled time and
// produces one embedded/base64 artifact named outputName (its manifests: the scenario's outputs).
class BakeManifestTask : public Task {
 public:
  const char* name() const override { return "createBake"; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    if (!outcome_) {
      outcome_ = c.execution.hooks().external_stage(c.stage);
      return done(TaskOutcome::running(outcome_->duration));
    }
    if (!outcome_->succeeds) return done(TaskOutcome::terminal(outcome_->message));
    const Json& ctx = c.stage.context;
    const Json expected = array_at(ctx, "expectedArtifacts");
    if (!expected.is_array() || expected.size() != 1) {
      return done(TaskOutcome::terminal("bakeManifest must produce exactly one artifact (expectedArtifacts has " +
                                        std::to_string(expected.is_array() ? expected.size() : 0) + ")"));
    }
    std::string name = string_field(ctx, "outputName");
    if (name.empty()) name = string_field(object_at(expected[0], "matchArtifact"), "name");
    Json artifact = Json{{"type", "embedded/base64"}, {"name", name}, {"reference", "(rendered " + string_field(ctx, "templateRenderer") + " manifests)"}};
    if (outcome_->outputs.contains("manifests")) artifact["manifests"] = outcome_->outputs["manifests"];
    done(TaskOutcome::succeeded(Json{{"artifacts", Json::array({artifact})}}));
  }

 private:
  std::optional<ExternalOutcome> outcome_;
};

}  // namespace

void register_manifest_stages(StageRegistry& registry) {
  registry.add(std::make_unique<DeployManifestStage>());
  registry.add(std::make_unique<TargetedStage>(
      "scaleManifest", "scaleManifest",
      [](TaskContext& c, KubernetesCluster& a, auto done) {
        const std::optional<int> replicas = int_field(c.stage.context, "replicas");
        if (!replicas || *replicas < 0) return done(providers::OpResult{providers::ErrorCode::kInvalid, "scaleManifest needs replicas, a whole number >= 0"});
        a.scale(location_of(c.stage.context), string_field(c.stage.context, "manifestName"), *replicas, done);
      },
      true));
  for (const bool enable : {true, false}) {
    registry.add(std::make_unique<TargetedStage>(
        enable ? "enableManifest" : "disableManifest", enable ? "enableManifest" : "disableManifest",
        [enable](TaskContext& c, KubernetesCluster& a, auto done) {
          a.set_traffic(location_of(c.stage.context), string_field(c.stage.context, "manifestName"), enable,
                        strings_of(array_at(c.stage.context, "loadBalancers")), done);
        },
        true));
  }
  registry.add(std::make_unique<TargetedStage>("deleteManifest", "deleteManifest", delete_call, false));
  registry.add(std::make_unique<TargetedStage>(
      "patchManifest", "patchManifest",
      [](TaskContext& c, KubernetesCluster& a, auto done) {
        const Json& ctx = c.stage.context;
        const std::string strategy = string_field(object_at(ctx, "options"), "mergeStrategy");
        Json body = ctx.value("patchBody", Json::object());
        if (strategy != "json" && body.is_array()) {
          if (body.size() != 1) return done(providers::OpResult{providers::ErrorCode::kInvalid, "a strategic or merge patch needs exactly one patch object"});
          body = body[0];
        }
        a.patch(location_of(ctx), string_field(ctx, "manifestName"), body, strategy.empty() ? "strategic" : strategy, done);
      },
      true));
  registry.add(std::make_unique<TargetedStage>(
      "undoRolloutManifest", "undoRolloutManifest",
      [](TaskContext& c, KubernetesCluster& a, auto done) {
        const Json& ctx = c.stage.context;
        const std::optional<int> back = int_field(ctx, "numRevisionsBack");
        if (string_field(ctx, "manifestName").empty()) {
          return done(providers::OpResult{providers::ErrorCode::kInvalid,
                                          "undoRolloutManifest needs a manifestName (it resolves no dynamic target)"});
        }
        a.undo_rollout(location_of(ctx), string_field(ctx, "manifestName"), back.value_or(1), int_field(ctx, "revision"), done);
      },
      true, false));
  registry.add(std::make_unique<FindArtifactsStage>());
  registry.add(std::make_unique<SingleTaskStage<RunJobTask>>("runJobManifest"));
  registry.add(std::make_unique<SingleTaskStage<RunJobTask>>("runJob"));
  registry.add(std::make_unique<SingleTaskStage<BakeManifestTask>>("bakeManifest"));
}

}  // namespace deploysim::strategies
