// Echo's trigger matching, for the event types scenarios send.
#include "strategies/pipeline/triggers.h"

#include <regex>

namespace deploysim::strategies {
namespace {

std::string text(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  const Json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return "";
}

bool enabled(const Json& trigger) {
  if (!trigger.is_object() || !trigger.contains("enabled")) return false;
  const Json& e = trigger["enabled"];
  return e.is_boolean() ? e.get<bool>() : (e.is_string() && e.get<std::string>() == "true");
}

// Equal where the trigger sets the field (a trigger that leaves it out accepts any value).
bool same(const Json& trigger, const Json& event, const char* key) {
  const std::string want = text(trigger, key);
  return want.empty() || want == text(event, key);
}

// The whole of `value` matches `pattern`; an empty pattern matches anything.
bool matches(const std::string& pattern, const std::string& value) {
  if (pattern.empty()) return true;
  try {
    return std::regex_match(value, std::regex(pattern, std::regex::ECMAScript));
  } catch (const std::regex_error&) {
    return false;  // the loader reports bad patterns of enabled triggers
  }
}

bool is_build_system(const std::string& type) {
  return type == "jenkins" || type == "travis" || type == "wercker" || type == "concourse";
}

bool trigger_matches(const Json& t, const TriggerEvent& event) {
  const Json& e = event.fields;
  if (event.type == "docker") {
    return same(t, e, "account") && same(t, e, "registry") && same(t, e, "repository") && matches(text(t, "tag"), text(e, "tag"));
  }
  if (is_build_system(event.type)) {
    const std::string result = text(e, "result").empty() ? "SUCCESS" : text(e, "result");
    return same(t, e, "master") && same(t, e, "job") && result == "SUCCESS";
  }
  if (event.type == "git") {
    return same(t, e, "source") && same(t, e, "project") && same(t, e, "slug") && matches(text(t, "branch"), text(e, "branch"));
  }
  if (event.type == "webhook") {
    if (!same(t, e, "source")) return false;
    if (t.contains("payloadConstraints") && t["payloadConstraints"].is_object()) {
      const Json payload = e.contains("payload") ? e["payload"] : Json::object();
      for (auto it = t["payloadConstraints"].begin(); it != t["payloadConstraints"].end(); ++it) {
        if (!it.value().is_string() || !payload.contains(it.key())) return false;
        if (!matches(it.value().get<std::string>(), text(payload, it.key().c_str()))) return false;
      }
    }
    return true;
  }
  // Any other type: the text fields both sides set agree.
  for (auto it = t.begin(); it != t.end(); ++it) {
    if (it.key() == "type" || it.key() == "enabled" || !it.value().is_string() || !e.contains(it.key())) continue;
    if (text(e, it.key().c_str()) != it.value().get<std::string>()) return false;
  }
  return true;
}

// The outcome names pipeline triggers list.
const char* outcome(Status status) {
  switch (status) {
    case Status::kSucceeded: return "successful";
    case Status::kTerminal: return "failed";
    case Status::kCanceled: return "canceled";
    default: return "";
  }
}

}  // namespace

std::vector<const Json*> matching_triggers(const PipelineConfig& pipeline, const TriggerEvent& event) {
  std::vector<const Json*> out;
  if (pipeline.disabled) return out;
  for (const Json& t : pipeline.triggers) {
    if (enabled(t) && text(t, "type") == event.type && event.type != "cron" && event.type != "pipeline" &&
        trigger_matches(t, event)) {
      out.push_back(&t);
    }
  }
  return out;
}

Json trigger_object(const Json& trigger, const TriggerEvent& event) {
  Json out = trigger.is_object() ? trigger : Json::object();
  if (event.fields.is_object()) {
    for (auto it = event.fields.begin(); it != event.fields.end(); ++it) out[it.key()] = it.value();
  }
  out["type"] = event.type;
  return out;
}

std::vector<const Json*> pipeline_triggered(const PipelineConfig& pipeline, const PipelineConfig& upstream, Status status) {
  std::vector<const Json*> out;
  const std::string wanted = outcome(status);
  if (pipeline.disabled || wanted.empty()) return out;
  for (const Json& t : pipeline.triggers) {
    if (!enabled(t) || text(t, "type") != "pipeline") continue;
    const std::string id = text(t, "pipeline");
    if (id.empty() || (id != upstream.id && (!upstream.id.empty() || id != upstream.name))) continue;
    if (!text(t, "application").empty() && text(t, "application") != upstream.application) continue;
    bool listed = false;
    if (t.contains("status") && t["status"].is_array()) {
      for (const Json& s : t["status"]) listed = listed || (s.is_string() && s.get<std::string>() == wanted);
    }
    if (listed) out.push_back(&t);
  }
  return out;
}

std::vector<const Json*> enabled_triggers(const PipelineConfig& pipeline, const std::string& type) {
  std::vector<const Json*> out;
  if (pipeline.disabled) return out;
  for (const Json& t : pipeline.triggers) {
    if (enabled(t) && text(t, "type") == type) out.push_back(&t);
  }
  return out;
}

std::optional<std::string> pattern_problem(const std::string& pattern) {
  if (pattern.empty()) return std::nullopt;
  if (pattern.size() > 1000) return "a pattern of " + std::to_string(pattern.size()) + " characters is too long (at most 1000)";
  try {
    std::regex compiled(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return "\"" + pattern + "\" is not a valid regular expression (" + e.what() + ")";
  }
  return std::nullopt;
}

}  // namespace deploysim::strategies
