// The event log: every event of the run, filtered by kind and by text. A run has up to millions of
// events, kept encoded in the store, so the table decodes only the rows on screen, and a search
// decodes each event once per change of the filter (a budget per frame) rather than every frame.
// The row at the cursor is highlighted and, while the cursor moves, kept in view.
#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "viz/ui/colors.h"
#include "viz/ui/panels.h"

namespace deploysim::viz {
namespace {

// Events a search decodes per frame: a search over a million events spreads over a second of
// frames, showing matches as they are found, instead of freezing one frame.
constexpr size_t kDecodesPerFrame = 20'000;

uint64_t kind_bit(trace::Event::KindCase kind) { return uint64_t{1} << (static_cast<unsigned>(kind) % 64); }

std::string folded(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool contains_folded(std::string_view text, std::string_view folded_needle) {
  const auto same = [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; };
  return std::search(text.begin(), text.end(), folded_needle.begin(), folded_needle.end(), same) != text.end();
}

// The events a filter lets through, scanned once per filter and extended as the store grows (a
// live run) or as the per-frame budget allows.
struct Matches {
  const TraceStore* store = nullptr;
  std::string search;  // folded to lower case
  uint64_t hidden_kinds = 0;
  size_t scanned = 0;          // events looked at so far, from the first
  std::vector<uint32_t> rows;  // the events that match, in order

  void update(const TraceStore& s, const std::string& text, uint64_t hidden) {
    std::string key = folded(text);
    if (store != &s || search != key || hidden_kinds != hidden || s.event_count() < scanned) {
      *this = Matches{&s, std::move(key), hidden, 0, {}};
    }
    size_t decoded = 0;
    while (scanned < s.event_count() && decoded < kDecodesPerFrame) {
      const size_t i = scanned++;
      if ((hidden_kinds & kind_bit(s.event_kind(i))) != 0) continue;
      if (!search.empty()) {
        ++decoded;
        if (!contains_folded(TraceStore::summary(s.event(i)), search)) continue;
      }
      rows.push_back(static_cast<uint32_t>(i));
    }
  }
};

// Events per kind, for the filter's labels; extended as the store grows.
struct KindCounts {
  const TraceStore* store = nullptr;
  size_t scanned = 0;
  std::array<size_t, 64> count{};  // by KindCase % 64

  void update(const TraceStore& s) {
    if (store != &s || s.event_count() < scanned) *this = KindCounts{&s};
    for (; scanned < s.event_count(); ++scanned) ++count[static_cast<unsigned>(s.event_kind(scanned)) % 64];
  }
};

struct EventLogState {
  Matches matches;
  KindCounts kinds;
  bool follow_cursor = true;
  Micros followed = -1;  // the cursor the table last scrolled to
};

void draw_kind_filter(const KindCounts& kinds, uint64_t& hidden) {
  const int hidden_count = std::popcount(hidden);
  const std::string label = hidden_count == 0 ? "kinds: all" : "kinds: " + std::to_string(hidden_count) + " hidden";
  if (ImGui::Button((label + "##kinds").c_str())) ImGui::OpenPopup("kinds");
  if (!ImGui::BeginPopup("kinds")) return;
  if (ImGui::Button("show all")) hidden = 0;
  // Every kind of the run, each in its place in the trace format's numbering.
  for (size_t k = 0; k < kinds.count.size(); ++k) {
    if (kinds.count[k] == 0) continue;
    const auto kind = static_cast<trace::Event::KindCase>(k);
    bool shown = (hidden & kind_bit(kind)) == 0;
    const std::string item = std::string(TraceStore::kind_name(kind)) + " (" + std::to_string(kinds.count[k]) + ")";
    if (ImGui::Checkbox(item.c_str(), &shown)) hidden ^= kind_bit(kind);
  }
  ImGui::EndPopup();
}

// The table of the rows shown (`event_of(row)` is the event of a row), with the cursor's row
// highlighted and, when `scroll`, scrolled to.
template <typename EventOf>
void draw_rows(const TraceStore& store, size_t count, EventOf event_of, size_t cursor_row, bool scroll, ViewState& view,
               EventLogState& state) {
  constexpr ImGuiTableFlags kFlags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_Resizable |
                                     ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("events", 3, kFlags)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("time");
  ImGui::TableSetupColumn("kind");
  ImGui::TableSetupColumn("event", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(count));
  if (scroll) clipper.ForceDisplayRangeByIndices(static_cast<int>(cursor_row), static_cast<int>(cursor_row) + 1);
  while (clipper.Step()) {
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      const size_t i = event_of(static_cast<size_t>(row));
      const bool current = static_cast<size_t>(row) == cursor_row;
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::PushID(row);
      if (ImGui::Selectable(format_time(store.event_time(i)).c_str(), current, ImGuiSelectableFlags_SpanAllColumns)) {
        view.cursor = store.event_time(i);
        view.follow = false;
        state.followed = view.cursor;  // the row is on screen: no jump
      }
      ImGui::PopID();
      if (current && scroll) ImGui::SetScrollHereY(0.5f);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(TraceStore::kind_name(store.event_kind(i)));
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(TraceStore::summary(store.event(i)).c_str());
    }
  }
  ImGui::EndTable();
}

}  // namespace

void draw_event_log_panel(PanelContext& context) {
  static EventLogState state;
  const TraceStore& store = context.store;
  ViewState& view = context.view;
  state.kinds.update(store);
  draw_kind_filter(state.kinds, view.hidden_kinds);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(std::max(ImGui::GetContentRegionAvail().x - 120, 80.0f));
  ImGui::InputTextWithHint("##search", "search", &view.search);
  ImGui::SameLine();
  ImGui::Checkbox("follow cursor", &state.follow_cursor);

  const bool filtered = !view.search.empty() || view.hidden_kinds != 0;
  if (filtered) state.matches.update(store, view.search, view.hidden_kinds);
  const std::vector<uint32_t>& rows = state.matches.rows;
  const size_t count = filtered ? rows.size() : store.event_count();
  if (filtered && state.matches.scanned < store.event_count()) {
    ImGui::TextColored(ImColor(colors::kDimText), "%zu matches so far, searched %zu of %zu events", count,
                       state.matches.scanned, store.event_count());
  } else {
    ImGui::TextColored(ImColor(colors::kDimText), "%zu of %zu events", count, store.event_count());
  }

  // The row of the first event at or after the cursor (of those shown).
  const size_t at_cursor = store.first_event_at_or_after(view.cursor);
  const size_t cursor_row =
      filtered ? static_cast<size_t>(std::lower_bound(rows.begin(), rows.end(), at_cursor) - rows.begin()) : at_cursor;
  // A cursor row a search has not reached yet is scrolled to once it is found.
  const bool scroll = state.follow_cursor && view.cursor != state.followed && cursor_row < count;
  if (cursor_row < count) state.followed = view.cursor;
  draw_rows(store, count, [&](size_t row) { return filtered ? size_t{rows[row]} : row; }, cursor_row, scroll, view, state);
}

}  // namespace deploysim::viz
