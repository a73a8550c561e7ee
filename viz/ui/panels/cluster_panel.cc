// The cluster panel: each server group at the cursor as a row (version, capacity, how many of its
// instances run and serve) over a grid of cells, one per instance, filled by its lifecycle and
// platform health, with a strip along the bottom coloured by the first load balancer's view of it
// (its membership). Built for a thousand instances: rows and cell lines out of view are not drawn,
// and the hovered cell is found by arithmetic instead of one widget per cell.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <imgui.h>

#include "viz/ui/colors.h"
#include "viz/ui/panels.h"
#include "viz/ui/plot.h"

namespace deploysim::viz {
namespace {

// A terminated instance keeps its cell this long, so that a crash or a scale-down is seen before
// its cell goes.
constexpr Micros kTerminatedShown = 60'000'000;
constexpr float kCell = 11;
constexpr float kCellGap = 3;
constexpr float kCellPitch = kCell + kCellGap;
constexpr float kStrip = 3;
constexpr float kPadding = 4;
constexpr int kDimmedAlpha = 90;
constexpr ImU32 kSelectedRow = IM_COL32(255, 220, 0, 30);
constexpr ImU32 kHoveredRow = IM_COL32(255, 255, 255, 12);

struct LifecycleEntry {
  InstanceState state;
  PlatformHealth health;
  const char* label;
};
constexpr LifecycleEntry kLifecycleLegend[] = {
    {InstanceState::kPending, PlatformHealth::kUnknown, "pending"},
    {InstanceState::kBooting, PlatformHealth::kStarting, "booting"},
    {InstanceState::kRunning, PlatformHealth::kStarting, "running, starting"},
    {InstanceState::kRunning, PlatformHealth::kUp, "running, up"},
    {InstanceState::kRunning, PlatformHealth::kDown, "running, down"},
    {InstanceState::kDraining, PlatformHealth::kUnknown, "draining"},
    {InstanceState::kTerminated, PlatformHealth::kUnknown, "terminated"},
};
struct TargetEntry {
  TargetHealth health;
  const char* label;
};
constexpr TargetEntry kTargetLegend[] = {
    {TargetHealth::kUnregistered, "strip: not registered"},
    {TargetHealth::kInitial, "initial"},
    {TargetHealth::kInService, "in service"},
    {TargetHealth::kUnhealthy, "unhealthy"},
    {TargetHealth::kDraining, "draining"},
};

InstanceTrack::Lifecycle lifecycle_at(const InstanceTrack& instance, Micros t) {
  const InstanceTrack::Lifecycle* l = instance.lifecycle.at(t);
  return l == nullptr ? InstanceTrack::Lifecycle{} : *l;
}

TargetHealth target_at(const Changes<TargetHealth>& changes, Micros t) {
  const TargetHealth* h = changes.at(t);
  return h == nullptr ? TargetHealth::kUnregistered : *h;
}

// A server group as the cursor sees it.
struct GroupView {
  uint32_t index = 0;
  const ServerGroupTrack* group = nullptr;
  const ServerGroupTrack::Capacity* capacity = nullptr;  // null before its first record
  std::string action;                                    // the last capacity change's
  std::vector<uint32_t> instances;                       // indices into TraceStore::instances()
  int running = 0;
  int in_service = 0;
  bool dimmed = false;  // being destroyed, or gone
};

GroupView view_of(const TraceStore& store, uint32_t index, Micros cursor) {
  GroupView v;
  v.index = index;
  v.group = &store.server_groups()[index];
  v.capacity = v.group->capacity.at(cursor);
  if (v.capacity != nullptr) v.action = store.names()[v.capacity->action];
  v.dimmed = v.action == "destroying" || v.action == "destroyed";
  // Instances are in first-seen order: those seen by the cursor are a prefix.
  const std::vector<uint32_t>& all = v.group->instances;
  const auto seen = std::upper_bound(all.begin(), all.end(), cursor,
                                     [&](Micros t, uint32_t i) { return t < store.instances()[i].first_seen; });
  for (auto it = all.begin(); it != seen; ++it) {
    const InstanceTrack& instance = store.instances()[*it];
    const auto* change = instance.lifecycle.change_at(cursor);
    if (change != nullptr && change->value.state == InstanceState::kTerminated && cursor - change->at > kTerminatedShown) continue;
    v.instances.push_back(*it);
    v.running += change != nullptr && change->value.state == InstanceState::kRunning;
    v.in_service += std::any_of(instance.targets.begin(), instance.targets.end(),
                                [&](const auto& target) { return target_at(target.second, cursor) == TargetHealth::kInService; });
  }
  return v;
}

std::string title_of(const TraceStore& store, const GroupView& v) {
  std::string title = store.names()[v.group->name];
  // A group first seen through an instance record has no version or region until its own record.
  if (v.capacity != nullptr) title += "  " + store.names()[v.group->version] + "  " + store.names()[v.group->region];
  if (v.action == "destroyed" && v.group->destroyed) {
    title += "  destroyed at " + format_time(*v.group->destroyed);
  } else if (v.action == "destroying") {
    title += "  destroying";
  }
  return title;
}

std::string summary_of(const GroupView& v) {
  char b[160];
  if (v.capacity == nullptr) {
    std::snprintf(b, sizeof(b), "capacity not recorded yet   %d running, %d in service", v.running, v.in_service);
  } else {
    std::snprintf(b, sizeof(b), "min/desired/max %d/%d/%d, %s   %d running, %d in service", v.capacity->min, v.capacity->desired,
                  v.capacity->max, v.capacity->enabled ? "enabled" : "disabled", v.running, v.in_service);
  }
  return b;
}

void draw_legend() {
  plot::FlowLegend legend;
  for (const LifecycleEntry& e : kLifecycleLegend) legend.add(colors::lifecycle(e.state, e.health), e.label);
  for (const TargetEntry& e : kTargetLegend) legend.add(colors::target(e.health), e.label);
}

void draw_instance_tooltip(const TraceStore& store, const InstanceTrack& instance, Micros cursor) {
  const InstanceTrack::Lifecycle l = lifecycle_at(instance, cursor);
  ImGui::BeginTooltip();
  ImGui::TextUnformatted(store.names()[instance.name].c_str());
  ImGui::TextColored(ImColor(colors::kDimText), "zone %s, first seen %s", store.names()[instance.zone].c_str(),
                     format_time(instance.first_seen).c_str());
  ImGui::TextColored(ImColor(colors::lifecycle(l.state, l.health)), "%s, %s", name_of(l.state), name_of(l.health));
  for (const auto& [load_balancer, health] : instance.targets) {
    const TargetHealth h = target_at(health, cursor);
    ImGui::TextColored(ImColor(colors::target(h)), "%s: %s", store.names()[load_balancer].c_str(), name_of(h));
  }
  if (instance.targets.empty()) ImGui::TextColored(ImColor(colors::kDimText), "behind no load balancer");
  ImGui::EndTooltip();
}

// Cells in lines of `columns` from `top_left`: only the lines inside the clip rectangle are drawn.
// Returns the instance under the mouse, or -1.
int draw_cells(const TraceStore& store, const GroupView& v, ImVec2 top_left, int columns, Micros cursor, bool hovered) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const int count = static_cast<int>(v.instances.size());
  const int lines = (count + columns - 1) / columns;
  const int first = std::max(0, static_cast<int>(std::floor((draw->GetClipRectMin().y - top_left.y) / kCellPitch)));
  const int last = std::min(lines, static_cast<int>(std::ceil((draw->GetClipRectMax().y - top_left.y) / kCellPitch)));
  for (int i = first * columns; i < std::min(count, last * columns); ++i) {
    const InstanceTrack& instance = store.instances()[v.instances[static_cast<size_t>(i)]];
    const InstanceTrack::Lifecycle l = lifecycle_at(instance, cursor);
    const TargetHealth membership = instance.targets.empty() ? TargetHealth::kUnregistered : target_at(instance.targets.front().second, cursor);
    const ImVec2 min(top_left.x + static_cast<float>(i % columns) * kCellPitch, top_left.y + static_cast<float>(i / columns) * kCellPitch);
    const ImVec2 max(min.x + kCell, min.y + kCell);
    const ImU32 fill = colors::lifecycle(l.state, l.health), strip = colors::target(membership);
    draw->AddRectFilled(min, ImVec2(max.x, max.y - kStrip), v.dimmed ? plot::with_alpha(fill, kDimmedAlpha) : fill);
    draw->AddRectFilled(ImVec2(min.x, max.y - kStrip), max, v.dimmed ? plot::with_alpha(strip, kDimmedAlpha) : strip);
  }
  if (!hovered) return -1;
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const float dx = mouse.x - top_left.x, dy = mouse.y - top_left.y;
  if (dx < 0 || dy < 0 || std::fmod(dx, kCellPitch) > kCell || std::fmod(dy, kCellPitch) > kCell) return -1;
  const int column = static_cast<int>(dx / kCellPitch), line = static_cast<int>(dy / kCellPitch);
  const int i = line * columns + column;
  return column < columns && i < count ? static_cast<int>(v.instances[static_cast<size_t>(i)]) : -1;
}

// One group's row at the layout cursor; a click selects the group.
void draw_group(PanelContext& context, const GroupView& v, float width) {
  const TraceStore& store = context.store;
  const float line = ImGui::GetTextLineHeight();
  const int columns = std::max(1, static_cast<int>((width - 2 * kPadding + kCellGap) / kCellPitch));
  const int lines = (static_cast<int>(v.instances.size()) + columns - 1) / columns;
  const ImVec2 min = ImGui::GetCursorScreenPos();
  const ImVec2 size(width, 2 * line + 3 * kPadding + static_cast<float>(lines) * kCellPitch);
  const ImVec2 max(min.x + size.x, min.y + size.y);
  if (!ImGui::IsRectVisible(min, max)) {
    ImGui::Dummy(size);
    return;
  }
  ImGui::PushID(static_cast<int>(v.index));
  if (ImGui::InvisibleButton("group", size)) context.view.selected_group = static_cast<int>(v.index);
  ImGui::PopID();
  const bool hovered = ImGui::IsItemHovered();
  const bool selected = context.view.selected_group == static_cast<int>(v.index);

  ImDrawList* draw = ImGui::GetWindowDrawList();
  if (selected || hovered) draw->AddRectFilled(min, max, selected ? kSelectedRow : kHoveredRow);
  if (selected) draw->AddRect(min, max, colors::kCursor);
  const ImU32 title = v.dimmed ? colors::kDimText : colors::kText;
  draw->AddText(ImVec2(min.x + kPadding, min.y + kPadding), title, title_of(store, v).c_str());
  draw->AddText(ImVec2(min.x + kPadding, min.y + kPadding + line), colors::kDimText, summary_of(v).c_str());
  const ImVec2 cells(min.x + kPadding, min.y + 2 * kPadding + 2 * line);
  const int instance = draw_cells(store, v, cells, columns, context.view.cursor, hovered);
  if (instance >= 0) draw_instance_tooltip(store, store.instances()[static_cast<size_t>(instance)], context.view.cursor);
}

}  // namespace

void draw_cluster_panel(PanelContext& context) {
  const TraceStore& store = context.store;
  const Micros cursor = context.view.cursor;
  draw_legend();
  if (!ImGui::BeginChild("groups", ImVec2(0, 0))) {
    ImGui::EndChild();
    return;
  }
  const float width = std::max(ImGui::GetContentRegionAvail().x, 1.0f);
  int shown = 0;
  for (uint32_t g = 0; g < store.server_groups().size(); ++g) {
    if (store.server_groups()[g].created > cursor) continue;
    draw_group(context, view_of(store, g, cursor), width);
    ++shown;
  }
  if (shown == 0) ImGui::TextColored(ImColor(colors::kDimText), "no server group at %s", format_time(cursor).c_str());
  ImGui::EndChild();
}

}  // namespace deploysim::viz
