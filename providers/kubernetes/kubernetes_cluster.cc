// Kubernetes objects over server groups and load balancers: versioning, Spinnaker's annotations,
// label-based traffic, and the deployment controller's rolling update.
#include "providers/kubernetes/kubernetes_cluster.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>
#include <set>

#include "providers/target.h"

namespace deploysim::providers::kubernetes {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string string_at(const Json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

// A name Frigga splits into app, stack and detail giving back the same cluster name: hello-world-
// canary is app hello, stack world, detail canary.
ServerGroupSpec spec_for(const std::string& base, const std::string& ns, const std::string& image, int replicas,
                         std::vector<std::string> lbs) {
  ServerGroupSpec spec;
  const size_t first = base.find('-');
  spec.application = base.substr(0, first);
  if (first != std::string::npos) {
    const size_t second = base.find('-', first + 1);
    spec.stack = base.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
    if (second != std::string::npos) spec.detail = base.substr(second + 1);
  }
  spec.region = ns;
  spec.artifact = image;
  spec.capacity = {0, replicas, replicas};
  spec.load_balancers = std::move(lbs);
  return spec;
}

// The image of a pod template's first container.
std::string image_of(const Json& manifest) {
  Json pod = manifest.value("spec", Json::object());
  if (pod.contains("template")) pod = pod["template"].value("spec", Json::object());
  const Json containers = pod.value("containers", Json::array());
  if (!containers.is_array() || containers.empty()) return {};
  return string_at(containers[0], "image");
}

Json& template_labels(Json& manifest) {
  Json& holder = manifest["spec"].contains("template") ? manifest["spec"]["template"]["metadata"] : manifest["metadata"];
  if (!holder.contains("labels") || !holder["labels"].is_object()) holder["labels"] = Json::object();
  return holder["labels"];
}

bool selector_matches(const Json& selector, const Json& labels) {
  if (!selector.is_object() || selector.empty()) return false;
  for (auto it = selector.begin(); it != selector.end(); ++it) {
    if (!labels.contains(it.key()) || labels[it.key()] != it.value()) return false;
  }
  return true;
}

// maxSurge / maxUnavailable: an integer, or a percent of `replicas` rounded up (surge) or down.
int rollout_bound(const Json& rolling, const char* key, int replicas, bool round_up) {
  if (!rolling.is_object() || !rolling.contains(key)) {
    return round_up ? static_cast<int>(std::ceil(replicas * 0.25)) : static_cast<int>(std::floor(replicas * 0.25));
  }
  const Json& v = rolling[key];
  if (v.is_number_integer()) return std::max(0, v.get<int>());
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (!s.empty() && s.back() == '%') {
      const double pct = std::atof(s.substr(0, s.size() - 1).c_str()) / 100.0;
      return round_up ? static_cast<int>(std::ceil(replicas * pct)) : static_cast<int>(std::floor(replicas * pct));
    }
    return std::max(0, std::atoi(s.c_str()));
  }
  return 0;
}

const ServerGroupInfo* find_group(const ClusterInfo& info, const std::string& name) {
  for (const ServerGroupInfo& g : info.server_groups) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

int ready_count(const ServerGroupInfo* g) {
  if (g == nullptr) return 0;
  return static_cast<int>(std::count_if(g->instances.begin(), g->instances.end(),
                                        [](const InstanceInfo& i) { return i.ready; }));
}

std::string cluster_of(const std::string& server_group) {
  return cluster_of_server_group(server_group).value_or(server_group);
}

Json template_of(const Json& manifest) {
  return manifest.contains("spec") && manifest["spec"].contains("template") ? manifest["spec"]["template"] : Json();
}

}  // namespace

std::string manifest_problem(const Json& m) {
  const auto object_or_absent = [](const Json& holder, const char* key) {
    return !holder.contains(key) || holder[key].is_object();
  };
  const auto strings = [](const Json& map) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it.value().is_string()) return false;
    }
    return true;
  };
  if (!m.is_object()) return "a manifest must be an object";
  if (!m.contains("kind") || !m["kind"].is_string() || m["kind"].get<std::string>().empty()) return "kind must be a string";
  if (!m.contains("metadata") || !m["metadata"].is_object()) return "metadata must be an object";
  const Json& meta = m["metadata"];
  if (!meta.contains("name") || !meta["name"].is_string() || meta["name"].get<std::string>().empty()) {
    return "metadata.name must be a non-empty string";
  }
  if (meta.contains("namespace") && !meta["namespace"].is_string()) return "metadata.namespace must be a string";
  for (const char* key : {"labels", "annotations"}) {
    if (!object_or_absent(meta, key) || (meta.contains(key) && !strings(meta[key]))) {
      return std::string("metadata.") + key + " must map names to strings";
    }
  }
  if (!object_or_absent(m, "spec")) return "spec must be an object";
  if (!m.contains("spec")) return {};
  const Json& spec = m["spec"];
  if (spec.contains("replicas") && !spec["replicas"].is_number() && !spec["replicas"].is_string()) return "spec.replicas must be a number";
  if (!object_or_absent(spec, "selector") || !object_or_absent(spec, "strategy")) return "spec.selector and spec.strategy must be objects";
  if (spec.contains("strategy") && !object_or_absent(spec["strategy"], "rollingUpdate")) return "spec.strategy.rollingUpdate must be an object";
  if (!object_or_absent(spec, "template")) return "spec.template must be an object";
  const Json* pod = &spec;
  if (spec.contains("template")) {
    const Json& t = spec["template"];
    if (!object_or_absent(t, "metadata") || !object_or_absent(t, "spec")) return "spec.template.metadata and .spec must be objects";
    if (t.contains("metadata") && (!object_or_absent(t["metadata"], "labels") ||
                                   (t["metadata"].contains("labels") && !strings(t["metadata"]["labels"])))) {
      return "spec.template.metadata.labels must map names to strings";
    }
    if (!t.contains("spec")) return {};
    pod = &t["spec"];
  }
  if (pod->contains("containers")) {
    if (!(*pod)["containers"].is_array()) return "containers must be a list";
    for (const Json& c : (*pod)["containers"]) {
      if (!c.is_object() || (c.contains("image") && !c["image"].is_string())) return "each container must be an object with a string image";
    }
  }
  return {};
}

std::string canonical_kind(std::string_view kind) {
  static const std::map<std::string, std::string> kKinds = {
      {"replicaset", "replicaSet"}, {"rs", "replicaSet"}, {"deployment", "deployment"}, {"deploy", "deployment"},
      {"service", "service"}, {"svc", "service"}, {"configmap", "configMap"}, {"cm", "configMap"},
      {"secret", "secret"}, {"pod", "pod"}, {"po", "pod"}, {"job", "job"}, {"cronjob", "cronJob"},
      {"statefulset", "statefulSet"}, {"sts", "statefulSet"}, {"daemonset", "daemonSet"}, {"ds", "daemonSet"},
      {"ingress", "ingress"}, {"ing", "ingress"}, {"namespace", "namespace"}, {"ns", "namespace"},
      {"networkpolicy", "networkPolicy"}, {"netpol", "networkPolicy"},
      {"horizontalpodautoscaler", "horizontalpodautoscaler"}, {"hpa", "horizontalpodautoscaler"},
      {"serviceaccount", "serviceAccount"}, {"sa", "serviceAccount"},
      {"persistentvolumeclaim", "persistentVolumeClaim"}, {"pvc", "persistentVolumeClaim"},
  };
  const auto it = kKinds.find(lower(kind));
  if (it != kKinds.end()) return it->second;
  std::string out(kind);
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}

sim::Result<Coordinates> parse_full_name(std::string_view full_name) {
  const size_t space = full_name.find(' ');
  if (space == std::string_view::npos || space == 0 || space + 1 >= full_name.size() ||
      full_name.find(' ', space + 1) != std::string_view::npos) {
    return sim::invalid_argument("expected a full resource name of the form <kind> <name>, got \"" +
                                 std::string(full_name) + "\"");
  }
  return Coordinates{canonical_kind(full_name.substr(0, space)), std::string(full_name.substr(space + 1))};
}

bool versioned_by_default(const std::string& kind) {
  return kind == "replicaSet" || kind == "pod" || kind == "configMap" || kind == "secret";
}

int deploy_priority(const std::string& kind) {
  static const std::map<std::string, int> kPriority = {
      {"namespace", 0}, {"serviceAccount", 40}, {"configMap", 50}, {"secret", 50}, {"persistentVolumeClaim", 50},
      {"service", 70}, {"ingress", 70}, {"networkPolicy", 70}, {"replicaSet", 100}, {"deployment", 100},
      {"statefulSet", 100}, {"daemonSet", 100}, {"job", 100}, {"cronJob", 100}, {"pod", 100},
      {"horizontalpodautoscaler", 110},
  };
  const auto it = kPriority.find(kind);
  return it == kPriority.end() ? 1000 : it->second;
}

bool modelled_kind(const std::string& kind) {
  return kind == "replicaSet" || kind == "deployment" || kind == "service" || kind == "configMap" ||
         kind == "secret" || kind == "job";
}

std::string Object::application() const {
  return string_at(manifest["metadata"].value("annotations", Json::object()), "moniker.spinnaker.io/application");
}

std::string Object::cluster() const {
  return string_at(manifest["metadata"].value("annotations", Json::object()), "moniker.spinnaker.io/cluster");
}

int Object::replicas() const {
  const Json spec = manifest.value("spec", Json::object());
  if (!spec.contains("replicas")) return 1;
  const Json& r = spec["replicas"];
  if (r.is_number()) return std::max(0, static_cast<int>(r.get<double>()));
  if (r.is_string()) return std::max(0, std::atoi(r.get<std::string>().c_str()));
  return 1;
}

int Object::listed_replicas() const {
  return manifest.contains("spec") && manifest["spec"].is_object() && manifest["spec"].contains("replicas") ? replicas() : -1;
}

Json Object::pod_labels() const {
  const Json spec = manifest.value("spec", Json::object());
  const Json& holder = spec.contains("template") ? spec["template"].value("metadata", Json::object())
                                                 : manifest.value("metadata", Json::object());
  return holder.value("labels", Json::object());
}

std::vector<std::string> Object::load_balancer_annotation() const {
  const std::string text =
      string_at(manifest["metadata"].value("annotations", Json::object()), "traffic.spinnaker.io/load-balancers");
  std::vector<std::string> out;
  const Json list = Json::parse(text, nullptr, false);
  if (list.is_array()) {
    for (const Json& s : list) if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

KubernetesCluster::KubernetesCluster(CloudProvider& provider, sim::EventLoop& loop) : provider_(provider), loop_(loop) {}

void KubernetesCluster::chain(std::vector<std::function<void(Done)>> ops, Done done) {
  auto shared = std::make_shared<std::vector<std::function<void(Done)>>>(std::move(ops));
  auto step = std::make_shared<std::function<void(size_t)>>();
  *step = [shared, step, done](size_t i) {
    if (i == shared->size()) {
      done(OpResult{});
      *step = nullptr;  // breaks the cycle
      return;
    }
    (*shared)[i]([shared, step, done, i](const OpResult& r) {
      if (!r.ok()) {
        done(r);
        *step = nullptr;
        return;
      }
      (*step)(i + 1);
    });
  };
  (*step)(0);
}

Object* KubernetesCluster::find(const std::string& ns, const std::string& full_name) {
  const sim::Result<Coordinates> c = parse_full_name(full_name);
  if (!c.ok()) return nullptr;
  const auto it = objects_.find(Key{ns, c->kind, c->name});
  return it == objects_.end() ? nullptr : &it->second;
}

const Object* KubernetesCluster::get(const std::string& ns, const std::string& full_name) const {
  return const_cast<KubernetesCluster*>(this)->find(ns, full_name);
}

std::vector<const Object*> KubernetesCluster::objects() const {
  std::vector<const Object*> out;
  for (const auto& [key, o] : objects_) out.push_back(&o);
  std::sort(out.begin(), out.end(), [](const Object* a, const Object* b) { return a->sequence < b->sequence; });
  return out;
}

std::optional<int> KubernetesCluster::last_ready(const Object& object) const {
  if (object.server_groups.empty()) return std::nullopt;
  const auto it = ready_seen_.find(object.server_groups.back());
  if (it == ready_seen_.end()) return std::nullopt;
  return it->second;
}

std::vector<const Object*> KubernetesCluster::in_cluster(const std::string& ns, const std::string& kind,
                                                         const std::string& app, const std::string& cluster) const {
  std::vector<const Object*> out;
  for (const Object* o : objects()) {
    if (o->ns == ns && o->kind == kind && o->cluster() == cluster && (app.empty() || o->application() == app)) out.push_back(o);
  }
  return out;
}

std::vector<const Object*> KubernetesCluster::versions(const std::string& ns, const std::string& kind,
                                                       const std::string& base) const {
  std::vector<const Object*> out;
  for (const Object* o : objects()) {
    if (o->ns == ns && o->kind == kind && o->base == base) out.push_back(o);
  }
  return out;
}

std::vector<std::string> KubernetesCluster::server_groups_labelled(const std::string& value) const {
  std::vector<std::string> out;
  for (const Object* o : objects()) {
    if (o->server_groups.empty()) continue;
    const Json labels = o->pod_labels();
    for (auto it = labels.begin(); it != labels.end(); ++it) {
      if (it.value() == value) {
        out.push_back(o->server_groups.back());
        break;
      }
    }
  }
  return out;
}

std::vector<std::string> KubernetesCluster::matching_services(const Object& workload) const {
  std::vector<std::string> out;
  const Json labels = workload.pod_labels();
  for (const auto& [key, o] : objects_) {
    if (o.kind != "service" || o.ns != workload.ns) continue;
    if (selector_matches(o.manifest["spec"].value("selector", Json::object()), labels)) out.push_back(o.name);
  }
  return out;
}

void KubernetesCluster::sync_traffic(const std::string& ns, Done done) {
  std::vector<std::function<void(Done)>> ops;
  for (auto& [key, o] : objects_) {
    if (o.ns != ns || o.server_groups.empty()) continue;
    const std::vector<std::string> lbs = matching_services(o);
    for (const std::string& sg : o.server_groups) {
      if (group_lbs_[sg] == lbs) continue;
      ops.push_back([this, sg, lbs](Done next) {
        provider_.set_load_balancers(sg, lbs, [this, sg, lbs, next = std::move(next)](const OpResult& r) {
          if (r.ok()) group_lbs_[sg] = lbs;  // else a retry finds the difference again
          next(r);
        });
      });
    }
  }
  chain(std::move(ops), std::move(done));
}

void KubernetesCluster::deploy(const DeployRequest& request, std::function<void(DeployResult)> done) {
  // Nested lists are flattened and a List object gives its items, then clouddriver's order.
  std::vector<Json> manifests;
  std::function<void(const Json&)> flatten = [&](const Json& m) {
    if (m.is_array()) {
      for (const Json& x : m) flatten(x);
    } else if (m.is_object() && string_at(m, "kind") == "List" && m.contains("items")) {
      flatten(m["items"]);
    } else {
      manifests.push_back(m);
    }
  };
  for (const Json& m : request.manifests) flatten(m);
  for (Json& m : manifests) {
    if (m.is_object() && !m.contains("spec")) m["spec"] = Json::object();  // every stored object has a spec
    if (const std::string problem = manifest_problem(m); !problem.empty()) {
      DeployResult r;
      r.result = {ErrorCode::kInvalid, "malformed manifest" +
                                           (m.is_object() && m.contains("metadata") && m["metadata"].is_object()
                                                ? " " + string_at(m["metadata"], "name") : std::string()) + ": " + problem};
      loop_.schedule_after(sim::Duration::zero(), sim::Action::boxed([done, r] { done(r); }));
      return;
    }
  }
  std::stable_sort(manifests.begin(), manifests.end(), [](const Json& a, const Json& b) {
    return deploy_priority(canonical_kind(a["kind"].get<std::string>())) <
           deploy_priority(canonical_kind(b["kind"].get<std::string>()));
  });
  auto result = std::make_shared<DeployResult>();
  auto req = std::make_shared<DeployRequest>(request);
  std::vector<std::function<void(Done)>> ops;
  for (Json& m : manifests) {
    ops.push_back([this, m, req, result](Done next) { apply(m, *req, *result, std::move(next)); });
  }
  chain(std::move(ops), [result, done](const OpResult& r) {
    result->result = r;
    done(*result);
  });
}

void KubernetesCluster::apply(Json manifest, const DeployRequest& request, DeployResult& result, Done done) {
  const std::string kind = canonical_kind(manifest["kind"].get<std::string>());
  Json& metadata = manifest["metadata"];
  const std::string base = metadata["name"].get<std::string>();
  std::string ns = request.namespace_override;
  if (ns.empty()) ns = string_at(metadata, "namespace");
  if (ns.empty()) ns = request.default_namespace;
  metadata["namespace"] = ns;
  if (!metadata.contains("annotations") || !metadata["annotations"].is_object()) metadata["annotations"] = Json::object();
  Json& annotations = metadata["annotations"];
  const auto fail = [&](ErrorCode code, const std::string& message) { done(OpResult{code, kind + " " + base + ": " + message}); };

  if ((request.strategy == "redblack" || request.strategy == "bluegreen") && annotations.contains("strategy.spinnaker.io/max-version-history")) {
    const std::string max = annotations["strategy.spinnaker.io/max-version-history"].is_string()
                                ? annotations["strategy.spinnaker.io/max-version-history"].get<std::string>()
                                : annotations["strategy.spinnaker.io/max-version-history"].dump();
    if (std::atoi(max.c_str()) < 2) {
      return fail(ErrorCode::kInvalid, "strategy.spinnaker.io/max-version-history must be at least 2 with the " +
                                           request.strategy + " strategy");
    }
  }
  bool versioned = versioned_by_default(kind);
  if (request.versioned) versioned = *request.versioned;
  if (annotations.contains("strategy.spinnaker.io/versioned")) {
    versioned = annotations["strategy.spinnaker.io/versioned"] == "true" || annotations["strategy.spinnaker.io/versioned"] == true;
  }
  if (kind == "pod") versioned = false;  // bare pods are recorded, not run
  const std::string app = string_at(request.moniker, "app");
  const auto store = [&](const char* key, const std::string& value) {
    if (!value.empty() && !annotations.contains(key)) annotations[key] = value;
  };
  store("moniker.spinnaker.io/application", app);
  store("moniker.spinnaker.io/cluster", string_at(request.moniker, "cluster").empty() ? kind + " " + base : string_at(request.moniker, "cluster"));
  store("moniker.spinnaker.io/stack", string_at(request.moniker, "stack"));
  store("moniker.spinnaker.io/detail", string_at(request.moniker, "detail"));
  store("artifact.spinnaker.io/type", "kubernetes/" + kind);
  store("artifact.spinnaker.io/name", base);
  store("artifact.spinnaker.io/location", ns);
  if (!metadata.contains("labels") || !metadata["labels"].is_object()) metadata["labels"] = Json::object();
  if (!app.empty() && !metadata["labels"].contains("app.kubernetes.io/name")) metadata["labels"]["app.kubernetes.io/name"] = app;
  metadata["labels"]["app.kubernetes.io/managed-by"] = "spinnaker";

  const bool workload = kind == "replicaSet" || kind == "deployment";
  if (workload) {
    if (!request.services.empty()) {
      const Json list = Json(request.services);
      if (annotations.contains("traffic.spinnaker.io/load-balancers") &&
          Json::parse(annotations["traffic.spinnaker.io/load-balancers"].get<std::string>(), nullptr, false) != list) {
        return fail(ErrorCode::kInvalid, "the manifest's traffic.spinnaker.io/load-balancers differs from the stage's services");
      }
      annotations["traffic.spinnaker.io/load-balancers"] = list.dump();
    }
    if (request.enable_traffic && annotations.contains("traffic.spinnaker.io/load-balancers")) {
      Object probe;
      probe.manifest = manifest;
      for (const std::string& lb : probe.load_balancer_annotation()) {
        const sim::Result<Coordinates> c = parse_full_name(lb);
        if (!c.ok() || c->kind != "service") return fail(ErrorCode::kInvalid, "no support for load balancing via " + lb);
        const Object* service = get(ns, lb);
        if (service == nullptr) return fail(ErrorCode::kInvalid, "load balancer " + lb + " does not exist in namespace " + ns);
        const Json selector = service->manifest["spec"].value("selector", Json::object());
        if (selector.empty()) return fail(ErrorCode::kInvalid, "service must have a non-empty selector in order to be attached to a workload");
        Json& labels = template_labels(manifest);
        for (auto it = selector.begin(); it != selector.end(); ++it) {
          if (labels.contains(it.key())) {
            return fail(ErrorCode::kInvalid, "service selector must have no label keys in common with target workload");
          }
        }
        for (auto it = selector.begin(); it != selector.end(); ++it) labels[it.key()] = it.value();
      }
    }
  }
  const bool source_capacity = annotations.value("strategy.spinnaker.io/use-source-capacity", std::string()) == "true";
  if (source_capacity && workload) {
    const std::vector<const Object*> prior = versions(ns, kind, base);
    if (!prior.empty()) manifest["spec"]["replicas"] = prior.back()->replicas();
  }

  Object object;
  object.kind = kind;
  object.base = base;
  object.name = base;
  object.ns = ns;
  object.sequence = next_sequence_++;
  object.created_at = loop_.now();
  const auto version_text = [](int v) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "v%03d", v);
    return std::string(buffer);
  };
  const auto record = [&result, version_text](const Object& o) {
    result.names.push_back(o.full());
    result.ns = o.ns;
    result.manifests.push_back(o.manifest);
    result.names_by_namespace[o.ns].push_back(o.full());
    result.artifacts.push_back(Json{{"type", "kubernetes/" + o.kind}, {"name", o.base}, {"location", o.ns},
                                    {"version", o.version ? version_text(*o.version) : std::string()},
                                    {"reference", o.name}});
  };

  if (!modelled_kind(kind) || kind == "job") {
    if (!modelled_kind(kind)) result.ignored.push_back(manifest["kind"].get<std::string>());
    object.manifest = manifest;
    objects_.erase(Key{ns, kind, base});
    objects_.emplace(Key{ns, kind, base}, object);
    record(object);
    return done(OpResult{});
  }
  if (kind == "configMap" || kind == "secret" || (versioned && kind != "replicaSet" && kind != "deployment")) {
    const std::vector<const Object*> prior = versions(ns, kind, base);
    int next = 0;
    for (const Object* p : prior) {
      Json a = p->manifest, b = manifest;
      a.erase("metadata");
      b.erase("metadata");
      if (versioned && a == b && p->version) {  // "already deployed at this version: reusing"
        record(*p);
        return done(OpResult{});
      }
      if (p->version) next = std::max(next, *p->version + 1);
    }
    if (versioned) {
      object.version = next;
      object.name = base + "-" + version_text(next);
      annotations["artifact.spinnaker.io/version"] = version_text(next);
      annotations["moniker.spinnaker.io/sequence"] = std::to_string(next);
      metadata["name"] = object.name;
    }
    object.manifest = manifest;
    objects_.erase(Key{ns, kind, object.name});
    objects_.emplace(Key{ns, kind, object.name}, object);
    record(object);
    return done(OpResult{});
  }
  if (kind == "service") {
    object.manifest = manifest;
    objects_.erase(Key{ns, kind, base});
    objects_.emplace(Key{ns, kind, base}, object);
    record(object);
    return sync_traffic(ns, std::move(done));
  }

  // Workloads. A Deployment of that name already there is updated in place.
  if (kind == "deployment") {
    Object* existing = find(ns, "deployment " + base);
    if (existing != nullptr) {
      const bool template_changed = template_of(existing->manifest) != template_of(manifest);
      Json before = existing->manifest;
      existing->manifest = manifest;
      record(*existing);
      const Key key{ns, kind, base};
      if (!template_changed) {
        restart_progress(*existing);
        schedule_reconcile(key);
        return sync_traffic(ns, std::move(done));
      }
      return new_revision(key, std::move(before), std::move(done));
    }
  }
  if (kind == "replicaSet" && (base.find("--") != std::string::npos || base.back() == '-')) {
    return fail(ErrorCode::kInvalid, "names with \"--\" or a trailing \"-\" cannot be mapped onto server groups");
  }
  if (kind == "replicaSet" && !versioned) {
    // An unversioned ReplicaSet already there is applied in place (kubectl apply), not duplicated.
    if (Object* existing = find(ns, "replicaSet " + base); existing != nullptr && !existing->server_groups.empty()) {
      const int before = existing->replicas();
      existing->manifest = manifest;
      const bool resized = existing->replicas() != before;
      record(*existing);
      std::vector<std::function<void(Done)>> ops;
      if (resized) {
        const int n = existing->replicas();
        const std::string sg = existing->server_groups.back();
        ops.push_back([this, sg, n](Done next) { provider_.resize_server_group(sg, {0, n, n}, std::move(next)); });
      }
      ops.push_back([this, ns](Done next) { sync_traffic(ns, std::move(next)); });
      return chain(std::move(ops), std::move(done));
    }
  }
  // Spinnaker's version: one past the highest among the kind's objects of that name here, v000 first.
  int next_version = 0;
  for (const Object* p : versions(ns, kind, base)) {
    if (p->version) next_version = std::max(next_version, *p->version + 1);
  }
  object.manifest = manifest;
  const std::vector<std::string> lbs = matching_services(object);
  const ServerGroupSpec spec = spec_for(base, ns, image_of(manifest), object.replicas(), lbs);
  provider_.create_server_group(spec, [this, object, versioned, record, version_text, lbs, next_version,
                                       done = std::move(done)](const OpResult& r, const std::string& sg) mutable {
    if (!r.ok()) return done(OpResult{r.code, object.full() + ": " + r.message});
    object.server_groups.push_back(sg);
    group_lbs_[sg] = lbs;
    if (object.kind == "replicaSet" && versioned) {
      const int v = next_version;
      object.version = v;
      object.name = object.base + "-" + version_text(v);
      object.manifest["metadata"]["name"] = object.name;
      object.manifest["metadata"]["annotations"]["artifact.spinnaker.io/version"] = version_text(v);
      object.manifest["metadata"]["annotations"]["moniker.spinnaker.io/sequence"] = std::to_string(v);
      template_labels(object.manifest)["moniker.spinnaker.io/sequence"] = std::to_string(v);
    }
    if (object.kind == "deployment") {
      object.revision = 1;
      object.revisions = {1};
      object.templates = {template_of(object.manifest)};
      object.progressed_at = loop_.now();
    }
    objects_.erase(Key{object.ns, object.kind, object.name});
    objects_.emplace(Key{object.ns, object.kind, object.name}, object);
    record(object);
    done(OpResult{});
  });
}

void KubernetesCluster::restart_progress(Object& d) {
  d.progressed_at = loop_.now();
  d.revision_ready = 0;
}

void KubernetesCluster::new_revision(const Key& key, Json previous, Done done) {
  const Object& d = objects_.at(key);
  const ServerGroupSpec spec = spec_for(d.base, d.ns, image_of(d.manifest), 0, matching_services(d));
  provider_.create_server_group(spec, [this, key, spec, previous = std::move(previous), done = std::move(done)](
                                          const OpResult& r, const std::string& sg) {
    auto it = objects_.find(key);
    if (!r.ok()) {
      // Nothing changed in the cluster: the object keeps its old template, so a retry sees the change again.
      if (it != objects_.end()) it->second.manifest = previous;
      return done(r);
    }
    if (it == objects_.end()) return done(OpResult{});
    it->second.server_groups.push_back(sg);
    it->second.templates.push_back(template_of(it->second.manifest));
    it->second.revisions.push_back(++it->second.revision);
    it->second.progressed_at = loop_.now();
    it->second.revision_ready = 0;
    group_lbs_[sg] = spec.load_balancers;
    schedule_reconcile(key);
    done(OpResult{});
  });
}

void KubernetesCluster::schedule_reconcile(const Key& key) {
  if (reconciling_[key]) return;
  reconciling_[key] = true;
  loop_.schedule_after(sim::Duration::zero(), sim::Action::boxed([this, key] { reconcile(key); }));
}

void KubernetesCluster::reconcile(Key key) {
  auto it = objects_.find(key);
  if (it == objects_.end() || it->second.server_groups.empty()) {
    reconciling_[key] = false;
    return;
  }
  const std::string current = it->second.server_groups.back();
  provider_.describe_cluster(cluster_of(current), [this, key](const OpResult& r, const ClusterInfo& info) {
    auto found = objects_.find(key);
    if (found == objects_.end()) {
      reconciling_[key] = false;
      return;
    }
    Object& d = found->second;
    const auto again = [this, key] {
      loop_.schedule_after(sim::Duration::seconds(2), sim::Action::boxed([this, key] { reconcile(key); }));
    };
    if (!r.ok()) return again();
    const int desired = d.replicas();
    const std::string& newest = d.server_groups.back();
    const ServerGroupInfo* fresh = find_group(info, newest);
    const int new_size = fresh ? fresh->capacity.desired : 0;
    const int new_ready = ready_count(fresh);
    int old_size = 0, old_ready = 0;
    for (size_t i = 0; i + 1 < d.server_groups.size(); ++i) {
      const ServerGroupInfo* g = find_group(info, d.server_groups[i]);
      if (g == nullptr) continue;
      old_size += g->capacity.desired;
      old_ready += ready_count(g);
    }
    const Json strategy = d.manifest["spec"].value("strategy", Json::object());
    const bool recreate = string_at(strategy, "type") == "Recreate";
    const Json rolling = strategy.value("rollingUpdate", Json::object());
    const int surge = recreate ? 0 : rollout_bound(rolling, "maxSurge", desired, true);
    int unavailable = recreate ? desired : rollout_bound(rolling, "maxUnavailable", desired, false);
    if (surge == 0 && unavailable == 0) unavailable = 1;
    std::vector<std::function<void(Done)>> ops;
    int new_target = new_size;
    if (recreate) {
      if (old_size == 0) new_target = desired;
    } else {
      new_target = std::max(new_size, std::min(desired, desired + surge - old_size));
      if (new_size > desired) new_target = desired;
    }
    if (new_target != new_size) {
      ops.push_back([this, newest, new_target](Done next) {
        provider_.resize_server_group(newest, {0, new_target, new_target}, std::move(next));
      });
    }
    // Old pods go as far as the availability floor allows (all at once when recreating).
    int removable = recreate ? old_size : (new_ready + old_ready) - (desired - unavailable);
    for (size_t i = 0; i + 1 < d.server_groups.size() && removable > 0; ++i) {
      const ServerGroupInfo* g = find_group(info, d.server_groups[i]);
      if (g == nullptr || g->capacity.desired == 0) continue;
      const int cut = std::min(removable, g->capacity.desired);
      removable -= cut;
      const int to = g->capacity.desired - cut;
      const std::string name = g->name;
      ops.push_back([this, name, to](Done next) { provider_.resize_server_group(name, {0, to, to}, std::move(next)); });
    }
    if (new_ready > d.revision_ready) {
      d.revision_ready = new_ready;
      d.progressed_at = loop_.now();
    }
    const bool complete = new_size == desired && old_size == 0 && ops.empty();
    if (complete) {
      reconciling_[key] = false;
      return;
    }
    chain(std::move(ops), [again](const OpResult&) { again(); });
  });
}

void KubernetesCluster::stability(const std::string& ns, const std::string& full_name,
                                  std::function<void(const OpResult&, const Stability&)> done) {
  const Object* target = get(ns, full_name);
  if (target == nullptr) {
    loop_.schedule_after(sim::Duration::zero(), sim::Action::boxed([done = std::move(done), full_name] {
      done(OpResult{ErrorCode::kNotFound, full_name + " not found"}, Stability{});
    }));
    return;
  }
  if (target->server_groups.empty()) {
    loop_.schedule_after(sim::Duration::zero(), sim::Action::boxed([done = std::move(done)] {
      done(OpResult{}, Stability{true, false, {}});
    }));
    return;
  }
  const Key key{ns, target->kind, target->name};
  provider_.describe_cluster(cluster_of(target->server_groups.back()), [this, key, done = std::move(done)](
                                                                      const OpResult& r, const ClusterInfo& info) {
    if (!r.ok()) return done(r, Stability{});
    const auto it = objects_.find(key);
    if (it == objects_.end()) return done(OpResult{ErrorCode::kNotFound, key.kind + " " + key.name + " not found"}, Stability{});
    const Object& o = it->second;
    const int desired = o.replicas();
    const ServerGroupInfo* current = find_group(info, o.server_groups.back());
    const int ready = ready_count(current);
    ready_seen_[o.server_groups.back()] = ready;
    Stability s;
    if (o.kind == "replicaSet") {
      s.stable = ready >= desired;
      if (!s.stable) s.message = "waiting for " + std::to_string(desired) + " ready replicas, " + std::to_string(ready) + " so far";
      return done(OpResult{}, s);
    }
    int old_pods = 0;
    for (size_t i = 0; i + 1 < o.server_groups.size(); ++i) {
      if (const ServerGroupInfo* g = find_group(info, o.server_groups[i])) old_pods += static_cast<int>(g->instances.size());
    }
    const int updated = current ? static_cast<int>(current->instances.size()) : 0;
    s.stable = updated >= desired && ready >= desired && old_pods == 0 && (current == nullptr || current->capacity.desired == desired);
    if (!s.stable) {
      s.message = "waiting for the rollout: " + std::to_string(ready) + " of " + std::to_string(desired) +
                  " updated replicas ready, " + std::to_string(old_pods) + " old replicas left";
      const Json spec = o.manifest.value("spec", Json::object());
      const int deadline = spec.contains("progressDeadlineSeconds") && spec["progressDeadlineSeconds"].is_number()
                               ? spec["progressDeadlineSeconds"].get<int>() : 600;
      if (loop_.now() - o.progressed_at > sim::Duration::seconds(deadline)) {
        s.failed = true;
        s.message = "deployment " + o.name + " exceeded its progress deadline (ProgressDeadlineExceeded)";
      }
    }
    done(OpResult{}, s);
  });
}

void KubernetesCluster::remove(std::string ns, std::string full_name, bool cascading, Done done) {
  const sim::Result<Coordinates> c = parse_full_name(full_name);
  if (!c.ok()) {
    loop_.schedule_after(sim::Duration::zero(), sim::Action::boxed([done = std::move(done), c] {
      done(OpResult{ErrorCode::kInvalid, c.error().message});
    }));
    return;
  }
  const auto it = objects_.find(Key{ns, c->kind, c->name});
  if (it == objects_.end()) {  // --ignore-not-found
    loop_.schedule_after(sim::Duration::zero(), sim::Action::boxed([done = std::move(done)] { done(OpResult{}); }));
    return;
  }
  const std::vector<std::string> groups = it->second.server_groups;
  const bool service = it->second.kind == "service";
  objects_.erase(it);
  std::vector<std::function<void(Done)>> ops;
  if (cascading) {
    for (const std::string& sg : groups) {
      group_lbs_.erase(sg);
      ops.push_back([this, sg](Done next) { provider_.destroy_server_group(sg, std::move(next)); });
    }
  } else {
    for (const std::string& sg : groups) group_lbs_.erase(sg);  // orphans keep their traffic as it is
  }
  if (service) ops.push_back([this, ns](Done next) { sync_traffic(ns, std::move(next)); });
  chain(std::move(ops), std::move(done));
}

void KubernetesCluster::scale(const std::string& ns, const std::string& full_name, int replicas, Done done) {
  Object* o = find(ns, full_name);
  const auto later = [this](Done d, OpResult r) {
    loop_.schedule_after(sim::Duration::zero(), sim::Action::boxed([d = std::move(d), r] { d(r); }));
  };
  if (o == nullptr) return later(std::move(done), {ErrorCode::kNotFound, full_name + " not found"});
  if (o->kind != "replicaSet" && o->kind != "deployment") {
    return later(std::move(done), {ErrorCode::kInvalid, "kind " + o->kind + " does not support scale"});
  }
  o->manifest["spec"]["replicas"] = replicas;
  if (o->kind == "deployment") {
    restart_progress(*o);
    schedule_reconcile(Key{ns, o->kind, o->name});
    return later(std::move(done), {});
  }
  provider_.resize_server_group(o->server_groups.back(), {0, replicas, replicas}, std::move(done));
}

void KubernetesCluster::set_traffic(const std::string& ns, const std::string& full_name, bool enable,
                                    const std::vector<std::string>& services, Done done) {
  Object* o = find(ns, full_name);
  const auto later = [this](Done d, OpResult r) {
    loop_.schedule_after(sim::Duration::zero(), sim::Action::boxed([d = std::move(d), r] { d(r); }));
  };
  if (o == nullptr) return later(std::move(done), {ErrorCode::kNotFound, full_name + " not found"});
  const std::vector<std::string> lbs = services.empty() ? o->load_balancer_annotation() : services;
  Json patched = o->manifest;
  for (const std::string& lb : lbs) {
    const Object* service = get(ns, lb);
    if (service == nullptr) return later(std::move(done), {ErrorCode::kNotFound, "load balancer " + lb + " does not exist in namespace " + ns});
    const Json selector = service->manifest["spec"].value("selector", Json::object());
    Json& labels = template_labels(patched);
    for (auto it = selector.begin(); it != selector.end(); ++it) {
      if (enable) labels[it.key()] = it.value();
      else labels.erase(it.key());
    }
  }
  if (o->kind == "deployment") return patch(ns, full_name, patched, "replace", std::move(done));
  o->manifest = std::move(patched);
  sync_traffic(ns, std::move(done));
}

void KubernetesCluster::patch(const std::string& ns, const std::string& full_name, const Json& body,
                              const std::string& merge_strategy, Done done) {
  Object* o = find(ns, full_name);
  const auto later = [this](Done d, OpResult r) {
    loop_.schedule_after(sim::Duration::zero(), sim::Action::boxed([d = std::move(d), r] { d(r); }));
  };
  if (o == nullptr) return later(std::move(done), {ErrorCode::kNotFound, full_name + " not found"});
  Json patched = o->manifest;
  if (merge_strategy == "replace") {
    patched = body;
  } else if (merge_strategy == "json") {
    try {
      patched = patched.patch(body);
    } catch (const Json::exception& e) {
      return later(std::move(done), {ErrorCode::kInvalid, std::string("the JSON patch does not apply: ") + e.what()});
    }
  } else {
    patched.merge_patch(body);
  }
  if (!patched.is_object() || !patched.contains("metadata") || !patched["metadata"].is_object()) {
    return later(std::move(done), {ErrorCode::kInvalid, "the patch removes the object's metadata"});
  }
  patched["metadata"]["name"] = o->name;  // a patch never renames
  if (!patched.contains("spec")) patched["spec"] = Json::object();
  if (const std::string problem = manifest_problem(patched); !problem.empty()) {
    return later(std::move(done), {ErrorCode::kInvalid, "the patched " + full_name + " is malformed: " + problem});
  }
  const bool template_changed = template_of(patched) != template_of(o->manifest);
  const bool replicas_changed = patched["spec"].value("replicas", Json()) != o->manifest["spec"].value("replicas", Json());
  const Key key{ns, o->kind, o->name};
  if (o->kind == "deployment" && template_changed) {
    Json before = o->manifest;
    o->manifest = patched;
    return new_revision(key, std::move(before), std::move(done));
  }
  o->manifest = patched;
  std::vector<std::function<void(Done)>> ops;
  if (replicas_changed && o->kind == "replicaSet") {
    const int n = o->replicas();
    const std::string sg = o->server_groups.back();
    ops.push_back([this, sg, n](Done next) { provider_.resize_server_group(sg, {0, n, n}, std::move(next)); });
  }
  if (replicas_changed && o->kind == "deployment") {
    restart_progress(*o);
    schedule_reconcile(key);
  }
  ops.push_back([this, ns](Done next) { sync_traffic(ns, std::move(next)); });
  chain(std::move(ops), std::move(done));
}

void KubernetesCluster::undo_rollout(const std::string& ns, const std::string& full_name, int revisions_back,
                                     std::optional<int> revision, Done done) {
  Object* o = find(ns, full_name);
  const auto later = [this](Done d, OpResult r) {
    loop_.schedule_after(sim::Duration::zero(), sim::Action::boxed([d = std::move(d), r] { d(r); }));
  };
  if (o == nullptr) return later(std::move(done), {ErrorCode::kNotFound, full_name + " not found"});
  if (o->kind != "deployment") return later(std::move(done), {ErrorCode::kInvalid, "kind " + o->kind + " does not support undo rollout"});
  // Revisions ascending; index n - k - 1 (clouddriver), or the one asked for.
  const int n = static_cast<int>(o->revisions.size());
  int index = -1;
  if (revision) {
    for (int i = 0; i < n; ++i) if (o->revisions[i] == *revision) index = i;
  } else {
    index = n - revisions_back - 1;
  }
  if (index < 0 || index >= n) {
    return later(std::move(done), {ErrorCode::kInvalid, "deployment " + o->name + " has no revision " +
                                                            (revision ? std::to_string(*revision) : std::to_string(revisions_back) + " back")});
  }
  // Kubernetes reuses the old ReplicaSet: it becomes the newest revision and the controller rolls
  // back to it.
  const std::string sg = o->server_groups[index];
  const Json pod_template = o->templates[index];
  o->server_groups.erase(o->server_groups.begin() + index);
  o->revisions.erase(o->revisions.begin() + index);
  o->templates.erase(o->templates.begin() + index);
  o->server_groups.push_back(sg);
  o->templates.push_back(pod_template);
  o->manifest["spec"]["template"] = pod_template;
  o->revisions.push_back(++o->revision);
  restart_progress(*o);
  schedule_reconcile(Key{ns, o->kind, o->name});
  later(std::move(done), {});
}

std::string KubernetesCluster::record_job(const std::string& ns, Json manifest, const std::string& application) {
  const std::string name = string_at(manifest.value("metadata", Json::object()), "name");
  Object job;
  job.kind = "job";
  job.name = name;
  job.base = name;
  job.ns = ns;
  job.sequence = next_sequence_++;
  job.created_at = loop_.now();
  manifest["metadata"]["namespace"] = ns;
  if (!manifest["metadata"].contains("annotations")) manifest["metadata"]["annotations"] = Json::object();
  manifest["metadata"]["annotations"]["moniker.spinnaker.io/application"] = application;
  manifest["metadata"]["annotations"]["moniker.spinnaker.io/cluster"] = "job " + name;
  job.manifest = std::move(manifest);
  objects_.erase(Key{ns, "job", name});  // Jobs are immutable: recreate
  objects_.emplace(Key{ns, "job", name}, job);
  return "job " + name;
}

}  // namespace deploysim::providers::kubernetes
