// resizeServerGroup: resolves its target when it starts, computes the new capacity from the
// group's current one exactly as Orca's resize strategies do, resizes, and waits for the capacity
// to match (WaitForCapacityMatchTask).
//   scale_up / scale_down: each of min, desired and max moves by ceil(current * scalePct / 100),
//     or by scaleNum, never below 0 (10 -20% -> 8; 8 +25% -> 10; 2 +400% -> 10; 2 -100% -> 0).
//   scale_exact (or resizeType "exact"): the configured capacity, missing fields from the current.
//   scale_to_cluster: the largest min, desired and max among the cluster's groups in the region;
//     desired then grows by ceil(desired * |scalePct| / 100) or |scaleNum|, up to that max.
//   scale_to_server_group: the capacity of `source`; with scalePct, desired becomes
//     ceil(source desired * scalePct / 100), with max and min widened to include it.
// Then, for scale_exact and scale_to_server_group, ResizeStrategySupport.performScalingAndPinning:
// a scalePct scales desired to ceil(desired * scalePct / 100), widening min and max to include
// it; unpinMinimumCapacity restores the min saved in originalCapacity.<group> (what a
// pinServerGroup stage of the execution found) or savedCapacity; pinCapacity sets
// min = max = desired; pinMinimumCapacity sets min = desired.
//
// pinServerGroup (rolling red/black's "Pin <source>" and "Unpin <source>") is the same resize
// without the wait: it records the group's capacity before it as originalCapacity.<group>.
#include <algorithm>
#include <cmath>

#include "providers/target.h"
#include "strategies/expressions/expression.h"
#include "strategies/stages/server_group_support.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {


// What a resize needs to know besides the stage's context.
struct ResizeInputs {
  std::string name;                 // the group being resized
  providers::Capacity current;      // its capacity now
  std::vector<providers::Capacity> cluster;    // every group of its cluster in its region
  std::optional<providers::Capacity> source;  // scale_to_server_group's source
};

providers::Capacity pinned(const Json& ctx, const std::string& name, providers::Capacity c) {
  if (const std::optional<int> pct = int_field(ctx, "scalePct")) {
    const int desired = static_cast<int>(std::ceil(c.desired * (*pct) / 100.0));
    c = {std::min(c.min, desired), desired, std::max(c.max, desired)};
  }
  if (flag_field(ctx, "unpinMinimumCapacity")) {
    std::optional<int> saved;
    if (ctx.contains("originalCapacity") && ctx["originalCapacity"].is_object() && ctx["originalCapacity"].contains(name)) {
      saved = int_field(ctx["originalCapacity"][name], "min");
    }
    if (!saved && ctx.contains("savedCapacity")) saved = int_field(ctx["savedCapacity"], "min");
    if (saved) c.min = *saved;
  }
  if (flag_field(ctx, "pinCapacity")) return providers::Capacity{c.desired, c.desired, c.desired};
  if (flag_field(ctx, "pinMinimumCapacity")) c.min = c.desired;
  return c;
}

sim::Result<providers::Capacity> resized(const Json& ctx, const ResizeInputs& in) {
  const std::string action = ctx.value("action", std::string());
  const std::string type = ctx.value("resizeType", std::string());
  const std::optional<int> pct = int_field(ctx, "scalePct");
  const std::optional<int> num = int_field(ctx, "scaleNum");
  const providers::Capacity& current = in.current;
  if ((action == "scale_up" || action == "scale_down") && type != "exact") {
    const int sign = action == "scale_up" ? 1 : -1;
    const auto move = [&](int value) {
      int delta = 0;
      if (pct) delta = static_cast<int>(std::ceil(value * (*pct) / 100.0));
      else if (num) delta = *num;
      return std::max(0, value + sign * delta);
    };
    return providers::Capacity{move(current.min), move(current.desired), move(current.max)};
  }
  if (action == "scale_to_cluster") {
    providers::Capacity largest = current;
    for (const providers::Capacity& c : in.cluster) {
      largest = {std::max(largest.min, c.min), std::max(largest.desired, c.desired), std::max(largest.max, c.max)};
    }
    const int increment = pct ? static_cast<int>(std::ceil(largest.desired * std::abs(*pct) / 100.0)) : std::abs(num.value_or(0));
    largest.desired = std::min(largest.desired + increment, largest.max);
    return largest;
  }
  if (action == "scale_to_server_group") {
    if (!in.source) return sim::invalid_argument("scale_to_server_group needs source.serverGroupName naming an existing group");
    return pinned(ctx, in.name, *in.source);
  }
  if (!action.empty() && action != "scale_exact" && action != "scale_up" && action != "scale_down") {
    return sim::invalid_argument("unknown resize action " + action +
                                 " (expected scale_up, scale_down, scale_exact, scale_to_cluster or scale_to_server_group)");
  }
  // scale_exact: configured fields over the current capacity (ScaleExactResizeStrategy).
  const Json cap = ctx.value("capacity", Json::object());
  providers::Capacity c;
  c.min = int_field(cap, "min").value_or(current.min);
  c.max = int_field(cap, "max").value_or(std::max(current.max, c.min));
  if (int_field(cap, "max")) c.min = std::min(c.min, c.max);
  c.desired = int_field(cap, "desired").value_or(std::clamp(current.desired, c.min, c.max));
  return pinned(ctx, in.name, c);
}

// The source of scale_to_server_group: source.serverGroupName (or asgName).
std::string source_of(const Json& ctx) {
  if (!ctx.contains("source") || !ctx["source"].is_object()) return "";
  const std::string name = string_field(ctx["source"], "serverGroupName");
  return name.empty() ? string_field(ctx["source"], "asgName") : name;
}

// The cluster a server group belongs to: its name without the -vNNN sequence.
std::string cluster_of_group(const std::string& name) { return providers::cluster_of_server_group(name).value_or(name); }

void fill_from(const providers::ClusterInfo& info, const std::string& region, const std::string& source, ResizeInputs& in) {
  for (const providers::ServerGroupInfo& g : info.server_groups) {
    if (g.name == source) in.source = g.capacity;
    if (region.empty() || g.region == region) in.cluster.push_back(g.capacity);
  }
}

// The capacity a pinServerGroup stage of this execution found `name` at before pinning it.
std::optional<Json> original_capacity(const Execution& execution, const std::string& name) {
  for (const Stage* s : execution.all_stages()) {
    if (s->type != "pinServerGroup" || !s->outputs.contains("originalCapacity")) continue;
    const Json& saved = s->outputs["originalCapacity"];
    if (saved.is_object() && saved.contains(name)) return saved[name];
  }
  return std::nullopt;
}

class ResizeStage : public StageDefinition {
 public:
  ResizeStage(const char* type, bool wait) : type_(type), wait_(wait) {}
  const char* type() const override { return type_; }
  sim::Status plan(Stage& stage, Execution&) const override {
    stage.tasks.push_back(resolve_target_task());
    stage.tasks.push_back(provider_task("resizeServerGroup", [](TaskContext& c, auto done) {
      Stage* resizing = &c.stage;
      const Execution* execution = &c.execution;
      providers::CloudProvider* provider = &c.provider;
      auto in = std::make_shared<ResizeInputs>();
      in->name = c.stage.context.value("serverGroupName", std::string());
      const std::string region = region_of(c.stage.context);
      const std::string source = source_of(c.stage.context);
      const std::string cluster = cluster_of(c.stage.context);
      const auto apply = [=](auto finish) {
        const sim::Result<providers::Capacity> capacity = resized(resizing->context, *in);
        if (!capacity.ok()) return finish(providers::OpResult{providers::ErrorCode::kInvalid, capacity.error().message});
        resizing->outputs["capacity"] = Json{{"min", capacity->min}, {"desired", capacity->desired}, {"max", capacity->max}};
        provider->resize_server_group(in->name, *capacity, finish);
      };
      c.provider.describe_cluster(cluster, [=, done = std::move(done)](const providers::OpResult& r,
                                                                       const providers::ClusterInfo& info) {
        if (!r.ok()) return done(r);
        const providers::ServerGroupInfo* g = find_group(info, in->name);
        if (g == nullptr) return done({providers::ErrorCode::kNotFound, "server group " + in->name + " not found"});
        in->current = g->capacity;
        if (!resizing->context.contains("originalCapacity")) {
          if (const std::optional<Json> saved = original_capacity(*execution, in->name)) {
            resizing->context["originalCapacity"] = Json{{in->name, *saved}};
          }
        }
        if (resizing->type == "pinServerGroup" && !resizing->outputs.contains("originalCapacity")) {
          resizing->outputs["originalCapacity"] =
              Json{{in->name, Json{{"min", g->capacity.min}, {"desired", g->capacity.desired}, {"max", g->capacity.max}}}};
        }
        fill_from(info, region.empty() ? g->region : region, source, *in);
        if (source.empty() || in->source || cluster_of_group(source) == cluster) return apply(done);
        // The source lives in another cluster: look it up there.
        provider->describe_cluster(cluster_of_group(source), [=](const providers::OpResult& r2, const providers::ClusterInfo& other) {
          if (!r2.ok()) return done(r2);
          for (const providers::ServerGroupInfo& sg : other.server_groups) {
            if (sg.name == source) in->source = sg.capacity;
          }
          apply(done);
        });
      });
    }));
    if (wait_) stage.tasks.push_back(wait_for_capacity_match_task());
    return sim::Status();
  }

 private:
  const char* type_;
  bool wait_;
};

}  // namespace

std::unique_ptr<StageDefinition> make_resize_server_group_stage() {
  return std::make_unique<ResizeStage>("resizeServerGroup", true);
}
std::unique_ptr<StageDefinition> make_pin_server_group_stage() { return std::make_unique<ResizeStage>("pinServerGroup", false); }

}  // namespace deploysim::strategies
