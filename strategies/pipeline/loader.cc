// Reading Spinnaker pipeline JSON into the pipeline model, and every check Orca makes before it
// runs one (and a few it makes only when it fails at run time), all reported at once.
#include <algorithm>
#include <map>
#include <set>

#include "strategies/pipeline/cron.h"
#include "strategies/pipeline/dag.h"
#include "strategies/pipeline/triggers.h"
#include "strategies/pipeline/pipeline.h"

namespace deploysim::strategies {
namespace {

std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

// "refId 3 \"judge\" (manualJudgment)": how messages name a stage.
std::string describe(const StageConfig& s) {
  return "refId " + s.ref_id + " " + in_quotes(s.name) + " (" + s.type + ")";
}

// Orca compares refIds as strings; exported files often write them as numbers.
bool ref_as_string(const Json& value, std::string* out) {
  if (value.is_string()) {
    *out = value.get<std::string>();
    return true;
  }
  if (value.is_number_integer()) {
    *out = std::to_string(value.get<int64_t>());
    return true;
  }
  return false;
}

// A string member, or `fallback` when it is missing or not a string.
std::string string_or(const Json& j, const char* key, const std::string& fallback) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : fallback;
}

// Booleans and numbers as exported files write them: sometimes as strings ("true", "2").
bool lenient_bool(const Json& j, const char* key, bool fallback) {
  if (!j.contains(key)) return fallback;
  const Json& v = j[key];
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) return v.get<std::string>() == "true";
  return fallback;
}

int lenient_int(const Json& j, const char* key, int fallback) {
  if (!j.contains(key)) return fallback;
  const Json& v = j[key];
  // Out-of-range values fall back rather than overflow (converting them would be undefined).
  if (v.is_number()) {
    const double d = v.get<double>();
    return d >= -1e9 && d <= 1e9 ? static_cast<int>(d) : fallback;
  }
  if (v.is_string()) {
    try {
      return std::stoi(v.get<std::string>());
    } catch (...) {
      return fallback;
    }
  }
  return fallback;
}

class PipelineParser {
 public:
  PipelineParser(const std::string& source, const StageTypeSupported& supported, const StageTypeReason& reason)
      : source_(source), supported_(supported), reason_(reason) {}

  // Enabled triggers must be usable: a cron trigger's expression parses, a pattern compiles.
  void check_triggers(const Json& triggers) {
    for (size_t i = 0; i < triggers.size(); ++i) {
      const Json& t = triggers[i];
      const std::string at = "triggers[" + std::to_string(i) + "]";
      if (!t.is_object()) {
        problem(at + " must be an object");
        continue;
      }
      if (!lenient_bool(t, "enabled", false)) continue;
      const std::string type = string_or(t, "type", "");
      if (type == "cron") {
        const sim::Result<CronSchedule> cron = CronSchedule::parse(string_or(t, "cronExpression", ""));
        if (!cron.ok()) problem(at + ".cronExpression: " + cron.error().message);
      }
      for (const char* key : {"tag", "branch"}) {
        if (const std::optional<std::string> bad = pattern_problem(string_or(t, key, ""))) {
          problem(at + "." + key + ": " + *bad);
        }
      }
    }
  }

  PipelineConfig parse(const Json& json) {
    PipelineConfig p;
    prefix_ = source_ + ": ";
    if (!json.is_object()) {
      problem("a pipeline must be a JSON object");
      return p;
    }
    p.application = string_or(json, "application", "");
    p.name = string_or(json, "name", "");
    p.id = string_or(json, "id", "");
    prefix_ = source_ + ": pipeline " + in_quotes(p.name.empty() ? "(unnamed)" : p.name) + ": ";
    for (const char* key : {"triggers", "parameterConfig", "notifications"}) {
      if (json.contains(key) && !json[key].is_null() && !json[key].is_array()) {
        problem(std::string(key) + " must be an array");
      }
    }
    if (json.contains("triggers") && json["triggers"].is_array()) p.triggers = json["triggers"];
    if (json.contains("parameterConfig") && json["parameterConfig"].is_array()) p.parameter_config = json["parameterConfig"];
    if (json.contains("notifications") && json["notifications"].is_array()) p.notifications = json["notifications"];
    if (json.contains("expectedArtifacts") && json["expectedArtifacts"].is_array()) p.expected_artifacts = json["expectedArtifacts"];
    p.limit_concurrent = lenient_bool(json, "limitConcurrent", false);
    p.keep_waiting_pipelines = lenient_bool(json, "keepWaitingPipelines", false);
    p.max_concurrent_executions = lenient_int(json, "maxConcurrentExecutions", 0);
    p.disabled = lenient_bool(json, "disabled", false);
    check_triggers(p.triggers);
    if (!json.contains("stages") || !json["stages"].is_array()) {
      problem("stages must be an array of stage objects");
      return p;
    }
    for (size_t i = 0; i < json["stages"].size(); ++i) parse_stage(json["stages"][i], i, &p);
    check_references(p);
    check_types(p);
    return p;
  }

  const std::vector<std::string>& problems() const { return problems_; }

 private:
  void problem(const std::string& what) { problems_.push_back(prefix_ + what); }

  void parse_stage(const Json& json, size_t index, PipelineConfig* p) {
    const std::string where = "stages[" + std::to_string(index) + "]";
    if (!json.is_object()) {
      problem(where + " must be a JSON object");
      return;
    }
    StageConfig s;
    s.context = json;
    if (!json.contains("type") || !json["type"].is_string() || json["type"].get<std::string>().empty()) {
      problem(where + ": every stage needs a type");
    } else {
      s.type = json["type"].get<std::string>();
    }
    s.name = string_or(json, "name", s.type);
    if (!json.contains("refId") || !ref_as_string(json["refId"], &s.ref_id)) {
      problem(where + " " + in_quotes(s.name) + ": needs a refId (a string or an integer)");
      s.ref_id = "#" + std::to_string(index);
    }
    if (json.contains("requisiteStageRefIds") && !json["requisiteStageRefIds"].is_null()) {
      const Json& reqs = json["requisiteStageRefIds"];
      if (!reqs.is_array()) {
        problem(where + " " + in_quotes(s.name) + ": requisiteStageRefIds must be an array");
      } else {
        for (const Json& r : reqs) {
          std::string ref;
          if (ref_as_string(r, &ref)) {
            s.requisites.push_back(ref);
          } else {
            problem(where + " " + in_quotes(s.name) + ": requisiteStageRefIds holds " + r.dump(-1, ' ', false, Json::error_handler_t::replace) +
                    ", not a refId");
          }
        }
      }
    }
    for (const char* key : {"refId", "requisiteStageRefIds", "type", "name"}) s.context.erase(key);
    p->stages.push_back(std::move(s));
  }

  void check_references(const PipelineConfig& p) {
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < p.stages.size(); ++i) {
      const auto [it, inserted] = index.emplace(p.stages[i].ref_id, i);
      if (!inserted) {
        problem("duplicate refId " + p.stages[i].ref_id + ": " + describe(p.stages[it->second]) +
                " and " + in_quotes(p.stages[i].name) + " (" + p.stages[i].type + ")");
      }
    }
    std::vector<std::vector<int>> upstream(p.stages.size());
    bool missing = false;
    for (size_t i = 0; i < p.stages.size(); ++i) {
      for (const std::string& r : p.stages[i].requisites) {
        const auto it = index.find(r);
        if (it == index.end()) {
          problem(describe(p.stages[i]) + " depends on refId " + r + ", which no stage has");
          missing = true;
        } else {
          upstream[i].push_back(static_cast<int>(it->second));
        }
      }
    }
    if (missing) return;
    for (const std::vector<int>& cycle : find_cycles(upstream)) {
      std::string names;
      for (int s : cycle) names += (names.empty() ? "" : ", ") + describe(p.stages[size_t(s)]);
      problem("stages depend on each other in a cycle: " + names);
    }
  }

  void check_types(const PipelineConfig& p) {
    for (const StageConfig& s : p.stages) {
      if (s.type.empty() || supported_(s.type)) continue;
      problem(describe(s) + ": stage type \"" + s.type + "\" is " +
              (reason_ ? reason_(s.type) : std::string("not one deploysim runs")));
    }
  }

  const std::string& source_;
  const StageTypeSupported& supported_;
  const StageTypeReason& reason_;
  std::string prefix_;
  std::vector<std::string> problems_;
};

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

// "line L, column C" of a byte offset.
std::string position(const std::string& text, size_t byte) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

const StageConfig* PipelineConfig::stage(const std::string& ref_id) const {
  for (const StageConfig& s : stages) {
    if (s.ref_id == ref_id) return &s;
  }
  return nullptr;
}

sim::Result<PipelineConfig> parse_pipeline(const Json& json, const std::string& source,
                                           const StageTypeSupported& supported, const StageTypeReason& reason) {
  PipelineParser parser(source, supported, reason);
  PipelineConfig p = parser.parse(json);
  if (!parser.problems().empty()) return sim::invalid_argument(join(parser.problems()));
  return p;
}

sim::Result<std::vector<PipelineConfig>> load_pipelines(const std::string& text,
                                                        const std::string& source,
                                                        const StageTypeSupported& supported,
                                                        const StageTypeReason& reason) {
  Json json;
  try {
    json = Json::parse(text);
  } catch (const Json::parse_error& e) {
    // nlohmann's message names the byte; people want a line and column.
    std::string what = e.what();
    if (const size_t colon = what.rfind(": "); colon != std::string::npos) what = what.substr(colon + 2);
    return sim::invalid_argument(source + ": not valid JSON at " + position(text, e.byte > 0 ? e.byte - 1 : 0) +
                                 ": " + what);
  } catch (const Json::exception& e) {
    // Other parse failures (a number too large for a double) carry no position.
    return sim::invalid_argument(source + ": not valid JSON: " + e.what());
  }
  std::vector<Json> pipelines;
  std::string application;
  if (json.is_array()) {
    pipelines.assign(json.begin(), json.end());
  } else if (json.is_object() && json.contains("pipelines") && json["pipelines"].is_array()) {
    application = string_or(json, "application", "");  // a Dinghy file
    pipelines.assign(json["pipelines"].begin(), json["pipelines"].end());
  } else if (json.is_object() && json.contains("stages")) {
    pipelines.push_back(json);
  } else {
    return sim::invalid_argument(source + ": expected a pipeline (an object with stages), an array of "
                                          "pipelines, or a Dinghy file {\"application\", \"pipelines\": [...]}");
  }
  std::vector<PipelineConfig> out;
  std::vector<std::string> problems;
  for (Json& p : pipelines) {
    if (p.is_object() && !application.empty() && !p.contains("application")) p["application"] = application;
    PipelineParser parser(source, supported, reason);
    PipelineConfig parsed = parser.parse(p);
    problems.insert(problems.end(), parser.problems().begin(), parser.problems().end());
    out.push_back(std::move(parsed));
  }
  if (!problems.empty()) return sim::invalid_argument(join(problems));
  return out;
}

}  // namespace deploysim::strategies
