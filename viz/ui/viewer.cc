// The viewer's layout, playback and the helpers every panel shares.
#include "viz/ui/viewer.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include <imgui.h>

#include "viz/ui/colors.h"
#include "viz/ui/widgets.h"

namespace deploysim::viz {

std::string format_time(Micros t) {
  const bool negative = t < 0;
  int64_t s = (negative ? -t : t) / 1'000'000;
  const int64_t tenths = ((negative ? -t : t) / 100'000) % 10;
  char b[48];
  const int64_t h = s / 3600, m = (s / 60) % 60;
  s %= 60;
  if (h > 0) {
    std::snprintf(b, sizeof(b), "%s%" PRId64 "h%02" PRId64 "m%02" PRId64 "s", negative ? "-" : "", h, m, s);
  } else if (m > 0) {
    std::snprintf(b, sizeof(b), "%s%" PRId64 "m%02" PRId64 ".%" PRId64 "s", negative ? "-" : "", m, s, tenths);
  } else {
    std::snprintf(b, sizeof(b), "%s%" PRId64 ".%" PRId64 "s", negative ? "-" : "", s, tenths);
  }
  return b;
}

Micros PanelContext::axis_end() const {
  Micros end = store.end_time();
  if (other != nullptr) end = std::max(end, other->end_time());
  return std::max<Micros>(end, 1'000'000);
}

void apply_viewer_style() {
  ImGui::StyleColorsDark();
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowRounding = 0;
  style.FrameRounding = 2;
  style.WindowPadding = ImVec2(6, 6);
  style.ItemSpacing = ImVec2(6, 4);
  style.CellPadding = ImVec2(4, 2);
  style.WindowMinSize = ImVec2(1, 1);  // the top bar is one line high
  // The windows tile the display without overlapping, so their background is the clear colour
  // (kBackground): not drawing it halves what a software rasteriser fills each frame.
  style.Colors[ImGuiCol_WindowBg] = ImVec4(0, 0, 0, 0);
}

namespace {

constexpr ImGuiWindowFlags kFixed = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                                    ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus;

// Draws `panel` in a fixed window at (x, y) of size (w, h), in pixels.
template <typename Panel>
void fixed_window(const char* title, float x, float y, float w, float h, Panel panel, ImGuiWindowFlags extra = 0) {
  ImGui::SetNextWindowPos(ImVec2(x, y));
  ImGui::SetNextWindowSize(ImVec2(w, h));
  if (ImGui::Begin(title, nullptr, kFixed | extra)) panel();
  ImGui::End();
}

void draw_top_bar(ViewerModel& m, float width, float height) {
  fixed_window("##top", 0, 0, width, height, [&] {
    ImGui::TextUnformatted(m.title.c_str());
    ImGui::SameLine();
    const TraceStore& s = *m.store;
    if (m.live != nullptr) {
      ImGui::TextColored(ImColor(colors::kRunning), m.live->finished && m.live->finished() ? "live run: finished" : "live run");
    } else {
      ImGui::TextColored(ImColor(s.complete() ? colors::kSucceeded : colors::kFailedContinue),
                         s.complete() ? "complete trace" : s.damage().empty() ? "incomplete trace" : "damaged trace, read up to the damage");
      if (!s.damage().empty() && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", s.damage().c_str());
    }
    ImGui::SameLine();
    ImGui::Text("| seed %" PRIu64 " | %zu events | %zu instances | at %s", s.header().seed(), s.event_count(),
                s.instances().size(), format_time(m.view.cursor).c_str());
    if (!m.status.empty()) {
      ImGui::SameLine();
      ImGui::TextColored(ImColor(colors::kTerminal), "| %s", m.status.c_str());
    }
  }, ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar);
}

}  // namespace

void draw_viewer(ViewerModel& m) {
  clear_tracked_items();
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float w = std::max(display.x, 400.0f), h = std::max(display.y, 300.0f);
  const float bar = ImGui::GetTextLineHeight() + 2 * ImGui::GetStyle().WindowPadding.y;
  const float timeline_h = std::clamp(h * 0.28f, 160.0f, 420.0f);
  const float top = bar + timeline_h;
  const float rest = h - top;
  const float left_w = w * 0.34f, middle_w = w * 0.36f, right_w = w - left_w - middle_w;
  PanelContext context{*m.store, m.view, m.other, m.live};

  draw_top_bar(m, w, bar);
  fixed_window("Timeline", 0, bar, w, timeline_h, [&] { draw_timeline_panel(context); });
  fixed_window("Pipeline", 0, top, left_w, rest * 0.55f, [&] { draw_pipeline_panel(context); });
  fixed_window("Cluster", 0, top + rest * 0.55f, left_w, rest * 0.45f, [&] { draw_cluster_panel(context); });
  fixed_window("Metrics", left_w, top, middle_w, rest * 0.68f, [&] { draw_metrics_panel(context); });
  fixed_window("Traffic split", left_w, top + rest * 0.68f, middle_w, rest * 0.32f, [&] { draw_traffic_panel(context); });
  fixed_window("Details", left_w + middle_w, top, right_w, rest, [&] {
    if (!ImGui::BeginTabBar("details")) return;
    if (m.live != nullptr && ImGui::BeginTabItem("Actions")) {
      draw_actions_panel(context);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Scorecard")) {
      draw_scorecard_panel(context);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Canary")) {
      draw_canary_panel(context);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Events")) {
      draw_event_log_panel(context);
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  });
}

void advance_cursor(ViewerModel& m, double wall_seconds, Micros live_now) {
  ViewState& v = m.view;
  if (m.live != nullptr) {
    if (v.follow) v.cursor = live_now;
    v.cursor = std::min(v.cursor, live_now);
    return;
  }
  const Micros end = std::max(m.store->end_time(), m.other != nullptr ? m.other->end_time() : 0);
  if (v.playing) {
    v.cursor += static_cast<Micros>(wall_seconds * v.speed * 1e6);
    if (v.cursor >= end) {
      v.cursor = end;
      v.playing = false;
    }
  }
  v.cursor = std::clamp<Micros>(v.cursor, 0, end);
}

}  // namespace deploysim::viz
