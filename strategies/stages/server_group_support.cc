// Shared tasks and rules of the server group stages.
#include "strategies/stages/server_group_support.h"

#include <algorithm>
#include <cmath>

#include "providers/target.h"
#include "strategies/expressions/expression.h"

namespace deploysim::strategies {
namespace {

constexpr sim::Duration kRetryBackoff = sim::Duration::seconds(5);
constexpr sim::Duration kRetryFor = sim::Duration::minutes(15);
constexpr sim::Duration kHealthPoll = sim::Duration::seconds(10);
constexpr sim::Duration kHealthTimeout = sim::Duration::hours(2);
constexpr sim::Duration kMissingGroupPatience = sim::Duration::minutes(10);

// WaitForUpInstancesTask's dynamic backoff: every 10 s, every minute after 30 minutes of waiting,
// every 2 minutes after an hour.
sim::Duration health_poll(sim::Duration waited) {
  if (waited > sim::Duration::minutes(60)) return sim::Duration::minutes(2);
  if (waited > sim::Duration::minutes(30)) return sim::Duration::minutes(1);
  return kHealthPoll;
}


class ProviderTask : public Task {
 public:
  ProviderTask(const char* name, ProviderCall call) : name_(name), call_(std::move(call)) {}
  const char* name() const override { return name_; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    if (!first_try_) first_try_ = c.loop.now();
    const sim::TimePoint first = *first_try_;
    sim::EventLoop& loop = c.loop;
    call_(c, [first, &loop, done = std::move(done), name = name_](const providers::OpResult& r) {
      if (r.ok()) return done(TaskOutcome::succeeded());
      done(retry_or_fail(r, first, loop.now(), name));
    });
  }

 private:
  const char* name_;
  ProviderCall call_;
  std::optional<sim::TimePoint> first_try_;
};


class ResolveTargetTask : public Task {
 public:
  const char* name() const override { return "determineTargetServerGroup"; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    Json& ctx = c.stage.context;
    for (const char* key : {"serverGroupName", "asgName"}) {
      if (!string_field(ctx, key).empty()) {
        ctx["serverGroupName"] = string_field(ctx, key);
        return done(TaskOutcome::succeeded());
      }
    }
    const std::string target_name = string_field(ctx, "target").empty() ? "current_asg_dynamic" : string_field(ctx, "target");
    const sim::Result<providers::Target> target = providers::parse_target(target_name);
    if (!target.ok()) return done(TaskOutcome::terminal(target.error().message));
    const std::string region = region_of(ctx);
    Stage* stage = &c.stage;
    const sim::TimePoint started = c.stage.start_time;
    sim::EventLoop& loop = c.loop;
    with_cluster(c, std::move(done), [=, &loop](const providers::ClusterInfo& info) {
      const providers::TargetResult r = providers::resolve_target(info, region, *target);
      if (!r.result.ok()) {
        // Orca retries target resolution (15 tries, 1 s apart) before giving up.
        if (loop.now() - started < sim::Duration::seconds(15)) return TaskOutcome::running(sim::Duration::seconds(1));
        return TaskOutcome::terminal(r.result.message);
      }
      stage->context["serverGroupName"] = r.server_group->name;
      Json outputs = Json::object();
      outputs["serverGroupName"] = r.server_group->name;
      return TaskOutcome::succeeded(outputs);
    });
  }
};

class WaitTask : public Task {
 public:
  enum class Kind { kUp, kCapacity, kDestroyed, kDisabled };
  explicit WaitTask(Kind kind) : kind_(kind) {}
  const char* name() const override {
    switch (kind_) {
      case Kind::kUp: return "waitForUpInstances";
      case Kind::kCapacity: return "waitForCapacityMatch";
      case Kind::kDestroyed: return "waitForDestroyedServerGroup";
      case Kind::kDisabled: return "waitForServerGroupDisabled";
    }
    return "wait";
  }
  // AbstractInstancesCheckTask: two hours, which a stageTimeoutMs replaces.
  std::optional<sim::Duration> timeout() const override {
    return kind_ == Kind::kDestroyed ? std::nullopt : std::optional<sim::Duration>(kHealthTimeout);
  }
  bool timeout_overridable() const override { return true; }

  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    const std::string name = string_field(c.stage.context, "serverGroupName");
    const Json context = c.stage.context;
    const Kind kind = kind_;
    const sim::Duration waited = c.loop.now() - c.task_start;
    const sim::Duration poll = kind == Kind::kUp || kind == Kind::kCapacity ? health_poll(waited) : kHealthPoll;
    with_cluster(c, std::move(done), [=](const providers::ClusterInfo& info) {
      const providers::ServerGroupInfo* g = find_group(info, name);
      if (kind == Kind::kDestroyed) return g == nullptr ? TaskOutcome::succeeded() : TaskOutcome::running(poll);
      if (g == nullptr) {
        // The cache may not show a new group yet; Orca waits up to 10 minutes for it.
        if (kind == Kind::kUp && waited > kMissingGroupPatience) {
          return TaskOutcome::terminal("server group " + name + " not found after " + sim::to_string(kMissingGroupPatience));
        }
        return TaskOutcome::running(poll);
      }
      if (kind == Kind::kDisabled) {
        // A partial disable (desiredPercentage) waits for the instances it chose; a full one for
        // the group to be disabled. Either way, until none of them is Up in a load balancer.
        const Json* chosen = context.contains("instanceIdsToDisable") ? &context["instanceIdsToDisable"] : nullptr;
        bool any_up = false;
        for (const providers::InstanceInfo& i : g->instances) {
          if (chosen != nullptr && std::find(chosen->begin(), chosen->end(), Json(i.name)) == chosen->end()) continue;
          for (const providers::Health& h : i.health) any_up = any_up || (!h.platform && h.state == providers::HealthState::kUp);
        }
        return (chosen != nullptr || g->disabled) && !any_up ? TaskOutcome::succeeded() : TaskOutcome::running(poll);
      }
      const int desired = g->capacity.desired;
      const double percent = context.contains("targetHealthyDeployPercentage") && context["targetHealthyDeployPercentage"].is_number()
                                 ? context["targetHealthyDeployPercentage"].get<double>() : 100.0;
      const int target = target_healthy(desired, percent);
      const auto interesting = interesting_health(context);
      int up = 0;
      for (const providers::InstanceInfo& i : g->instances) up += instance_is_up(i, interesting) ? 1 : 0;
      const int count = static_cast<int>(g->instances.size());
      if (kind == Kind::kUp) {
        if (count >= target && up >= target) return TaskOutcome::succeeded();
      } else if (count == desired && (g->disabled || up >= target)) {
        return TaskOutcome::succeeded();
      }
      return TaskOutcome::running(poll);
    });
  }

 private:
  Kind kind_;
};

}  // namespace

std::string string_field(const Json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

std::optional<double> number_field(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return std::nullopt;
  const Json& v = j[key];
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) return std::nullopt;
  const std::string& text = v.get_ref<const std::string&>();
  char* end = nullptr;
  const double d = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

std::optional<int> int_field(const Json& j, const char* key) {
  const std::optional<double> d = number_field(j, key);
  if (!d || std::abs(*d) > 1e9) return std::nullopt;
  return static_cast<int>(*d);
}

bool flag_field(const Json& j, const char* key, bool fallback) {
  if (!j.is_object()) return fallback;
  return as_boolean(j.value(key, Json(fallback))).value_or(fallback);
}

std::string artifact_of(const Json& context, const Json& trigger) {
  for (const char* key : {"artifact", "amiName", "imageId", "image"}) {
    if (!string_field(context, key).empty()) return string_field(context, key);
  }
  return string_field(trigger, "artifact");
}

TaskOutcome retry_or_fail(const providers::OpResult& result, sim::TimePoint first_try, sim::TimePoint now,
                          const std::string& what) {
  if (result.retryable() && now - first_try < kRetryFor) return TaskOutcome::running(kRetryBackoff);
  return TaskOutcome::terminal(what + ": " + result.message);
}

const providers::ServerGroupInfo* find_group(const providers::ClusterInfo& c, const std::string& name) {
  for (const providers::ServerGroupInfo& g : c.server_groups) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

void with_cluster(TaskContext& c, std::function<void(TaskOutcome)> done, ClusterCheck check) {
  const std::string cluster = cluster_of(c.stage.context);
  c.provider.describe_cluster(cluster, [done = std::move(done), check = std::move(check)](
                                           const providers::OpResult& r, const providers::ClusterInfo& info) {
    if (!r.ok()) {
      if (r.retryable()) return done(TaskOutcome::running(kRetryBackoff));
      return done(TaskOutcome::terminal("describe cluster: " + r.message));
    }
    done(check(info));
  });
}

std::string cluster_of(const Json& context) {
  if (!string_field(context, "cluster").empty()) return string_field(context, "cluster");
  if (context.contains("moniker") && context["moniker"].is_object() && !string_field(context["moniker"], "cluster").empty()) {
    return string_field(context["moniker"], "cluster");
  }
  const std::string app = string_field(context, "application");
  const std::string stack = string_field(context, "stack");
  const std::string detail = string_field(context, "freeFormDetails");
  if (!detail.empty()) return app + "-" + stack + "-" + detail;
  if (!stack.empty()) return app + "-" + stack;
  return app;
}

std::string region_of(const Json& context) {
  if (context.contains("regions") && context["regions"].is_array() && !context["regions"].empty() &&
      context["regions"][0].is_string()) {
    return context["regions"][0].get<std::string>();
  }
  if (!string_field(context, "region").empty()) return string_field(context, "region");
  if (context.contains("availabilityZones") && context["availabilityZones"].is_object() && !context["availabilityZones"].empty()) {
    return context["availabilityZones"].begin().key();
  }
  return "";
}

std::optional<std::vector<std::string>> interesting_health(const Json& context) {
  if (!context.contains("interestingHealthProviderNames") || !context["interestingHealthProviderNames"].is_array()) {
    return std::nullopt;
  }
  std::vector<std::string> names;
  for (const Json& n : context["interestingHealthProviderNames"]) {
    if (n.is_string()) names.push_back(n.get<std::string>());
  }
  return names;
}

bool instance_is_up(const providers::InstanceInfo& instance, const std::optional<std::vector<std::string>>& interesting) {
  // An empty list of interesting providers means health is ignored: every instance counts as up.
  if (interesting && interesting->empty()) return true;
  const auto counts = [&](const providers::Health& h) {
    return !interesting || std::find(interesting->begin(), interesting->end(), h.provider) != interesting->end();
  };
  bool some_up = false;
  for (const providers::Health& h : instance.health) {
    if (!counts(h)) continue;
    using providers::HealthState;
    if (h.state == HealthState::kDown || h.state == HealthState::kOutOfService || h.state == HealthState::kStarting ||
        h.state == HealthState::kDraining) {
      return false;
    }
    if (h.state == HealthState::kUp) some_up = true;
    // The platform health counts as up when it is named among the interesting providers and is
    // not Down (AWS reports a running machine as Unknown).
    if (h.platform && interesting && h.state != HealthState::kDown) some_up = true;
  }
  return some_up;
}

int target_healthy(int desired, double percent) {
  if (desired <= 0 || percent <= 0) return 0;
  const int t = static_cast<int>(std::lround(percent * desired / 100.0));
  return std::max(1, t);
}

std::unique_ptr<Task> provider_task(const char* name, ProviderCall call) {
  return std::make_unique<ProviderTask>(name, std::move(call));
}
std::unique_ptr<Task> resolve_target_task() { return std::make_unique<ResolveTargetTask>(); }
std::unique_ptr<Task> wait_for_up_instances_task() { return std::make_unique<WaitTask>(WaitTask::Kind::kUp); }
std::unique_ptr<Task> wait_for_capacity_match_task() { return std::make_unique<WaitTask>(WaitTask::Kind::kCapacity); }
std::unique_ptr<Task> wait_for_destroyed_task() { return std::make_unique<WaitTask>(WaitTask::Kind::kDestroyed); }
std::unique_ptr<Task> wait_for_disabled_task() { return std::make_unique<WaitTask>(WaitTask::Kind::kDisabled); }

}  // namespace deploysim::strategies
