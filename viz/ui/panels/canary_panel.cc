// The canary panel: every interval Kayenta judged (its windows, score and classification), and for
// one of them (by default the latest judged by the cursor) each metric's verdict, as Deck's canary
// report lists them.
#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include <imgui.h>

#include "viz/ui/colors.h"
#include "viz/ui/panels.h"

namespace deploysim::viz {
namespace {

using Judged = std::pair<Micros, trace::CanaryJudgment>;

constexpr ImGuiTableFlags kTable = ImGuiTableFlags_RowBg | ImGuiTableFlags_Borders | ImGuiTableFlags_Resizable |
                                   ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY;

void classification(const std::string& c) { ImGui::TextColored(ImColor(colors::classification(c)), "%s", c.c_str()); }

std::string span(int64_t start, int64_t end) { return format_time(start) + " - " + format_time(end); }

// The compared windows: once when the baseline and the canary ran over the same time.
std::string windows(const trace::CanaryJudgment& j) {
  const std::string control = span(j.control_start_us(), j.control_end_us());
  const std::string experiment = span(j.experiment_start_us(), j.experiment_end_us());
  return control == experiment ? control : "baseline " + control + ", canary " + experiment;
}

// The Run Canary stage's name (its id when the trace has no record of it).
std::string stage_name(const TraceStore& store, const trace::CanaryJudgment& j) {
  for (const ExecutionTrack& execution : store.executions()) {
    if (execution.id != j.execution()) continue;
    for (const uint32_t s : execution.stages) {
      if (store.stages()[s].stage_id == j.stage_id()) return store.stages()[s].name;
    }
  }
  return j.stage_id();
}

void cell(const std::string& text) {
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(text.c_str());
}

void headers(std::initializer_list<const char*> columns) {
  ImGui::TableSetupScrollFreeze(0, 1);
  for (const char* column : columns) ImGui::TableSetupColumn(column);
  ImGui::TableHeadersRow();
}

// The intervals, one row each; rows judged after the cursor are dimmed. Returns the row clicked,
// or -1.
int draw_intervals(const TraceStore& store, size_t shown, Micros cursor, float height) {
  const std::vector<Judged>& judged = store.canary();
  int clicked = -1;
  if (!ImGui::BeginTable("intervals", 8, kTable, ImVec2(0, height))) return clicked;
  headers({"time", "stage", "#", "baseline", "canary", "windows", "score", "classification"});
  for (size_t i = 0; i < judged.size(); ++i) {
    const auto& [at, j] = judged[i];
    ImGui::TableNextRow();
    ImGui::PushID(static_cast<int>(i));
    const bool future = at > cursor;
    if (future) ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TableNextColumn();
    if (ImGui::Selectable(format_time(at).c_str(), i == shown, ImGuiSelectableFlags_SpanAllColumns)) clicked = static_cast<int>(i);
    cell(stage_name(store, j));
    cell(std::to_string(j.interval()));
    cell(j.control_scope());
    cell(j.experiment_scope());
    cell(windows(j));
    ImGui::TableNextColumn();
    ImGui::Text("%.1f", j.score());
    ImGui::TableNextColumn();
    if (future) {
      ImGui::TextUnformatted(j.classification().c_str());
      ImGui::PopStyleColor();
    } else {
      classification(j.classification());
    }
    ImGui::PopID();
  }
  ImGui::EndTable();
  return clicked;
}

void draw_verdicts(const trace::CanaryJudgment& j) {
  if (!ImGui::BeginTable("metrics", 8, kTable)) return;
  headers({"metric", "classification", "critical", "baseline mean", "canary mean", "ratio", "counts", "reason"});
  for (const trace::CanaryJudgment::MetricVerdict& m : j.metrics()) {
    ImGui::TableNextRow();
    cell(m.name());
    ImGui::TableNextColumn();
    classification(m.classification());
    cell(m.critical() ? "critical" : "");
    ImGui::TableNextColumn();
    ImGui::Text("%.4g", m.control_mean());
    ImGui::TableNextColumn();
    ImGui::Text("%.4g", m.experiment_mean());
    // Kayenta's effect size has no value on a zero baseline.
    ImGui::TableNextColumn();
    if (std::isnan(m.ratio())) {
      ImGui::TextUnformatted("n/a");
    } else {
      ImGui::Text("%.3f", m.ratio());
    }
    cell(std::to_string(m.control_count()) + " / " + std::to_string(m.experiment_count()));
    cell(m.reason());
  }
  ImGui::EndTable();
}

void draw_interval_summary(const TraceStore& store, const trace::CanaryJudgment& j) {
  ImGui::Text("%s, interval %u: score %.1f", stage_name(store, j).c_str(), j.interval(), j.score());
  ImGui::SameLine();
  classification(j.classification());
  ImGui::SameLine();
  ImGui::TextColored(ImColor(colors::kDimText), "config %s", j.config().c_str());
  if (!j.reason().empty()) ImGui::TextWrapped("%s", j.reason().c_str());
}

}  // namespace

void draw_canary_panel(PanelContext& context) {
  // The interval picked by a click; -1 follows the cursor.
  static int picked = -1;
  const std::vector<Judged>& judged = context.store.canary();
  if (judged.empty()) {
    ImGui::TextColored(ImColor(colors::kDimText), "no canary analysis in this run");
    return;
  }
  const Micros cursor = context.view.cursor;
  if (picked >= static_cast<int>(judged.size())) picked = -1;
  const auto after = std::upper_bound(judged.begin(), judged.end(), cursor, [](Micros t, const Judged& j) { return t < j.first; });
  const int latest = static_cast<int>(after - judged.begin()) - 1;
  const int shown = picked >= 0 ? picked : latest;

  ImGui::TextColored(ImColor(colors::kDimText), picked >= 0 ? "pinned: click it again to follow the cursor"
                                                            : "showing the latest interval judged by the cursor");
  const float row = ImGui::GetTextLineHeightWithSpacing();
  const float height = std::min(ImGui::GetContentRegionAvail().y * 0.45f, row * (static_cast<float>(judged.size()) + 1.5f));
  const int clicked = draw_intervals(context.store, shown < 0 ? judged.size() : static_cast<size_t>(shown), cursor, height);
  if (clicked >= 0) picked = clicked == picked ? -1 : clicked;

  ImGui::Separator();
  if (shown < 0) {
    ImGui::TextColored(ImColor(colors::kDimText), "no interval judged yet at %s", format_time(cursor).c_str());
    return;
  }
  const trace::CanaryJudgment& j = judged[static_cast<size_t>(shown)].second;
  draw_interval_summary(context.store, j);
  draw_verdicts(j);
}

}  // namespace deploysim::viz
