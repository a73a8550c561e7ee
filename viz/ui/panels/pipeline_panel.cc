// The pipeline panel: an execution's top-level stage graph in layers, left to right as Deck draws
// it, each stage coloured by its status at the cursor with dots for the synthetic stages Orca runs
// under it. Clicking a stage (here or on the timeline) shows its times, tasks, synthetic stages,
// and for expression stages the messages they left.
#include <algorithm>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <imgui.h>

#include "viz/store/dag_layout.h"
#include "viz/ui/colors.h"
#include "viz/ui/panels.h"
#include "viz/ui/widgets.h"

namespace deploysim::viz {
namespace {

constexpr std::string_view kNotStarted = "NOT_STARTED";
constexpr float kMargin = 12;
constexpr float kPadding = 5;
constexpr float kRounding = 6;
constexpr float kDotRadius = 4;
constexpr float kDotPitch = 2 * kDotRadius + 3;
constexpr ImU32 kEdge = IM_COL32(170, 170, 170, 200);
constexpr ImU32 kTypeText = IM_COL32(235, 235, 235, 170);
constexpr ImU32 kDotOutline = IM_COL32(0, 0, 0, 160);
// Synthetic stages nest (a deploy's per-region stages under a canary's); a malformed trace whose
// parents loop must not recurse for ever.
constexpr int kMaxNesting = 16;
constexpr const char* kLegend[] = {"NOT_STARTED", "RUNNING", "SUCCEEDED", "TERMINAL", "FAILED_CONTINUE",
                                   "PAUSED",      "STOPPED", "CANCELED",  "SKIPPED"};

// What the panel keeps between frames.
struct PipelineState {
  int execution = 0;
  // A clicked node with no stage record yet (it has not started): its stage id. A stage record
  // selects through ViewState::selected_stage instead, which every panel shares.
  std::string unrecorded;
};

// Stages whose result is a value in their Orca context (a precondition's outcome, the variables, a
// judgment's input), which the trace does not carry: their messages are what is left of it.
bool evaluates_expressions(std::string_view type) {
  return type == "checkPreconditions" || type == "evaluateVariables" || type == "manualJudgment";
}

// One execution's stage records by id and by parent.
class ExecutionStages {
 public:
  ExecutionStages(const TraceStore& store, const ExecutionTrack& execution) : stages_(store.stages()) {
    for (const uint32_t s : execution.stages) {
      by_id_.emplace(stages_[s].stage_id, s);
      if (!stages_[s].parent.empty()) children_[stages_[s].parent].push_back(s);
    }
  }

  // The record of the stage `id`, or -1 before its first.
  int find(std::string_view id) const {
    const auto it = by_id_.find(id);
    return it == by_id_.end() ? -1 : static_cast<int>(it->second);
  }

  // The id of the top-level stage that `stage` runs under (its own id at top level).
  std::string_view top_level_id(uint32_t stage) const {
    const StageTrack* at = &stages_[stage];
    for (int depth = 0; !at->parent.empty() && depth < kMaxNesting; ++depth) {
      const int parent = find(at->parent);
      if (parent < 0) return at->parent;
      at = &stages_[static_cast<size_t>(parent)];
    }
    return at->stage_id;
  }

  // The synthetic stages under `id` recorded by `cursor`, each followed by its own, with their
  // depth below `id` (1: a child).
  void collect_synthetic(std::string_view id, Micros cursor, std::vector<std::pair<uint32_t, int>>& out,
                         int depth = 1) const {
    const auto it = children_.find(id);
    if (it == children_.end() || depth > kMaxNesting) return;
    for (const uint32_t s : it->second) {
      if (stages_[s].status.at(cursor) == nullptr) continue;
      out.emplace_back(s, depth);
      collect_synthetic(stages_[s].stage_id, cursor, out, depth + 1);
    }
  }

 private:
  const std::vector<StageTrack>& stages_;
  std::unordered_map<std::string_view, uint32_t> by_id_;
  std::unordered_map<std::string_view, std::vector<uint32_t>> children_;  // in first-seen order
};

// The stage selected in any panel, or null.
const StageTrack* selected_stage(const TraceStore& store, const ViewState& view) {
  const bool valid = view.selected_stage >= 0 && static_cast<size_t>(view.selected_stage) < store.stages().size();
  return valid ? &store.stages()[static_cast<size_t>(view.selected_stage)] : nullptr;
}

int node_index(const ExecutionTrack& execution, std::string_view stage_id) {
  for (size_t i = 0; i < execution.graph.size(); ++i) {
    if (execution.graph[i].stage_id == stage_id) return static_cast<int>(i);
  }
  return -1;
}

std::string_view status_of(const TraceStore& store, int stage, Micros cursor) {
  return stage < 0 ? kNotStarted : std::string_view(store.stages()[static_cast<size_t>(stage)].status_at(cursor));
}

void coloured(std::string_view status) {
  ImGui::TextColored(ImColor(colors::status(status)), "%.*s", static_cast<int>(status.size()), status.data());
}

// A time if it is known by the cursor, else a dash.
std::string time_by(const std::optional<Micros>& t, Micros cursor) {
  return t && *t <= cursor ? format_time(*t) : "-";
}

// Legend entries flow onto as many lines as the width needs.
void draw_legend() {
  const ImGuiStyle& style = ImGui::GetStyle();
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  for (size_t i = 0; i < std::size(kLegend); ++i) {
    const float width = ImGui::GetTextLineHeight() + style.ItemSpacing.x + ImGui::CalcTextSize(kLegend[i]).x;
    if (i > 0 && ImGui::GetItemRectMax().x + style.ItemSpacing.x * 2 + width < right) ImGui::SameLine(0, style.ItemSpacing.x * 2);
    swatch(colors::status(kLegend[i]), kLegend[i]);
  }
}

// Picks the execution shown: the one of a stage selected elsewhere, else the combo's.
void pick_execution(const TraceStore& store, ViewState& view, PipelineState& state) {
  const std::vector<ExecutionTrack>& executions = store.executions();
  if (const StageTrack* selected = selected_stage(store, view)) state.execution = static_cast<int>(selected->execution);
  state.execution = std::clamp(state.execution, 0, static_cast<int>(executions.size()) - 1);
  if (executions.size() < 2) return;
  const auto label = [&](size_t i) { return executions[i].pipeline + " (" + executions[i].id + ")"; };
  if (ImGui::BeginCombo("execution", label(static_cast<size_t>(state.execution)).c_str())) {
    for (size_t i = 0; i < executions.size(); ++i) {
      if (ImGui::Selectable(label(i).c_str(), static_cast<int>(i) == state.execution) && static_cast<int>(i) != state.execution) {
        state.execution = static_cast<int>(i);
        view.selected_stage = -1;
        state.unrecorded.clear();
      }
    }
    ImGui::EndCombo();
  }
}

void draw_execution_header(const ExecutionTrack& execution, Micros cursor) {
  const std::string* status = execution.status.at(cursor);
  ImGui::Text("%s", execution.pipeline.empty() ? execution.id.c_str() : execution.pipeline.c_str());
  ImGui::SameLine();
  coloured(status == nullptr ? kNotStarted : std::string_view(*status));
  ImGui::SameLine();
  ImGui::TextColored(ImColor(colors::kDimText), "%s, started %s", execution.id.c_str(), format_time(execution.started).c_str());
}

ImVec2 at(ImVec2 origin, DagPoint p) { return ImVec2(origin.x + p.x, origin.y + p.y); }

void draw_edge(ImDrawList* draw, ImVec2 origin, const DagLayout::Edge& edge, ImU32 colour) {
  for (size_t i = 1; i < edge.points.size(); ++i) {
    const ImVec2 a = at(origin, edge.points[i - 1]), b = at(origin, edge.points[i]);
    const float bend = (b.x - a.x) / 2;
    draw->AddBezierCubic(a, ImVec2(a.x + bend, a.y), ImVec2(b.x - bend, b.y), b, colour, 1.5f);
  }
  const ImVec2 tip = at(origin, edge.points.back());
  draw->AddTriangleFilled(tip, ImVec2(tip.x - 8, tip.y - 4), ImVec2(tip.x - 8, tip.y + 4), colour);
}

// A row of dots along the node's bottom, one per synthetic stage; "+N" when they do not fit.
void draw_synthetic_dots(ImDrawList* draw, const TraceStore& store, ImVec2 min, ImVec2 max,
                         const std::vector<std::pair<uint32_t, int>>& synthetic, Micros cursor) {
  const float width = max.x - min.x - 2 * kPadding;
  const auto fitting = [](float w) { return static_cast<size_t>(std::max(0.0f, w / kDotPitch)); };
  const size_t shown = synthetic.size() <= fitting(width) ? synthetic.size() : fitting(width - ImGui::CalcTextSize("+000").x);
  const float y = max.y - kPadding - kDotRadius;
  for (size_t i = 0; i < shown; ++i) {
    const ImVec2 centre(min.x + kPadding + kDotRadius + static_cast<float>(i) * kDotPitch, y);
    draw->AddCircleFilled(centre, kDotRadius, colors::status(store.stages()[synthetic[i].first].status_at(cursor)));
    draw->AddCircle(centre, kDotRadius, kDotOutline);
  }
  if (shown < synthetic.size()) {
    const std::string more = "+" + std::to_string(synthetic.size() - shown);
    draw->AddText(ImVec2(min.x + kPadding + static_cast<float>(shown) * kDotPitch, y - ImGui::GetTextLineHeight() / 2),
                  colors::kText, more.c_str());
  }
}

void draw_node_tooltip(const TraceStore& store, const ExecutionTrack::Node& node, std::string_view status,
                       const std::vector<std::pair<uint32_t, int>>& synthetic, Micros cursor) {
  ImGui::BeginTooltip();
  ImGui::Text("%s (%s)", node.name.c_str(), node.type.c_str());
  coloured(status);
  if (!synthetic.empty()) {
    const auto running = std::count_if(synthetic.begin(), synthetic.end(), [&](const auto& s) {
      return store.stages()[s.first].status_at(cursor) == "RUNNING";
    });
    ImGui::Text("%zu synthetic stages, %td running", synthetic.size(), running);
  }
  ImGui::EndTooltip();
}

// Draws the graph into the current (scrolling) window; returns the node clicked, or -1.
int draw_graph(const TraceStore& store, const ExecutionTrack& execution, const ExecutionStages& stages,
               const DagLayout& layout, const DagSpacing& spacing, int focused, Micros cursor) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 start = ImGui::GetCursorScreenPos();
  const ImVec2 origin(start.x + kMargin, start.y + kMargin);
  for (const DagLayout::Edge& edge : layout.edges) {
    draw_edge(draw, origin, edge, edge.from == focused || edge.to == focused ? colors::kCursor : kEdge);
  }
  int clicked = -1;
  for (size_t i = 0; i < layout.nodes.size(); ++i) {
    const ExecutionTrack::Node& node = execution.graph[i];
    const ImVec2 min = at(origin, {layout.nodes[i].x, layout.nodes[i].y});
    const ImVec2 max(min.x + spacing.node_width, min.y + spacing.node_height);
    ImGui::SetCursorScreenPos(min);
    ImGui::PushID(static_cast<int>(i));
    if (ImGui::InvisibleButton("node", ImVec2(spacing.node_width, spacing.node_height))) clicked = static_cast<int>(i);
    const bool hovered = ImGui::IsItemHovered();
    ImGui::PopID();

    const std::string_view status = status_of(store, stages.find(node.stage_id), cursor);
    std::vector<std::pair<uint32_t, int>> synthetic;
    stages.collect_synthetic(node.stage_id, cursor, synthetic);
    draw->AddRectFilled(min, max, colors::status(status), kRounding);
    if (static_cast<int>(i) == focused) {
      draw->AddRect(min, max, colors::kCursor, kRounding, 0, 3);
    } else if (hovered) {
      draw->AddRect(min, max, colors::kText, kRounding);
    }
    draw->PushClipRect(ImVec2(min.x + kPadding, min.y), ImVec2(max.x - kPadding, max.y), true);
    draw->AddText(ImVec2(min.x + kPadding, min.y + kPadding), colors::kText, node.name.c_str());
    draw->AddText(ImVec2(min.x + kPadding, min.y + kPadding + ImGui::GetTextLineHeight()), kTypeText, node.type.c_str());
    draw->PopClipRect();
    draw_synthetic_dots(draw, store, min, max, synthetic, cursor);
    if (hovered) draw_node_tooltip(store, node, status, synthetic, cursor);
  }
  // The graph's extent, so that the window scrolls over all of it; dragging the background pans.
  ImGui::SetCursorScreenPos(start);
  ImGui::Dummy(ImVec2(layout.width + 2 * kMargin, layout.height + 2 * kMargin));
  if (ImGui::IsWindowHovered() && !ImGui::IsAnyItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left)) {
    const ImVec2 delta = ImGui::GetIO().MouseDelta;
    ImGui::SetScrollX(ImGui::GetScrollX() - delta.x);
    ImGui::SetScrollY(ImGui::GetScrollY() - delta.y);
  }
  return clicked;
}

constexpr ImGuiTableFlags kTable = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;

void fact(const char* name, const std::string& value) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::TextColored(ImColor(colors::kDimText), "%s", name);
  ImGui::TableNextColumn();
  ImGui::TextWrapped("%s", value.c_str());
}

void draw_stage_facts(const StageTrack& stage, Micros cursor) {
  if (!ImGui::BeginTable("facts", 2, kTable)) return;
  ImGui::TableSetupColumn("fact", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::TextColored(ImColor(colors::kDimText), "status");
  ImGui::TableNextColumn();
  coloured(stage.status_at(cursor));
  fact("started", time_by(stage.started, cursor));
  fact("ended", time_by(stage.ended, cursor));
  if (stage.started && *stage.started <= cursor) {
    const bool ended = stage.ended && *stage.ended <= cursor;
    fact("duration", format_time((ended ? *stage.ended : cursor) - *stage.started) + (ended ? "" : " so far"));
  }
  const StageTrack::StatusChange* now = stage.status.at(cursor);
  if (now != nullptr && !now->message.empty()) fact("message", now->message);
  if (stage.synthetic) fact("runs under", stage.parent);
  ImGui::EndTable();
}

void draw_tasks(const StageTrack& stage, Micros cursor) {
  if (stage.tasks.empty()) return;
  ImGui::TextUnformatted("Tasks");
  if (!ImGui::BeginTable("tasks", 5, kTable | ImGuiTableFlags_Resizable)) return;
  for (const char* column : {"task", "status", "started", "since", "message"}) ImGui::TableSetupColumn(column);
  ImGui::TableHeadersRow();
  for (const StageTrack::TaskTrack& task : stage.tasks) {
    const auto* now = task.status.change_at(cursor);
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(task.name.c_str());
    ImGui::TableNextColumn();
    coloured(now == nullptr ? kNotStarted : std::string_view(now->value.status));
    if (now == nullptr) continue;
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(format_time(task.status.changes.front().at).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(format_time(now->at).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(now->value.message.c_str());
  }
  ImGui::EndTable();
}

void draw_synthetic(const TraceStore& store, const ExecutionStages& stages, const StageTrack& stage, Micros cursor) {
  std::vector<std::pair<uint32_t, int>> synthetic;
  stages.collect_synthetic(stage.stage_id, cursor, synthetic);
  if (synthetic.empty()) return;
  ImGui::TextUnformatted("Synthetic stages");
  if (!ImGui::BeginTable("synthetic", 4, kTable | ImGuiTableFlags_Resizable)) return;
  for (const char* column : {"stage", "type", "status", "started"}) ImGui::TableSetupColumn(column);
  ImGui::TableHeadersRow();
  for (const auto& [index, depth] : synthetic) {
    const StageTrack& child = store.stages()[index];
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::SetCursorPosX(ImGui::GetCursorPosX() + static_cast<float>(depth - 1) * ImGui::GetStyle().IndentSpacing);
    ImGui::TextUnformatted(child.name.c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(child.type.c_str());
    ImGui::TableNextColumn();
    coloured(child.status_at(cursor));
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(time_by(child.started, cursor).c_str());
  }
  ImGui::EndTable();
}

void message_lines(const char* source, const Changes<StageTrack::StatusChange>& changes, Micros cursor, int& shown) {
  for (const auto& change : changes.changes) {
    if (change.at > cursor) break;
    if (change.value.message.empty()) continue;
    ImGui::BulletText("%s  %s %s: %s", format_time(change.at).c_str(), source, change.value.status.c_str(),
                      change.value.message.c_str());
    ++shown;
  }
}

void draw_expression_results(const StageTrack& stage, Micros cursor) {
  if (!evaluates_expressions(stage.type)) return;
  ImGui::TextUnformatted("Expression results");
  ImGui::TextColored(ImColor(colors::kDimText), "the trace carries no stage contexts: these are the messages recorded");
  int shown = 0;
  message_lines("stage", stage.status, cursor, shown);
  for (const StageTrack::TaskTrack& task : stage.tasks) message_lines(task.name.c_str(), task.status, cursor, shown);
  if (shown == 0) ImGui::TextColored(ImColor(colors::kDimText), "no message recorded by the cursor");
}

void draw_stage_details(const TraceStore& store, const ExecutionStages& stages, const StageTrack& stage, Micros cursor) {
  ImGui::Text("%s", stage.name.c_str());
  ImGui::SameLine();
  ImGui::TextColored(ImColor(colors::kDimText), "%s, id %s", stage.type.c_str(), stage.stage_id.c_str());
  draw_stage_facts(stage, cursor);
  draw_tasks(stage, cursor);
  draw_synthetic(store, stages, stage, cursor);
  draw_expression_results(stage, cursor);
}

// The node whose details show: the selected stage's (or the one it runs under), else the
// unrecorded node clicked, else none.
int focused_node(const TraceStore& store, const ExecutionTrack& execution, const ExecutionStages& stages,
                 const ViewState& view, const PipelineState& state) {
  if (selected_stage(store, view) != nullptr) {
    return node_index(execution, stages.top_level_id(static_cast<uint32_t>(view.selected_stage)));
  }
  return state.unrecorded.empty() ? -1 : node_index(execution, state.unrecorded);
}

void select_node(const ExecutionStages& stages, const std::string& stage_id, ViewState& view, PipelineState& state) {
  view.selected_stage = stages.find(stage_id);
  state.unrecorded = view.selected_stage < 0 ? stage_id : std::string();
}

}  // namespace

void draw_pipeline_panel(PanelContext& context) {
  static PipelineState state;
  const TraceStore& store = context.store;
  ViewState& view = context.view;
  if (store.executions().empty()) {
    ImGui::TextColored(ImColor(colors::kDimText), "no pipeline execution in this run");
    return;
  }
  if (view.selected_stage >= 0) state.unrecorded.clear();
  pick_execution(store, view, state);
  const ExecutionTrack& execution = store.executions()[static_cast<size_t>(state.execution)];
  draw_execution_header(execution, view.cursor);
  draw_legend();
  if (execution.graph.empty()) {
    ImGui::TextColored(ImColor(colors::kDimText), "the execution's first record carries no stage graph");
    return;
  }
  const ExecutionStages stages(store, execution);
  // A clicked node that has since been recorded (a live run) becomes a shared selection.
  if (!state.unrecorded.empty() && stages.find(state.unrecorded) >= 0) {
    select_node(stages, state.unrecorded, view, state);
  }

  DagSpacing spacing;
  spacing.node_width = 160;
  spacing.node_height = 2 * kPadding + 2 * ImGui::GetTextLineHeight() + 2 * kDotRadius + 4;
  std::vector<std::string> ids;
  std::vector<std::vector<std::string>> requisites;
  for (const ExecutionTrack::Node& node : execution.graph) {
    ids.push_back(node.stage_id);
    requisites.push_back(node.requisites);
  }
  const DagLayout layout = layout_dag(ids, requisites, spacing);

  const int focused = focused_node(store, execution, stages, view, state);
  const StageTrack* selected = selected_stage(store, view);
  const bool details = focused >= 0 || selected != nullptr;
  const float graph_height = details ? std::max(ImGui::GetContentRegionAvail().y * 0.5f, 80.0f) : 0.0f;
  ImGui::BeginChild("graph", ImVec2(0, graph_height), true, ImGuiWindowFlags_HorizontalScrollbar);
  const int clicked = draw_graph(store, execution, stages, layout, spacing, focused, view.cursor);
  ImGui::EndChild();
  if (clicked >= 0) select_node(stages, execution.graph[static_cast<size_t>(clicked)].stage_id, view, state);
  if (!details) return;

  ImGui::BeginChild("details", ImVec2(0, 0), true);
  if (selected != nullptr) {
    draw_stage_details(store, stages, *selected, view.cursor);
  } else {
    const ExecutionTrack::Node& node = execution.graph[static_cast<size_t>(focused)];
    ImGui::Text("%s", node.name.c_str());
    ImGui::SameLine();
    ImGui::TextColored(ImColor(colors::kDimText), "%s, id %s", node.type.c_str(), node.stage_id.c_str());
    coloured(kNotStarted);
    ImGui::TextColored(ImColor(colors::kDimText), "no record of this stage yet");
  }
  ImGui::EndChild();
}

}  // namespace deploysim::viz
