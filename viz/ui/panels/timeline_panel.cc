// The timeline panel: playback over the run's time (play, speed, follow, step, scrub) and a Gantt
// chart of the stages, each top-level stage followed by the synthetic stages Orca ran under it, on
// a time axis with the run's faults, rollbacks and operator actions marked. Bars span a stage's
// whole recorded run and take the colour of its status at the cursor, so scrubbing shows the
// pipeline's progress. In compare mode the second run's stages follow on the same axis.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <imgui.h>

#include "viz/ui/colors.h"
#include "viz/ui/panels.h"
#include "viz/ui/plot.h"

namespace deploysim::viz {
namespace {

constexpr double kSpeeds[] = {1, 10, 60, 100, 600, 1000, 10000};
constexpr Micros kLeastSpan = 1'000'000;  // the deepest zoom
constexpr double kZoomPerNotch = 0.8;
constexpr float kLeastSliderWidth = 120;
constexpr float kAxisPadding = 6;
constexpr float kIndent = 12;
constexpr float kBarInset = 3;
constexpr float kLeastBarWidth = 2;
constexpr float kMarkerSize = 7;
constexpr float kMarkerReach = 4;  // pixels either side of the mouse a marker's tooltip answers for
constexpr long kMarkerLines = 8;   // marker texts one tooltip lists
// Synthetic stages nest; a malformed trace whose parents loop must not recurse for ever.
constexpr int kMaxNesting = 16;
constexpr ImU32 kSelectedRow = IM_COL32(255, 220, 0, 40);
constexpr ImU32 kHoveredRow = IM_COL32(255, 255, 255, 14);

// One row of the chart: a stage of one run, or (stage -1) the heading of the compared run.
struct GanttRow {
  const TraceStore* store = nullptr;
  int stage = -1;  // index into store->stages()
  int depth = 0;   // 0 at top level
};

using Children = std::unordered_map<std::string_view, std::vector<uint32_t>>;

void append_subtree(const TraceStore& store, const Children& children, uint32_t stage, int depth, std::vector<GanttRow>& rows) {
  rows.push_back({&store, static_cast<int>(stage), depth});
  const auto it = children.find(store.stages()[stage].stage_id);
  if (it == children.end() || depth >= kMaxNesting) return;
  for (const uint32_t child : it->second) append_subtree(store, children, child, depth + 1, rows);
}

// Each execution's stages in first-seen order, each top-level stage followed by those under it. A
// stage whose parent has no record yet shows at top level rather than not at all.
void append_stage_rows(const TraceStore& store, std::vector<GanttRow>& rows) {
  const std::vector<StageTrack>& stages = store.stages();
  for (const ExecutionTrack& execution : store.executions()) {
    std::unordered_set<std::string_view> recorded;
    for (const uint32_t s : execution.stages) recorded.insert(stages[s].stage_id);
    Children children;
    for (const uint32_t s : execution.stages) {
      if (recorded.contains(stages[s].parent)) children[stages[s].parent].push_back(s);
    }
    for (const uint32_t s : execution.stages) {
      if (!recorded.contains(stages[s].parent)) append_subtree(store, children, s, 0, rows);
    }
  }
}

std::string run_name(const TraceStore& store) {
  if (!store.header().scenario_name().empty()) return store.header().scenario_name();
  return store.path().empty() ? std::string("compared run") : store.path().filename().string();
}

std::optional<Micros> next_stage_change(const TraceStore& store, Micros after) {
  std::optional<Micros> next;
  for (const StageTrack& stage : store.stages()) {
    const auto& changes = stage.status.changes;
    const auto it = std::upper_bound(changes.begin(), changes.end(), after, [](Micros t, const auto& c) { return t < c.at; });
    if (it != changes.end() && (!next || it->at < *next)) next = it->at;
  }
  return next;
}

void move_cursor(ViewState& view, Micros t) {
  view.cursor = t;
  view.follow = false;
}

// A live run steps its simulation, and the cursor follows to show the step; a recorded one moves
// the cursor to the next recorded time.
void step_to_next_event(PanelContext& context) {
  if (context.live != nullptr && context.live->step) {
    context.live->step();
    context.view.follow = true;
    return;
  }
  const size_t next = context.store.first_event_at_or_after(context.view.cursor + 1);
  if (next < context.store.event_count()) move_cursor(context.view, context.store.event_time(next));
}

void draw_speed_selector(ViewState& view) {
  char current[32];
  std::snprintf(current, sizeof(current), "%gx", view.speed);
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("10000x").x + ImGui::GetFrameHeight() + 2 * ImGui::GetStyle().FramePadding.x);
  if (ImGui::BeginCombo("##speed", current)) {
    for (const double speed : kSpeeds) {
      char label[32];
      std::snprintf(label, sizeof(label), "%gx", speed);
      if (ImGui::Selectable(label, speed == view.speed)) view.speed = speed;
    }
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("simulated seconds per second");
}

// The slider spans the whole run whatever the chart's zoom; it shows the cursor's time.
void draw_scrubber(PanelContext& context) {
  ViewState& view = context.view;
  const Micros zero = 0, end = context.axis_end();
  const std::string cursor = format_time(view.cursor);
  const std::string total = "/ " + format_time(end);
  const auto width = [&] {
    return ImGui::GetContentRegionAvail().x - ImGui::CalcTextSize(total.c_str()).x - ImGui::GetStyle().ItemSpacing.x;
  };
  if (width() < kLeastSliderWidth) ImGui::NewLine();
  Micros value = std::clamp(view.cursor, zero, end);
  ImGui::SetNextItemWidth(std::max(width(), kLeastSliderWidth));
  // The format has no conversion: the slider shows the time as format_time writes it.
  if (ImGui::SliderScalar("##scrub", ImGuiDataType_S64, &value, &zero, &end, cursor.c_str(), ImGuiSliderFlags_NoInput)) {
    move_cursor(view, value);
  }
  ImGui::SameLine();
  ImGui::TextUnformatted(total.c_str());
}

void draw_controls(PanelContext& context) {
  ViewState& view = context.view;
  if (ImGui::Button(view.playing ? "Pause###play" : "Play###play")) view.playing = !view.playing;
  ImGui::SameLine();
  draw_speed_selector(view);
  ImGui::SameLine();
  ImGui::Checkbox(context.live != nullptr ? "Live" : "Follow", &view.follow);
  ImGui::SameLine();
  if (ImGui::Button("Next event")) step_to_next_event(context);
  ImGui::SameLine();
  if (ImGui::Button("Next stage change")) {
    if (const std::optional<Micros> next = next_stage_change(context.store, view.cursor)) move_cursor(view, *next);
  }
  if (view.view_end != 0) {
    ImGui::SameLine();
    if (ImGui::Button("Whole run")) view.view_begin = view.view_end = 0;
  }
  ImGui::SameLine();
  draw_scrubber(context);
}

// The chart's span: ViewState's, while it is a valid part of the run, else the whole run.
plot::TimeAxis visible_span(const PanelContext& context, float left, float right) {
  const Micros whole = context.axis_end();
  const Micros begin = std::max<Micros>(context.view.view_begin, 0);
  const Micros end = std::min(context.view.view_end, whole);
  if (context.view.view_end == 0 || end - begin < kLeastSpan) return {0, whole, left, right};
  return {begin, end, left, right};
}

// Zooms by the wheel's notches about the time under the mouse, keeping that time where it is.
void zoom(ViewState& view, const plot::TimeAxis& axis, Micros whole, float notches, float mouse_x) {
  const Micros pivot = axis.time(mouse_x);
  const double span = static_cast<double>(axis.end - axis.begin);
  const Micros zoomed = std::clamp<Micros>(std::llround(span * std::pow(kZoomPerNotch, notches)), kLeastSpan, whole);
  if (zoomed >= whole) {
    view.view_begin = view.view_end = 0;
    return;
  }
  const double fraction = static_cast<double>(pivot - axis.begin) / span;
  view.view_begin = std::clamp<Micros>(pivot - std::llround(fraction * static_cast<double>(zoomed)), 0, whole - zoomed);
  view.view_end = view.view_begin + zoomed;
}

ImU32 marker_colour(trace::Event::KindCase kind) {
  switch (kind) {
    case trace::Event::kFault: return colors::kTerminal;
    case trace::Event::kRollback: return colors::kFailedContinue;
    case trace::Event::kOperatorAction: return colors::kStopped;
    case trace::Event::kNotification: return colors::kRunning;
    default: return colors::kSkipped;
  }
}

bool marker_before(const Marker& m, Micros t) { return m.at < t; }

// One triangle per pixel column that has markers (the first one's colour): the cost follows the
// width, not the number of markers.
void draw_markers(ImDrawList* draw, const std::vector<Marker>& markers, const plot::TimeAxis& axis, float top) {
  auto it = std::lower_bound(markers.begin(), markers.end(), axis.begin, marker_before);
  while (it != markers.end() && it->at <= axis.end) {
    const float column = std::floor(axis.x(it->at));
    const float x = column + 0.5f;
    draw->AddTriangleFilled(ImVec2(x - kMarkerSize / 2, top), ImVec2(x + kMarkerSize / 2, top), ImVec2(x, top + kMarkerSize),
                            marker_colour(it->kind));
    it = std::lower_bound(it + 1, markers.end(), axis.time(column + 1), marker_before);
  }
}

void draw_marker_tooltip(const std::vector<Marker>& markers, const plot::TimeAxis& axis, float mouse_x) {
  const auto first = std::lower_bound(markers.begin(), markers.end(), axis.time(mouse_x - kMarkerReach), marker_before);
  const auto last = std::lower_bound(first, markers.end(), axis.time(mouse_x + kMarkerReach) + 1, marker_before);
  if (first == last) return;
  ImGui::BeginTooltip();
  for (auto it = first; it != last && it - first < kMarkerLines; ++it) {
    ImGui::TextColored(ImColor(marker_colour(it->kind)), "%s %s", format_time(it->at).c_str(), TraceStore::kind_name(it->kind));
    ImGui::SameLine();
    ImGui::TextUnformatted(it->text.c_str());
  }
  if (last - first > kMarkerLines) ImGui::TextColored(ImColor(colors::kDimText), "and %td more", last - first - kMarkerLines);
  ImGui::EndTooltip();
}

// The strip above the rows: tick labels and markers. The wheel over it zooms; a click moves the
// cursor.
void draw_axis_strip(PanelContext& context, const plot::TimeAxis& axis, float width) {
  const float line = ImGui::GetTextLineHeight();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float bottom = origin.y + line + kMarkerSize + 2;
  ImGui::InvisibleButton("axis", ImVec2(std::max(width, 1.0f), bottom - origin.y));
  ImDrawList* draw = ImGui::GetWindowDrawList();
  plot::draw_time_ticks(draw, axis, origin.y + line, bottom, origin.y);
  draw_markers(draw, context.store.markers(), axis, origin.y + line + 1);
  if (context.view.cursor >= axis.begin && context.view.cursor <= axis.end) {
    const float x = axis.x(context.view.cursor);
    draw->AddLine(ImVec2(x, origin.y + line), ImVec2(x, bottom), colors::kCursor, 1.5f);
  }
  if (!ImGui::IsItemHovered()) return;
  const ImGuiIO& io = ImGui::GetIO();
  if (io.MouseWheel != 0) zoom(context.view, axis, context.axis_end(), io.MouseWheel, io.MousePos.x);
  if (ImGui::IsItemClicked(ImGuiMouseButton_Left) && io.MousePos.x >= axis.left) move_cursor(context.view, axis.time(io.MousePos.x));
  draw_marker_tooltip(context.store.markers(), axis, io.MousePos.x);
}

struct Bar {
  ImVec2 min, max;
  bool visible = false;  // the stage has started, some time in the span
};

// A stage's bar, from its start to its end and clipped to the span; an open stage runs to its
// run's latest time (a live run's now).
Bar bar_of(const StageTrack& stage, Micros run_end, const plot::TimeAxis& axis, float top, float bottom) {
  if (!stage.started) return {};
  const Micros end = stage.ended.value_or(std::max(run_end, *stage.started));
  if (end < axis.begin || *stage.started > axis.end) return {};
  const float left = axis.x(std::max(*stage.started, axis.begin));
  const float right = std::max(axis.x(std::min(end, axis.end)), left + kLeastBarWidth);
  return {ImVec2(left, top + kBarInset), ImVec2(right, bottom - kBarInset), true};
}

void draw_stage_tooltip(const StageTrack& stage, Micros cursor) {
  ImGui::BeginTooltip();
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 32);
  ImGui::TextUnformatted(stage.name.empty() ? stage.stage_id.c_str() : stage.name.c_str());
  ImGui::TextColored(ImColor(colors::kDimText), "%s%s", stage.type.c_str(), stage.synthetic ? ", synthetic" : "");
  const std::string& status = stage.status_at(cursor);
  ImGui::TextColored(ImColor(colors::status(status)), "%s", status.c_str());
  ImGui::Text("start %s", stage.started ? format_time(*stage.started).c_str() : "-");
  ImGui::Text("end   %s", stage.ended ? format_time(*stage.ended).c_str() : "-");
  const StageTrack::StatusChange* now = stage.status.at(cursor);
  if (now != nullptr && !now->message.empty()) ImGui::TextWrapped("%s", now->message.c_str());
  ImGui::PopTextWrapPos();
  ImGui::EndTooltip();
}

// What the mouse is over in the rows, found while drawing them.
struct RowHit {
  const GanttRow* row = nullptr;
  bool on_bar = false;
  bool on_label = false;
};

void draw_heading(ImDrawList* draw, const GanttRow& row, ImVec2 min, ImVec2 max) {
  const std::string text = "compared run: " + run_name(*row.store);
  draw->AddLine(ImVec2(min.x, min.y + 1), ImVec2(max.x, min.y + 1), colors::kGrid);
  draw->AddText(ImVec2(min.x + 2, min.y + 2), colors::kCanary, text.c_str());
}

// Draws one row at the layout cursor and advances past it.
void draw_row(const GanttRow& row, const PanelContext& context, const plot::TimeAxis& axis, float height, RowHit& hit) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 min = ImGui::GetCursorScreenPos();
  const ImVec2 max(axis.right + kAxisPadding, min.y + height);
  ImGui::Dummy(ImVec2(max.x - min.x, height));
  if (row.stage < 0) {
    draw_heading(draw, row, min, max);
    return;
  }
  const StageTrack& stage = row.store->stages()[static_cast<size_t>(row.stage)];
  const bool selected = row.store == &context.store && row.stage == context.view.selected_stage;
  const bool hovered = ImGui::IsWindowHovered() && ImGui::IsMouseHoveringRect(min, max);
  if (selected || hovered) draw->AddRectFilled(min, max, selected ? kSelectedRow : kHoveredRow);

  const ImVec2 label_max(axis.left - kAxisPadding, max.y);
  draw->PushClipRect(min, label_max, true);
  draw->AddText(ImVec2(min.x + 2 + kIndent * static_cast<float>(row.depth), min.y + 2), row.depth == 0 ? colors::kText : colors::kDimText,
                stage.name.empty() ? stage.stage_id.c_str() : stage.name.c_str());
  draw->PopClipRect();

  const Bar bar = bar_of(stage, row.store->end_time(), axis, min.y, max.y);
  const std::string& status = stage.status_at(context.view.cursor);
  if (bar.visible && status == "NOT_STARTED") {
    draw->AddRect(bar.min, bar.max, colors::kNotStarted, 2);
  } else if (bar.visible) {
    draw->AddRectFilled(bar.min, bar.max, colors::status(status), 2);
  }
  if (bar.visible && selected) draw->AddRect(bar.min, bar.max, colors::kCursor, 2, 0, 2);
  if (!hovered) return;
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  hit.row = &row;
  hit.on_label = mouse.x < label_max.x;
  hit.on_bar = bar.visible && mouse.x >= bar.min.x && mouse.x <= bar.max.x;
}

// A vertical line at `t` over the whole (child) window, when `t` is in the span.
void draw_time_line(const plot::TimeAxis& axis, Micros t, ImU32 colour, float thickness) {
  if (t < axis.begin || t > axis.end) return;
  const float top = ImGui::GetWindowPos().y, bottom = top + ImGui::GetWindowSize().y;
  ImGui::GetWindowDrawList()->AddLine(ImVec2(axis.x(t), top), ImVec2(axis.x(t), bottom), colour, thickness);
}

// Only the rows in view are drawn (ImGuiListClipper). A click on a bar or a label selects that
// stage of this run; anywhere else in the chart it moves the cursor.
void draw_rows(PanelContext& context, const std::vector<GanttRow>& rows, const plot::TimeAxis& axis) {
  if (!ImGui::BeginChild("stages", ImVec2(0, 0), false, ImGuiWindowFlags_AlwaysVerticalScrollbar)) {
    ImGui::EndChild();
    return;
  }
  for (const Micros t : plot::time_ticks(axis)) draw_time_line(axis, t, colors::kGrid, 1);
  if (rows.empty()) ImGui::TextColored(ImColor(colors::kDimText), "no stage recorded");
  const float height = ImGui::GetTextLineHeight() + 2 * kBarInset;
  RowHit hit;
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(0, 0));
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(rows.size()), height);
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) draw_row(rows[static_cast<size_t>(i)], context, axis, height, hit);
  }
  ImGui::PopStyleVar();
  draw_time_line(axis, context.view.cursor, colors::kCursor, 1.5f);

  const bool own_stage = hit.row != nullptr && hit.row->stage >= 0 && hit.row->store == &context.store;
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  if (hit.on_bar || hit.on_label) draw_stage_tooltip(hit.row->store->stages()[static_cast<size_t>(hit.row->stage)], context.view.cursor);
  if (ImGui::IsWindowHovered() && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
    if (own_stage && (hit.on_bar || hit.on_label)) {
      context.view.selected_stage = hit.row->stage;
    } else if (mouse.x >= axis.left && mouse.x <= axis.right) {
      move_cursor(context.view, axis.time(mouse.x));
    }
  }
  ImGui::EndChild();
}

}  // namespace

void draw_timeline_panel(PanelContext& context) {
  draw_controls(context);
  std::vector<GanttRow> rows;
  append_stage_rows(context.store, rows);
  if (context.other != nullptr) {
    rows.push_back({context.other, -1, 0});
    append_stage_rows(*context.other, rows);
  }
  const float width = ImGui::GetContentRegionAvail().x;
  const float left = ImGui::GetCursorScreenPos().x;
  const float label_width = std::clamp(width * 0.22f, 80.0f, 240.0f);
  // The rows' child always has a scrollbar, so the axis ends short of it in the strip as well.
  const plot::TimeAxis axis =
      visible_span(context, left + label_width, left + width - ImGui::GetStyle().ScrollbarSize - kAxisPadding);
  draw_axis_strip(context, axis, width);
  draw_rows(context, rows, axis);
}

}  // namespace deploysim::viz
