// Tracked buttons and legend swatches.
#include "viz/ui/widgets.h"

#include <map>

namespace deploysim::viz {
namespace {

std::map<std::string, TrackedItem>& tracked() {
  static std::map<std::string, TrackedItem> items;
  return items;
}

}  // namespace

bool tracked_button(const char* label, const ImVec2& size) {
  const bool pressed = ImGui::Button(label, size);
  tracked()[label] = TrackedItem{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()};
  return pressed;
}

const TrackedItem* tracked_item(const std::string& label) {
  const auto it = tracked().find(label);
  return it == tracked().end() ? nullptr : &it->second;
}

void clear_tracked_items() { tracked().clear(); }

void swatch(ImU32 colour, const char* text) {
  const float h = ImGui::GetTextLineHeight();
  const ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::GetWindowDrawList()->AddRectFilled(p, ImVec2(p.x + h, p.y + h), colour);
  ImGui::Dummy(ImVec2(h, h));
  ImGui::SameLine();
  ImGui::TextUnformatted(text);
}

}  // namespace deploysim::viz
