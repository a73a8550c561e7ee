// Fuzz target: any bytes given as Kubernetes manifests (one object, or a list) either apply to the
// Kubernetes account or fail with kInvalid, never crash or hang; then every object is patched with
// the same bytes, scaled, disabled and enabled, read for stability and deleted, with the same
// guarantee, and the world keeps running.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "providers/kubernetes/kubernetes_cluster.h"
#include "providers/sim/sim_provider.h"
#include "sim/world/cloud_api.h"
#include "sim/world/world.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deploysim;
  using providers::kubernetes::Json;
  const Json input = Json::parse(std::string(reinterpret_cast<const char*>(data), size), nullptr, false);
  if (input.is_discarded()) return 0;
  world::WorldConfig c;
  c.regions.push_back({"prod", {"prod-a"}});
  world::VersionProfile v;
  v.name = "v1";
  v.images = {"app:v1"};
  c.versions.push_back(v);
  world::LoadBalancerConfig lb;
  lb.name = "web";
  lb.region = "prod";
  c.load_balancers.push_back(lb);
  sim::EventLoop loop;
  world::World w(c, loop, 1, nullptr);
  w.start();
  world::CloudApi api(w, loop, 1);
  api.start();
  providers::SimProvider provider(w, api, loop);
  providers::kubernetes::KubernetesCluster& k8s = *provider.kubernetes();
  providers::kubernetes::DeployRequest request;
  if (input.is_array()) request.manifests.assign(input.begin(), input.end());
  else request.manifests.push_back(input);
  request.default_namespace = "prod";
  request.services = {"service web"};
  const auto check = [](const providers::OpResult& r) {
    if (!r.ok() && r.code != providers::ErrorCode::kInvalid && r.code != providers::ErrorCode::kNotFound) std::abort();
  };
  k8s.deploy(request, [&](const providers::kubernetes::DeployResult& r) { check(r.result); });
  loop.run_until(sim::TimePoint::start() + sim::Duration::seconds(30));
  for (const providers::kubernetes::Object* o : k8s.objects()) {
    const std::string name = o->full(), ns = o->ns;
    k8s.patch(ns, name, input, "strategic", check);
    k8s.patch(ns, name, input, "json", check);
    k8s.scale(ns, name, 2, check);
    k8s.set_traffic(ns, name, false, {}, check);
    k8s.set_traffic(ns, name, true, {}, check);
    k8s.undo_rollout(ns, name, 1, std::nullopt, check);
    k8s.stability(ns, name, [&](const providers::OpResult& r, const providers::kubernetes::Stability&) { check(r); });
  }
  loop.run_until(sim::TimePoint::start() + sim::Duration::seconds(90));
  for (const providers::kubernetes::Object* o : k8s.objects()) k8s.remove(o->ns, o->full(), true, check);
  loop.run_until(sim::TimePoint::start() + sim::Duration::seconds(120));
  return 0;
}
