// The scorecard panel: the run's scorecard (docs/scorecard.md) and invariant checks as recorded
// when it ended; for a run still going, what the trace already shows at the cursor. In compare
// mode both runs side by side, with the figures that differ marked.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <imgui.h>

#include "viz/ui/colors.h"
#include "viz/ui/panels.h"

namespace deploysim::viz {
namespace {

// A row of the scorecard table: a figure and its value as shown.
struct Line {
  std::string name;
  std::string value;
  ImU32 colour = 0;  // 0: the default text colour
};

// One run's column.
struct Card {
  std::string label;
  const trace::RunScorecard* record = nullptr;  // null: the run has not finished
  std::vector<Line> lines;
};

constexpr ImGuiTableFlags kTable = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_Resizable |
                                   ImGuiTableFlags_SizingFixedFit;
// Rows where the compared runs differ.
constexpr ImU32 kDiffers = (colors::kFailedContinue & ~IM_COL32_A_MASK) | IM_COL32(0, 0, 0, 70);

std::string printed(const char* format, double value) {
  char b[64];
  std::snprintf(b, sizeof(b), format, value);
  return b;
}

// Units by the report's naming: "_s" seconds ("_instance_s" instance-seconds), the error budget
// as a share of it, and the rest counts.
std::string figure_value(const trace::RunScorecard::Figure& figure) {
  if (!figure.present()) return "n/a";
  const std::string_view name = figure.name();
  const double v = figure.value();
  if (name.ends_with("_instance_s")) return printed("%.1f instance-s", v);
  if (name.ends_with("_s")) return printed("%.3f s", v) + " (" + format_time(static_cast<Micros>(v * 1e6)) + ")";
  if (name.find("budget") != std::string_view::npos || name.find("rate") != std::string_view::npos) {
    return printed("%.1f%%", v * 100);
  }
  return printed(std::floor(v) == v ? "%.0f" : "%g", v);
}

std::vector<Line> recorded_lines(const trace::RunScorecard& s) {
  std::vector<Line> lines;
  lines.push_back({"outcome", s.outcome()});
  lines.push_back({"verdict", s.verdict() + (s.verdict_correct() ? ", correct" : ", wrong"),
                   s.verdict_correct() ? colors::kSucceeded : colors::kTerminal});
  lines.push_back({"execution_status", s.execution_status(), colors::status(s.execution_status())});
  if (!s.candidate().empty()) lines.push_back({"candidate", s.candidate()});
  for (const trace::RunScorecard::Figure& f : s.figures()) lines.push_back({f.name(), figure_value(f)});
  return lines;
}

// What the store shows at the cursor of a run that has not finished: the scorecard follows the
// first execution, the canary's judgments so far, and what users saw (the client scopes' closed
// intervals).
std::vector<Line> partial_lines(const TraceStore& store, Micros cursor) {
  std::vector<Line> lines;
  if (store.executions().empty()) {
    lines.push_back({"execution_status", "no execution"});
  } else {
    const std::string* status = store.executions().front().status.at(cursor);
    const std::string shown = status == nullptr ? "NOT_STARTED" : *status;
    lines.push_back({"execution_status", shown, colors::status(shown)});
  }
  size_t judged = 0;
  const trace::CanaryJudgment* last = nullptr;
  for (const auto& [at, judgment] : store.canary()) {
    if (at > cursor) break;
    ++judged;
    last = &judgment;
  }
  lines.push_back({"canary_intervals", std::to_string(judged)});
  if (last != nullptr) {
    lines.push_back({"last_canary_score", printed("%.1f ", last->score()) + last->classification(),
                     colors::classification(last->classification())});
  }
  uint64_t requests = 0, errors = 0;
  if (const std::optional<uint32_t> client = store.names().find("client")) {
    for (const MetricScope& scope : store.metric_scopes()) {
      if (scope.kind != *client) continue;
      for (const IntervalRow& row : scope.rows) {
        if (row.start + row.duration > cursor) break;
        requests += row.requests;
        errors += row.errors;
      }
    }
  }
  lines.push_back({"client_requests", std::to_string(requests)});
  lines.push_back({"client_errors", std::to_string(errors)});
  if (requests > 0) lines.push_back({"client_error_rate", printed("%.2f%%", 100.0 * static_cast<double>(errors) / static_cast<double>(requests))});
  return lines;
}

Card card_of(const TraceStore& store, Micros cursor, std::string label) {
  Card card;
  card.label = std::move(label);
  if (store.scorecard()) {
    card.record = &*store.scorecard();
    card.lines = recorded_lines(*card.record);
  } else {
    card.lines = partial_lines(store, cursor);
  }
  return card;
}

void add_name(std::vector<std::string>& names, const std::string& name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

const Line* find_line(const Card& card, const std::string& name) {
  for (const Line& line : card.lines) {
    if (line.name == name) return &line;
  }
  return nullptr;
}

void value_cell(const Line* line) {
  ImGui::TableNextColumn();
  if (line == nullptr) {
    ImGui::TextDisabled("-");
  } else if (line->colour != 0) {
    ImGui::TextColored(ImColor(line->colour), "%s", line->value.c_str());
  } else {
    ImGui::TextUnformatted(line->value.c_str());
  }
}

// The figures, one column per run; with two runs, names in the first run's order then the second's
// own.
void draw_lines(const std::vector<Card>& cards) {
  std::vector<std::string> names;
  for (const Card& card : cards) {
    for (const Line& line : card.lines) add_name(names, line.name);
  }
  if (!ImGui::BeginTable("figures", 1 + static_cast<int>(cards.size()), kTable)) return;
  ImGui::TableSetupColumn("figure");
  for (const Card& card : cards) ImGui::TableSetupColumn(cards.size() > 1 ? card.label.c_str() : "value");
  ImGui::TableHeadersRow();
  for (const std::string& name : names) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(name.c_str());
    const Line* first = find_line(cards.front(), name);
    bool differs = false;
    for (const Card& card : cards) {
      const Line* line = find_line(card, name);
      differs = differs || line == nullptr || first == nullptr || line->value != first->value;
      value_cell(line);
    }
    if (differs && cards.size() > 1) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, kDiffers);
  }
  ImGui::EndTable();
}

const trace::RunScorecard::Check* find_check(const Card& card, const std::string& name) {
  if (card.record == nullptr) return nullptr;
  for (const trace::RunScorecard::Check& check : card.record->checks()) {
    if (check.name() == name) return &check;
  }
  return nullptr;
}

// The invariant checks: violations and the verdict per run; the first violation for a single run
// (with two, it shows on hovering the verdict).
void draw_checks(const std::vector<Card>& cards) {
  std::vector<std::string> names;
  for (const Card& card : cards) {
    if (card.record == nullptr) continue;
    for (const trace::RunScorecard::Check& check : card.record->checks()) add_name(names, check.name());
  }
  if (names.empty()) return;
  const bool compare = cards.size() > 1;
  ImGui::TextUnformatted("Checks");
  const int columns = 1 + 2 * static_cast<int>(cards.size()) + (compare ? 0 : 1);
  if (!ImGui::BeginTable("checks", columns, kTable)) return;
  ImGui::TableSetupColumn("check");
  for (const Card& card : cards) {
    ImGui::TableSetupColumn(compare ? (card.label + " violations").c_str() : "violations");
    ImGui::TableSetupColumn(compare ? (card.label + " passed").c_str() : "passed");
  }
  if (!compare) ImGui::TableSetupColumn("first violation", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  for (const std::string& name : names) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(name.c_str());
    const trace::RunScorecard::Check* first = find_check(cards.front(), name);
    bool differs = false;
    for (const Card& card : cards) {
      const trace::RunScorecard::Check* check = find_check(card, name);
      differs = differs || check == nullptr || first == nullptr || check->violations() != first->violations() ||
                check->passed() != first->passed();
      ImGui::TableNextColumn();
      if (check == nullptr) {
        ImGui::TextDisabled("-");
        ImGui::TableNextColumn();
        continue;
      }
      ImGui::Text("%u", check->violations());
      ImGui::TableNextColumn();
      ImGui::TextColored(ImColor(check->passed() ? colors::kSucceeded : colors::kTerminal), check->passed() ? "passed" : "FAILED");
      if (compare && !check->first_violation().empty() && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", check->first_violation().c_str());
    }
    if (!compare) {
      ImGui::TableNextColumn();
      const trace::RunScorecard::Check* check = first;
      ImGui::TextWrapped("%s", check == nullptr ? "" : check->first_violation().c_str());
    }
    if (differs && compare) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, kDiffers);
  }
  ImGui::EndTable();
}

}  // namespace

void draw_scorecard_panel(PanelContext& context) {
  const Micros cursor = context.view.cursor;
  std::vector<Card> cards;
  cards.push_back(card_of(context.store, cursor, context.other != nullptr ? "A" : ""));
  if (context.other != nullptr) cards.push_back(card_of(*context.other, cursor, "B"));
  for (const Card& card : cards) {
    if (card.record != nullptr) continue;
    ImGui::TextColored(ImColor(colors::kRunning), "%s%sthe run has not finished: what the trace shows at %s",
                       card.label.c_str(), card.label.empty() ? "" : ": ", format_time(cursor).c_str());
  }
  if (cards.size() > 1) ImGui::TextColored(ImColor(colors::kDimText), "highlighted: where the runs differ");
  draw_lines(cards);
  draw_checks(cards);
}

}  // namespace deploysim::viz
