// What the server group stages share: finding the cluster and region a stage acts on, resolving
// its target server group when the stage starts (Orca's determineTargetServerGroup, by creation
// time), calling the provider with retries on throttling and transient errors, and Orca's health
// rules for "instances up" (HealthHelper.someAreUpAndNoneAreDownOrStarting) and "capacity matches".
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "providers/cloud_provider.h"
#include "strategies/pipeline/execution.h"
#include "strategies/pipeline/stage.h"

namespace deploysim::strategies {

// The cluster a stage names: "cluster", else moniker.cluster, else app[-stack[-detail]].
std::string cluster_of(const Json& context);
// The first region a stage names: regions[0], region, or the first key of availabilityZones.
std::string region_of(const Json& context);

// A string member of a JSON object, or "" when it is missing or not a string.
std::string string_field(const Json& j, const char* key);

// A numeric member of a JSON object (a number, or a string holding one, as pipelines written by
// hand and by expressions have both), or nullopt; "" (Deck's unset field) is nullopt too.
std::optional<double> number_field(const Json& j, const char* key);

// A whole-number member, read as number_field reads it and truncated (as Orca's Jackson mapping
// coerces), or nullopt when missing, not a number, or beyond a billion.
std::optional<int> int_field(const Json& j, const char* key);

// A boolean member as Orca reads one (true/false, "true"/"false"), or `fallback` when missing.
bool flag_field(const Json& j, const char* key, bool fallback = false);

// The artifact a stage deploys: its own artifact / amiName / imageId / image, else the trigger's.
std::string artifact_of(const Json& context, const Json& trigger);

// What a failed provider call means for its task: throttled and transient errors are retried
// every 5 s for 15 minutes from the first try; anything else fails TERMINAL with the message.
TaskOutcome retry_or_fail(const providers::OpResult& result, sim::TimePoint first_try, sim::TimePoint now,
                          const std::string& what);

// Orca's healthy-instance rule over the interesting health providers (nullopt: every provider).
bool instance_is_up(const providers::InstanceInfo& instance,
                    const std::optional<std::vector<std::string>>& interesting);
std::optional<std::vector<std::string>> interesting_health(const Json& context);

// targetHealthyDeployPercentage p: round(p * desired / 100), never 0 when p > 0 and desired > 0.
int target_healthy(int desired, double percent);

// Runs `call` (one provider operation) and retries throttled and transient errors with backoff
// (5 s) for up to 15 minutes; other errors fail the task TERMINAL with the provider's message.
using ProviderCall = std::function<void(TaskContext&, std::function<void(const providers::OpResult&)>)>;
std::unique_ptr<Task> provider_task(const char* name, ProviderCall call);

// A task that resolves the stage's target (context "target", or "serverGroupName"/"asgName") to a
// server group name, stored in the stage context as "serverGroupName" (and outputs).
std::unique_ptr<Task> resolve_target_task();

// Waits until the named group (context "serverGroupName") has its desired instances up:
// Orca's WaitForUpInstancesTask (polls every 10 s, 2 h timeout).
std::unique_ptr<Task> wait_for_up_instances_task();

// Waits until the group's instance count equals its desired size and, if enabled, they are up:
// Orca's WaitForCapacityMatchTask.
std::unique_ptr<Task> wait_for_capacity_match_task();

// Waits until the group no longer exists (after a destroy).
std::unique_ptr<Task> wait_for_destroyed_task();

// Waits until the group is disabled and none of its instances is Up in a load balancer.
std::unique_ptr<Task> wait_for_disabled_task();

// The named group's current entry in a described cluster, or nullptr.
const providers::ServerGroupInfo* find_group(const providers::ClusterInfo& cluster, const std::string& name);

// Describes the stage's cluster and hands it to `check`; cloud errors are retried with backoff.
using ClusterCheck = std::function<TaskOutcome(const providers::ClusterInfo&)>;
void with_cluster(TaskContext& c, std::function<void(TaskOutcome)> done, ClusterCheck check);

}  // namespace deploysim::strategies
