// What deploysim does with each field of each stage type: the table docs/stages.md is generated
// from (`deploysim stages --markdown`) and `deploysim validate` checks pipelines against. A field
// is supported (it changes what the stage does here), ignored (accepted, no effect in simulation:
// UI state, accounts, machine details), or unsupported (it would change Spinnaker's behaviour,
// and deploysim does not model it: a warning). Any other field of a supported stage is a warning
// (a typo, usually); a type deploysim does not run is an error, with the reason for the legacy
// types real exports still carry.
#pragma once

#include <string>
#include <vector>

#include "strategies/pipeline/pipeline.h"

namespace deploysim::strategies {

struct StageFields {
  std::string type;
  std::string summary;  // one line: what the stage does here
  std::vector<std::string> supported;
  std::vector<std::string> ignored;
  std::vector<std::string> unsupported;
  bool synthetic = false;  // planned by other stages, not written in pipelines (but accepted)
  std::string refusal;     // non-empty: deploysim does not run this type, and why
};

// Every stage type deploysim knows, by type name: the ones it runs and the refused ones.
const std::vector<StageFields>& stage_field_table();
const StageFields* stage_fields(const std::string& type);
// Fields every stage may have (Orca's built-in stage properties), supported and ignored.
const std::vector<std::string>& common_supported_fields();
const std::vector<std::string>& common_ignored_fields();

// Why a stage type is not run: the table's refusal, or a pointer to the table for unknown types.
std::string unsupported_type_reason(const std::string& type);

// Warnings about the pipeline's stage fields, one line each, naming the file, pipeline, stage and
// field: unknown fields and unsupported ones.
std::vector<std::string> check_stage_fields(const PipelineConfig& pipeline, const std::string& source);

// docs/stages.md.
std::string stages_markdown();

}  // namespace deploysim::strategies
