// Small widgets the panels share. Buttons that matter for live actions are "tracked": their
// rectangles from the last frame can be looked up by label, which is how the logic tests click
// them (1.86 has no test engine: they move io.MousePos there and press io.MouseDown[0]).
#pragma once

#include <string>

#include <imgui.h>

namespace deploysim::viz {

// ImGui::Button, remembering where it was drawn under `label` (the whole label, "##" part included).
bool tracked_button(const char* label, const ImVec2& size = ImVec2(0, 0));
struct TrackedItem {
  ImVec2 min, max;
  ImVec2 center() const { return ImVec2((min.x + max.x) / 2, (min.y + max.y) / 2); }
};
// The rectangle of the tracked button `label` in the last frame that drew it, or null.
const TrackedItem* tracked_item(const std::string& label);
// Forgets every tracked rectangle (each frame begins with this).
void clear_tracked_items();

// A small coloured square followed by `text` (legends).
void swatch(ImU32 colour, const char* text);

}  // namespace deploysim::viz
