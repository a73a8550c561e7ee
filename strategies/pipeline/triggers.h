// Triggers: which pipelines an outside event starts, as Spinnaker's Echo decides, and the trigger
// object each execution then sees (`trigger` in expressions).
//
// A pipeline is triggered by an event when it is not disabled and one of its enabled triggers
// (`enabled: true`; Echo treats a missing flag as false) has the event's type and matches it:
//   docker:   account, registry and repository equal where the trigger sets them; the trigger's
//             `tag`, a regular expression, matches the whole event tag (no tag: any tag);
//   jenkins, travis, wercker, concourse: master and job equal, and the build succeeded (the
//             event's `result`, default SUCCESS);
//   git:      source, project and slug equal; `branch`, a regular expression, matches the branch;
//   webhook:  source equal; every payloadConstraints entry, a regular expression, matches the
//             payload value of the same key;
//   pipeline: see pipeline_triggered();
//   any other type: every text field both the trigger and the event set is equal.
// Cron triggers are schedules, not events: see cron.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "strategies/pipeline/pipeline.h"
#include "strategies/pipeline/status.h"

namespace deploysim::strategies {

// An outside event: its type and fields (repository, tag, master, job, buildNumber, source,
// branch, payload, ...).
struct TriggerEvent {
  std::string type;
  Json fields = Json::object();
};

// The enabled triggers of `pipeline` that `event` matches (empty when the pipeline is disabled).
std::vector<const Json*> matching_triggers(const PipelineConfig& pipeline, const TriggerEvent& event);

// The trigger object of an execution started by `trigger` (one of the pipeline's triggers) for
// `event`: the trigger's configuration with the event's fields over it.
Json trigger_object(const Json& trigger, const TriggerEvent& event);

// The pipeline triggers of `pipeline` that fire when an execution of `upstream` ends with
// `status`: the trigger's `pipeline` is upstream's id, its `application` (when set) upstream's
// application, and its `status` list names the outcome (successful: SUCCEEDED; failed: TERMINAL;
// canceled: CANCELED).
std::vector<const Json*> pipeline_triggered(const PipelineConfig& pipeline, const PipelineConfig& upstream,
                                            Status status);

// What is wrong with a trigger's regular expression (tag, branch, payload constraint), or nullopt
// when it compiles (an empty pattern matches anything).
std::optional<std::string> pattern_problem(const std::string& pattern);

// The enabled triggers of `pipeline` of this type, e.g. "cron" (empty when the pipeline is
// disabled).
std::vector<const Json*> enabled_triggers(const PipelineConfig& pipeline, const std::string& type);

}  // namespace deploysim::strategies
