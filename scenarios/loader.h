// Loading scenario files: JSON through protobuf's JSON mapping (scenarios/scenario.proto), then
// every rule that spans fields, then translation into the world's configuration. Every problem is
// reported at once, each with the file, the field path and what was expected, so a user fixes a
// file in one pass.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sim/kernel/result.h"
#include "sim/kernel/time.h"
#include "sim/world/config.h"
#include "strategies/canary/canary_config.h"

namespace deploysim::scenarios {

// The pipeline a scenario runs, with its trigger and the world around it (operators, external
// systems).
struct PipelinePlan {
  std::string json;     // Spinnaker pipeline JSON (inline, or the file's contents)
  std::string source;   // names it in messages: the pipeline file, or "<scenario>: pipeline"
  std::string name;     // which pipeline, when the JSON holds several ("": the first)
  // One trigger of the scenario: a manual start of the chosen pipeline, the file's cron schedules,
  // or an outside event for every pipeline of the file.
  struct Trigger {
    std::string type = "manual";
    std::vector<sim::Duration> at;  // every run time it fires (none for cron)
    std::string artifact;           // what deploy stages deploy
    std::string parameters_json = "{}";
    std::string event_json = "{}";  // the event's fields
    std::string artifacts_json = "[]";  // the artifacts it brings
  };
  std::vector<Trigger> triggers;
  int64_t start_epoch = 0;  // seconds since 1970 UTC at run time 0, for cron schedules
  // Orca's tasks.disable-cluster-min-time-millis.
  sim::Duration disable_cluster_min_time = sim::Duration::seconds(90);
  struct Rule {
    std::string cluster;
    std::string region;
    std::string metric = "error_rate";
    sim::Duration window = sim::Duration::minutes(5);
    double above_ratio = 2;
    std::string candidate = "current_asg_dynamic";
    std::string baseline = "ancestor_asg_dynamic";
    std::string then_input = "rollback";
    std::string else_input = "continue";
  };
  struct Judgment {
    std::string stage;
    std::string input;
    std::string status = "continue";
    sim::Duration after = sim::Duration::minutes(2);
    std::optional<Rule> rule;  // decides the input from metrics when present
  };
  std::vector<Judgment> judgments;
  struct External {
    std::string stage;  // a stage name, or empty to match by type
    std::string type;
    sim::Duration duration = sim::Duration::seconds(30);
    bool fails = false;
    std::string outputs_json = "{}";  // the stage's outputs when it succeeds
  };
  std::vector<External> external;
  std::string kubernetes_manifests_json = "[]";  // applied at time 0
  std::string kubernetes_application;
  // The canary configs kayentaCanary stages name, each metric mapped onto a world series.
  std::vector<canary::StoredCanaryConfig> canary_configs;
};

struct LoadedScenario {
  std::filesystem::path path;
  std::string name;       // the file's "name", or its file name without extension
  std::string text;       // the file exactly as read (stored in traces for replay)
  uint64_t seed = 0;
  sim::Duration duration;
  world::WorldConfig world;
  std::optional<PipelinePlan> pipeline;
  // What is suspicious but not wrong: unknown or unmodelled fields of the pipeline's stages.
  std::vector<std::string> warnings;
  // The invariant checkers' settings (scenarios/checkers.h).
  struct Checks {
    int healthy_floor = 1;
    std::vector<std::string> allow;
    std::vector<std::string> expect_violations;
  };
  Checks checks;
  // The scorecard's settings (scenarios/scorecard.h): the version under test and the SLO.
  std::string candidate;  // "" when the scenario has none
  double availability = 0.999;
  // What `deploysim test` expects (docs/scorecard.md, "Expectations").
  struct Bound {
    std::string name;  // a scorecard figure; for sweeps "<figure>.<statistic>" or "rate.<name>"
    std::optional<double> min, max;
  };
  struct Expectations {
    std::string outcome;           // "" when not expected
    std::string execution_status;  // ""
    std::optional<bool> verdict_correct;
    std::vector<Bound> bounds;
    int sweep_seeds = 0;           // 0: no sweep expectations
    std::vector<Bound> sweep_bounds;
  };
  Expectations expect;
  bool has_expectations = false;
  // Names of the scenario's variants (`deploysim compare`), in file order.
  std::vector<std::string> variants;
  std::string variant;  // the variant this is, "" for the scenario itself
};

// Reads and validates a scenario file. Errors (kInvalidArgument, or kIo when the file cannot be
// read): the message holds one line per problem, "<file>: <field path>: <what is wrong>".
// With `variant`, the named variant's patch is merged in first.
sim::Result<LoadedScenario> load_scenario(const std::filesystem::path& path, const std::string& variant = "");

// The same, from text already in memory; `path` names it in messages and anchors relative paths
// (CSV rate files, the files a scenario extends).
sim::Result<LoadedScenario> parse_scenario(const std::string& text, const std::filesystem::path& path,
                                           const std::string& variant = "");

}  // namespace deploysim::scenarios
