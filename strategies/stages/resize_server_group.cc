// resizeServerGroup: resolves its target when it starts, computes the new capacity from the
// group's current one exactly as Orca's resize strategies do, resizes, and waits for the capacity
// to match (WaitForCapacityMatchTask).
//   scale_up / scale_down: each of min, desired and max moves by ceil(current * scalePct / 100),
//     or by scaleNum, never below 0 (10 -20% -> 8; 8 +25% -> 10; 2 +400% -> 10; 2 -100% -> 0).
//   scale_exact (or resizeType "exact"): the configured capacity, missing fields from the current.
#include <algorithm>
#include <cmath>

#include "strategies/stages/server_group_support.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {

std::optional<int> int_field(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return std::nullopt;
  const Json& v = j[key];
  if (v.is_number()) return static_cast<int>(v.get<double>());
  if (v.is_string()) {
    try {
      return std::stoi(v.get<std::string>());
    } catch (...) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

sim::Result<providers::Capacity> resized(const Json& ctx, const providers::Capacity& current) {
  const std::string action = ctx.value("action", std::string());
  const std::string type = ctx.value("resizeType", std::string());
  if (action == "scale_up" || action == "scale_down") {
    if (type != "exact") {
      const int sign = action == "scale_up" ? 1 : -1;
      const std::optional<int> pct = int_field(ctx, "scalePct");
      const std::optional<int> num = int_field(ctx, "scaleNum");
      const auto move = [&](int value) {
        int delta = 0;
        if (pct) delta = static_cast<int>(std::ceil(value * (*pct) / 100.0));
        else if (num) delta = *num;
        return std::max(0, value + sign * delta);
      };
      return providers::Capacity{move(current.min), move(current.desired), move(current.max)};
    }
  } else if (!action.empty() && action != "scale_exact") {
    return sim::invalid_argument("resize action " + action + " is not supported yet");
  }
  // scale_exact: configured fields over the current capacity (ScaleExactResizeStrategy).
  const Json cap = ctx.value("capacity", Json::object());
  providers::Capacity c;
  c.min = int_field(cap, "min").value_or(current.min);
  c.max = int_field(cap, "max").value_or(std::max(current.max, c.min));
  if (int_field(cap, "max")) c.min = std::min(c.min, c.max);
  c.desired = int_field(cap, "desired").value_or(std::clamp(current.desired, c.min, c.max));
  return c;
}

class ResizeStage : public StageDefinition {
 public:
  const char* type() const override { return "resizeServerGroup"; }
  sim::Status plan(Stage& stage, Execution&) const override {
    stage.tasks.push_back(resolve_target_task());
    stage.tasks.push_back(provider_task("resizeServerGroup", [](TaskContext& c, auto done) {
      const std::string name = c.stage.context.value("serverGroupName", std::string());
      Stage* resizing = &c.stage;
      providers::CloudProvider* provider = &c.provider;
      c.provider.describe_cluster(cluster_of(c.stage.context), [=, done = std::move(done)](
                                                                   const providers::OpResult& r, const providers::ClusterInfo& info) {
        if (!r.ok()) return done(r);
        const providers::ServerGroupInfo* g = find_group(info, name);
        if (g == nullptr) return done({providers::ErrorCode::kNotFound, "server group " + name + " not found"});
        const sim::Result<providers::Capacity> capacity = resized(resizing->context, g->capacity);
        if (!capacity.ok()) return done({providers::ErrorCode::kInvalid, capacity.error().message});
        resizing->outputs["capacity"] = Json{{"min", capacity->min}, {"desired", capacity->desired}, {"max", capacity->max}};
        provider->resize_server_group(name, *capacity, done);
      });
    }));
    stage.tasks.push_back(wait_for_capacity_match_task());
    return sim::Status();
  }
};

}  // namespace

std::unique_ptr<StageDefinition> make_resize_server_group_stage() { return std::make_unique<ResizeStage>(); }

}  // namespace deploysim::strategies
