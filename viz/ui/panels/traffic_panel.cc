// The traffic panel: how requests divided between the server groups over the run — each group's
// share of the requests served per metrics interval, stacked in the groups' colours — with the
// shares at the cursor, and the weights the load balancers had at the cursor. The weights are the
// split the pipeline asked for (a canary's); the shares are what the groups' instances served.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <imgui.h>

#include "viz/ui/colors.h"
#include "viz/ui/panels.h"
#include "viz/ui/plot.h"

namespace deploysim::viz {
namespace {

// One server group's served traffic.
struct GroupSeries {
  const MetricScope* scope = nullptr;
  const std::string* name = nullptr;
  ImU32 colour = 0;
  size_t order = 0;  // its index in server_groups(): the stack goes in colors::series order
};

std::vector<GroupSeries> group_series(const TraceStore& store) {
  std::vector<GroupSeries> series;
  const std::vector<const MetricScope*> scopes = plot::scopes_of_kind(store, "server_group");
  for (size_t i = 0; i < scopes.size(); ++i) {
    const std::string& name = store.names()[scopes[i]->scope];
    const size_t order = store.find_server_group(name).value_or(static_cast<uint32_t>(store.server_groups().size() + i));
    series.push_back({scopes[i], &name, plot::scope_colour(store, *scopes[i], order), order});
  }
  std::sort(series.begin(), series.end(), [](const GroupSeries& a, const GroupSeries& b) { return a.order < b.order; });
  return series;
}

double rate_at(const GroupSeries& s, Micros t) {
  const IntervalRow* row = plot::row_at(s.scope->rows, t);
  return row == nullptr ? 0.0 : row->request_rate();
}

// Each group's share of the requests served at `t`; all zero when none were.
void shares_at(const std::vector<GroupSeries>& series, Micros t, std::vector<double>& shares) {
  shares.assign(series.size(), 0.0);
  double total = 0;
  for (size_t i = 0; i < series.size(); ++i) total += shares[i] = rate_at(series[i], t);
  if (total <= 0) return;
  for (double& share : shares) share /= total;
}

// The latest time at or before `cursor` that a closed interval covers: a live run's current
// interval is recorded only when it closes.
Micros latest_measured(const std::vector<GroupSeries>& series, Micros cursor) {
  Micros latest = 0;
  for (const GroupSeries& s : series) {
    const std::vector<IntervalRow>& rows = s.scope->rows;
    const auto after = std::upper_bound(rows.begin(), rows.end(), cursor, [](Micros t, const IntervalRow& r) { return t < r.start; });
    if (after == rows.begin()) continue;
    const IntervalRow& row = *(after - 1);
    latest = std::max(latest, std::min(cursor, row.start + row.duration - 1));
  }
  return latest;
}

void draw_column_run(const plot::Frame& frame, const std::vector<GroupSeries>& series, const std::vector<double>& shares,
                     float left, float right) {
  double below = 0;
  for (size_t i = 0; i < series.size(); ++i) {
    if (shares[i] <= 0) continue;
    frame.draw->AddRectFilled(ImVec2(left, frame.y(below + shares[i])), ImVec2(right, frame.y(below)), series[i].colour);
    below += shares[i];
  }
}

// One sample per pixel column; neighbouring columns with the same shares draw as one rectangle per
// group, so a run of intervals costs a few rectangles.
void draw_stack(const plot::Frame& frame, const std::vector<GroupSeries>& series) {
  std::vector<double> run(series.size(), 0.0), column;
  float run_left = frame.min.x;
  for (float x = frame.min.x; x < frame.max.x; ++x) {
    shares_at(series, frame.time.time(x + 0.5f), column);
    if (column == run) continue;
    draw_column_run(frame, series, run, run_left, x);
    run.swap(column);
    run_left = x;
  }
  draw_column_run(frame, series, run, run_left, frame.max.x);
}

std::string share_text(const std::string& name, double share, double rate) {
  char b[64];
  std::snprintf(b, sizeof(b), " %.1f%% (%.1f req/s)", share * 100, rate);
  return name + b;
}

void draw_hover(const plot::Frame& frame, const std::vector<GroupSeries>& series) {
  std::vector<double> shares;
  shares_at(series, frame.mouse_time, shares);
  ImGui::BeginTooltip();
  ImGui::TextUnformatted(format_time(frame.mouse_time).c_str());
  for (size_t i = 0; i < series.size(); ++i) {
    const std::string text = share_text(*series[i].name, shares[i], rate_at(series[i], frame.mouse_time));
    ImGui::TextColored(ImColor(series[i].colour), "%s", text.c_str());
  }
  ImGui::EndTooltip();
}

void draw_legend(const std::vector<GroupSeries>& series, Micros cursor) {
  if (series.empty()) {
    ImGui::TextColored(ImColor(colors::kDimText), "no traffic recorded yet");
    return;
  }
  const Micros at = latest_measured(series, cursor);
  std::vector<double> shares;
  shares_at(series, at, shares);
  ImGui::TextColored(ImColor(colors::kDimText), "served at %s:", format_time(at).c_str());
  ImGui::SameLine();
  plot::FlowLegend legend;
  for (size_t i = 0; i < series.size(); ++i) {
    legend.add(series[i].colour, share_text(*series[i].name, shares[i], rate_at(series[i], at)).c_str());
  }
}

// "lb: a 90 (90%), b 10 (10%)"; a load balancer with no weights (all -1) spreads requests over
// every target.
std::string weights_text(const TraceStore& store, const WeightsTrack& track, Micros cursor) {
  std::string text = store.names()[track.load_balancer] + ": ";
  const std::vector<std::pair<uint32_t, double>>* split = track.weights.at(cursor);
  double total = 0;
  if (split != nullptr) {
    for (const auto& [group, weight] : *split) total += std::max(weight, 0.0);
  }
  const bool spread = split == nullptr || std::all_of(split->begin(), split->end(), [](const auto& w) { return w.second < 0; });
  if (spread) return text + "spread over all targets";
  for (size_t i = 0; i < split->size(); ++i) {
    const auto& [group, weight] = (*split)[i];
    char b[64];
    if (weight < 0) {
      std::snprintf(b, sizeof(b), " spread");
    } else {
      std::snprintf(b, sizeof(b), " %g (%.0f%%)", weight, total > 0 ? weight / total * 100 : 0.0);
    }
    text += (i > 0 ? ", " : "") + store.names()[group] + b;
  }
  return text;
}

}  // namespace

void draw_traffic_panel(PanelContext& context) {
  const TraceStore& store = context.store;
  const std::vector<GroupSeries> series = group_series(store);
  draw_legend(series, context.view.cursor);

  const ImGuiStyle& style = ImGui::GetStyle();
  const size_t weight_lines = std::max<size_t>(store.weights().size(), 1);
  const float weights_height = static_cast<float>(weight_lines) * (ImGui::GetTextLineHeight() + style.ItemSpacing.y);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  plot::FrameSpec spec;
  spec.id = "traffic";
  spec.title = "share of requests served, by server group";
  spec.size = ImVec2(avail.x, avail.y - weights_height - style.ItemSpacing.y);
  spec.end = context.axis_end();
  spec.data_max = 1;
  spec.least_max = 1;
  spec.format = plot::percent;
  const plot::Frame frame = plot::draw_frame(spec);
  draw_stack(frame, series);
  plot::draw_cursor(frame, context.view.cursor);
  if (frame.hovered && !series.empty()) draw_hover(frame, series);
  if (frame.clicked) {
    context.view.cursor = frame.mouse_time;
    context.view.follow = false;
  }

  if (store.weights().empty()) ImGui::TextColored(ImColor(colors::kDimText), "no load balancer weights set: spread over all targets");
  for (const WeightsTrack& track : store.weights()) ImGui::TextUnformatted(weights_text(store, track, context.view.cursor).c_str());
}

}  // namespace deploysim::viz
