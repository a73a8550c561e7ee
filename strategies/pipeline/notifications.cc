// Matching configured notifications to events and writing their text.
#include "strategies/pipeline/notifications.h"

namespace deploysim::strategies {
namespace {

std::string text_of(const Json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

bool listed(const Json& when, const std::string& event) {
  if (when.is_string()) return when.get<std::string>() == event;
  if (!when.is_array()) return false;
  for (const Json& w : when) {
    if (w.is_string() && w.get<std::string>() == event) return true;
  }
  return false;
}

}  // namespace

std::vector<NotificationMessage> notifications_for(const Json& configured, const std::string& event,
                                                   const std::string& description) {
  std::vector<NotificationMessage> out;
  if (!configured.is_array()) return out;
  for (const Json& n : configured) {
    if (!n.is_object() || !n.contains("when") || !listed(n["when"], event)) continue;
    NotificationMessage m;
    m.type = text_of(n, "type");
    m.address = text_of(n, "address");
    m.event = event;
    m.text = description;
    if (n.contains("message") && n["message"].is_object() && n["message"].contains(event)) {
      const std::string custom = text_of(n["message"][event], "text");
      if (!custom.empty()) m.text += "\n" + custom;
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace deploysim::strategies
