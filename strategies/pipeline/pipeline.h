// The pipeline model: Spinnaker pipeline JSON as Orca reads it. A pipeline is a DAG of stages
// linked by requisiteStageRefIds; each stage has a type, a name, and a context (every other key
// of its JSON object, which the stage type interprets). refIds are compared as strings, as Orca
// compares them, so numeric refIds in exported files are normalised.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "sim/kernel/result.h"

namespace deploysim::strategies {

using Json = nlohmann::json;

struct StageConfig {
  std::string ref_id;
  std::vector<std::string> requisites;  // refIds of upstream stages
  std::string type;
  std::string name;
  Json context;  // the stage's JSON minus refId, requisiteStageRefIds, type and name
};

struct PipelineConfig {
  std::string application;
  std::string name;
  std::string id;
  std::vector<StageConfig> stages;  // in file order
  Json triggers = Json::array();
  Json parameter_config = Json::array();
  Json notifications = Json::array();
  Json expected_artifacts = Json::array();  // expectedArtifacts: what triggers and stages bind
  // Orca's defaults when the keys are missing (ExecutionLauncher: getBoolean(null) is false).
  bool limit_concurrent = false;
  bool keep_waiting_pipelines = false;
  int max_concurrent_executions = 0;
  bool disabled = false;  // a disabled pipeline is never triggered

  // The stage with this refId, or nullptr.
  const StageConfig* stage(const std::string& ref_id) const;
};

// Which stage types the engine can run (the loader reports the others), and why one is not.
using StageTypeSupported = std::function<bool(const std::string& type)>;
using StageTypeReason = std::function<std::string(const std::string& type)>;

// Reads pipeline JSON: one pipeline object, an array of them, or a Dinghy wrapper
// {"application", "pipelines": [...]} (whose application fills pipelines that lack one). Checks
// every pipeline: each stage has a type and a refId, refIds are unique, requisites exist, the
// stages form a DAG, and every type is supported. Errors list every problem at once, one per
// line, "<source>: pipeline \"<name>\": ..." naming the stages (refId, name, type) involved.
sim::Result<std::vector<PipelineConfig>> load_pipelines(const std::string& text,
                                                        const std::string& source,
                                                        const StageTypeSupported& supported,
                                                        const StageTypeReason& reason = nullptr);

// The same checks on one already-parsed pipeline object.
sim::Result<PipelineConfig> parse_pipeline(const Json& json, const std::string& source,
                                           const StageTypeSupported& supported,
                                           const StageTypeReason& reason = nullptr);

}  // namespace deploysim::strategies
