// The metrics panel: what the servers and the users saw per metrics interval — the error rate and
// the p50/p99 latency of every server group and client scope — and, for the canary analysis, the
// baseline and the canary side by side with each judged interval's experiment window shaded in
// its classification's colour under its score, as Kayenta compared them. In compare mode the
// other run's client error rate is overlaid, dashed.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <imgui.h>

#include "viz/ui/colors.h"
#include "viz/ui/panels.h"
#include "viz/ui/plot.h"

namespace deploysim::viz {
namespace {

constexpr float kLeastPlotHeight = 90;
constexpr float kDash = 5;
constexpr int kFaintAlpha = 130;
constexpr int kBandAlpha = 45;
constexpr int kFutureBandAlpha = 18;
constexpr double kLeastErrorRate = 0.001;  // the error axis never shows less than 0.1%
constexpr double kLeastLatencyMs = 1;
constexpr ImU32 kHoverLine = IM_COL32(255, 255, 255, 90);

using RowValue = double (*)(const IntervalRow& row);
double error_rate(const IntervalRow& row) { return row.error_rate(); }
double p50_ms(const IntervalRow& row) { return static_cast<double>(row.p50) / 1e3; }
double p99_ms(const IntervalRow& row) { return static_cast<double>(row.p99) / 1e3; }

// An interval without requests has no error rate or latency (the store's read as 0).
bool measured(const IntervalRow& row) { return !row.gap && row.requests > 0; }

// One scope's value per interval, through the intervals' middles.
struct Line {
  const std::vector<IntervalRow>* rows = nullptr;
  RowValue value = error_rate;
  ImU32 colour = 0;
  std::string label;
  bool dashed = false;
  float thickness = 1.5f;
};

// A shaded time span with a label at its top (a canary interval's experiment window).
struct Band {
  Micros begin = 0, end = 0;
  ImU32 colour = 0;
  std::string label;   // drawn at the top
  std::string detail;  // in the hover readout
  bool judged = false;  // by the cursor; later ones are fainter
};

struct LinePlot {
  const char* id = "plot";
  const char* title = "";
  plot::ValueFormat format = plot::percent;
  double least_max = kLeastErrorRate;
  std::vector<Line> lines;
  std::vector<Band> bands;
};

// What a line's rows come to, kept between frames: a long run has hundreds of thousands of
// intervals, and reading them all every frame would cost the frame. Rows only ever grow, so the
// largest value is extended with the new rows, and the per-column samples are taken again only
// when there are new rows or the plot's span or width changed.
struct Sampled {
  const IntervalRow* data = nullptr;  // with the count, tells a new store's rows from these
  size_t largest_rows = 0;
  double largest = 0;
  size_t sampled_rows = 0;
  Micros begin = 0, end = 0;
  float left = 0, right = 0;
  // Pieces of (pixel column's x, its largest value), split where intervals have no data.
  std::vector<std::vector<std::pair<float, double>>> pieces;
};

Sampled& sampled(const Line& line) {
  static std::map<std::pair<const void*, RowValue>, Sampled> cache;
  if (cache.size() > 512) cache.clear();  // stores come and go (tests, compare mode)
  Sampled& s = cache[{line.rows, line.value}];
  if (s.data != line.rows->data() || s.largest_rows > line.rows->size()) {
    s = Sampled();
    s.data = line.rows->data();
  }
  for (; s.largest_rows < line.rows->size(); ++s.largest_rows) {
    const IntervalRow& row = (*line.rows)[s.largest_rows];
    if (measured(row)) s.largest = std::max(s.largest, line.value(row));
  }
  return s;
}

double largest_value(const std::vector<Line>& lines) {
  double largest = 0;
  for (const Line& line : lines) largest = std::max(largest, sampled(line).largest);
  return largest;
}

// A line's points, split where intervals have no data or are missing. One point per pixel column,
// the column's largest value, so that a one-interval spike shows however long the run.
std::vector<std::vector<ImVec2>> trace_line(const Line& line, const plot::Frame& frame) {
  Sampled& s = sampled(line);
  const plot::TimeAxis& axis = frame.time;
  if (s.sampled_rows != line.rows->size() || s.begin != axis.begin || s.end != axis.end || s.left != axis.left ||
      s.right != axis.right) {
    s.sampled_rows = line.rows->size();
    s.begin = axis.begin;
    s.end = axis.end;
    s.left = axis.left;
    s.right = axis.right;
    s.pieces.assign(1, {});
    Micros previous_end = 0;
    for (const IntervalRow& row : *line.rows) {
      const bool follows = row.start <= previous_end;
      previous_end = row.start + row.duration;
      if (!s.pieces.back().empty() && (!measured(row) || !follows)) s.pieces.emplace_back();
      if (!measured(row)) continue;
      const float x = std::floor(axis.x(row.start + row.duration / 2)) + 0.5f;
      const double value = line.value(row);
      auto& piece = s.pieces.back();
      if (!piece.empty() && piece.back().first == x) {
        piece.back().second = std::max(piece.back().second, value);
      } else {
        piece.emplace_back(x, value);
      }
    }
  }
  std::vector<std::vector<ImVec2>> pieces;
  pieces.reserve(s.pieces.size());
  for (const auto& piece : s.pieces) {
    pieces.emplace_back();
    pieces.back().reserve(piece.size());
    for (const auto& [x, value] : piece) pieces.back().emplace_back(x, frame.y(value));
  }
  return pieces;
}

void draw_dashed(ImDrawList* draw, const std::vector<ImVec2>& points, ImU32 colour, float thickness) {
  float travelled = 0;
  for (size_t i = 1; i < points.size(); ++i) {
    const ImVec2 a = points[i - 1], b = points[i];
    const float length = std::hypot(b.x - a.x, b.y - a.y);
    for (float at = 0; at < length;) {
      const float phase = std::fmod(travelled + at, 2 * kDash);
      const float step = std::min(length - at, phase < kDash ? kDash - phase : 2 * kDash - phase);
      if (phase < kDash) {
        const float from = at / length, to = (at + step) / length;
        draw->AddLine(ImVec2(a.x + (b.x - a.x) * from, a.y + (b.y - a.y) * from), ImVec2(a.x + (b.x - a.x) * to, a.y + (b.y - a.y) * to),
                      colour, thickness);
      }
      at += step;
    }
    travelled += length;
  }
}

void draw_line(const plot::Frame& frame, const Line& line) {
  for (const std::vector<ImVec2>& piece : trace_line(line, frame)) {
    if (piece.empty()) continue;
    if (piece.size() == 1) {
      frame.draw->AddCircleFilled(piece.front(), line.thickness + 0.5f, line.colour);
    } else if (line.dashed) {
      draw_dashed(frame.draw, piece, line.colour, line.thickness);
    } else {
      frame.draw->AddPolyline(piece.data(), static_cast<int>(piece.size()), line.colour, 0, line.thickness);
    }
  }
}

void draw_bands(const plot::Frame& frame, const std::vector<Band>& bands) {
  for (const Band& band : bands) {
    if (band.end < frame.time.begin || band.begin > frame.time.end) continue;
    const float left = frame.time.x(std::max(band.begin, frame.time.begin));
    const float right = std::max(frame.time.x(std::min(band.end, frame.time.end)), left + 1);
    frame.draw->AddRectFilled(ImVec2(left, frame.min.y), ImVec2(right, frame.max.y),
                              plot::with_alpha(band.colour, band.judged ? kBandAlpha : kFutureBandAlpha));
    // Narrow windows (a long run, short intervals) keep their shade but not their score.
    if (ImGui::CalcTextSize(band.label.c_str()).x + 2 > right - left) continue;
    frame.draw->AddText(ImVec2(left + 2, frame.min.y + 1), band.judged ? band.colour : colors::kDimText, band.label.c_str());
  }
}

// The values at the mouse's time, one line each, and the band under it.
void draw_readout(const plot::Frame& frame, const LinePlot& spec) {
  const float x = frame.time.x(frame.mouse_time);
  frame.draw->AddLine(ImVec2(x, frame.min.y), ImVec2(x, frame.max.y), kHoverLine);
  ImGui::BeginTooltip();
  ImGui::TextUnformatted(format_time(frame.mouse_time).c_str());
  for (const Line& line : spec.lines) {
    const IntervalRow* row = plot::row_at(*line.rows, frame.mouse_time);
    const std::string value = row != nullptr && measured(*row) ? spec.format(line.value(*row)) : "no data";
    ImGui::TextColored(ImColor(line.colour), "%s: %s", line.label.c_str(), value.c_str());
  }
  for (const Band& band : spec.bands) {
    if (frame.mouse_time >= band.begin && frame.mouse_time <= band.end) ImGui::TextColored(ImColor(band.colour), "%s", band.detail.c_str());
  }
  ImGui::EndTooltip();
}

// Every plot of the panel: frame and axes scaled to the data, bands, lines, the cursor, and the
// readout under the mouse; a click moves the cursor there. A plot scrolled out of view is skipped.
void draw_line_plot(PanelContext& context, const LinePlot& spec, ImVec2 size) {
  if (!ImGui::IsRectVisible(size)) {
    ImGui::Dummy(size);
    return;
  }
  plot::FrameSpec frame_spec;
  frame_spec.id = spec.id;
  frame_spec.title = spec.title;
  frame_spec.size = size;
  frame_spec.end = context.axis_end();
  frame_spec.data_max = largest_value(spec.lines);
  frame_spec.least_max = spec.least_max;
  frame_spec.format = spec.format;
  const plot::Frame frame = plot::draw_frame(frame_spec);
  frame.draw->PushClipRect(frame.min, frame.max, true);
  draw_bands(frame, spec.bands);
  for (const Line& line : spec.lines) draw_line(frame, line);
  plot::draw_cursor(frame, context.view.cursor);
  if (frame.hovered) draw_readout(frame, spec);
  frame.draw->PopClipRect();
  if (frame.clicked) {
    context.view.cursor = frame.mouse_time;
    context.view.follow = false;
  }
}

// A scope with its series colour and name.
struct Scope {
  const MetricScope* scope = nullptr;
  ImU32 colour = 0;
  std::string name;
};

// The server group scopes, then the client scopes (coloured after every group's colour).
std::vector<Scope> scopes_of(const TraceStore& store) {
  std::vector<Scope> scopes;
  for (const MetricScope* s : plot::scopes_of_kind(store, "server_group")) {
    scopes.push_back({s, plot::scope_colour(store, *s, store.server_groups().size() + scopes.size()), store.names()[s->scope]});
  }
  const std::vector<const MetricScope*> clients = plot::scopes_of_kind(store, "client");
  for (size_t i = 0; i < clients.size(); ++i) {
    scopes.push_back({clients[i], colors::series(store.server_groups().size() + i), "client " + store.names()[clients[i]->scope]});
  }
  return scopes;
}

// The compared run's clients, dashed, in the colours this run's clients have.
std::vector<Line> compared_client_lines(const TraceStore& store, const TraceStore& other) {
  std::vector<Line> lines;
  const std::vector<const MetricScope*> clients = plot::scopes_of_kind(other, "client");
  for (size_t i = 0; i < clients.size(); ++i) {
    lines.push_back({&clients[i]->rows, error_rate, colors::series(store.server_groups().size() + i),
                     "client " + other.names()[clients[i]->scope] + " (compared run)", true, 1.5f});
  }
  return lines;
}

void draw_scope_legend(const std::vector<Scope>& scopes, const std::vector<Line>& compared) {
  plot::FlowLegend legend;
  for (const Scope& s : scopes) legend.add(s.colour, s.name.c_str());
  for (const Line& line : compared) legend.add(line.colour, (line.label + ", dashed").c_str());
  ImGui::TextColored(ImColor(colors::kDimText), "latency: p99 solid, p50 faint");
}

void draw_error_rates(PanelContext& context, const std::vector<Scope>& scopes, std::vector<Line> compared, ImVec2 size) {
  LinePlot spec;
  spec.id = "errors";
  spec.title = "error rate";
  for (const Scope& s : scopes) spec.lines.push_back({&s.scope->rows, error_rate, s.colour, s.name});
  for (Line& line : compared) spec.lines.push_back(std::move(line));
  draw_line_plot(context, spec, size);
}

void draw_latencies(PanelContext& context, const std::vector<Scope>& scopes, ImVec2 size) {
  LinePlot spec;
  spec.id = "latency";
  spec.title = "latency p50 / p99";
  spec.format = plot::milliseconds;
  spec.least_max = kLeastLatencyMs;
  for (const Scope& s : scopes) {
    spec.lines.push_back({&s.scope->rows, p50_ms, plot::with_alpha(s.colour, kFaintAlpha), s.name + " p50", false, 1.0f});
    spec.lines.push_back({&s.scope->rows, p99_ms, s.colour, s.name + " p99"});
  }
  draw_line_plot(context, spec, size);
}

using Judged = std::pair<Micros, trace::CanaryJudgment>;

// The judgment whose baseline and canary are shown: the latest judged by the cursor, else the first.
const trace::CanaryJudgment& shown_judgment(const std::vector<Judged>& judged, Micros cursor) {
  const auto after = std::upper_bound(judged.begin(), judged.end(), cursor, [](Micros t, const Judged& j) { return t < j.first; });
  return after == judged.begin() ? judged.front().second : (after - 1)->second;
}

// The experiment windows of every interval that compared the same two groups as `shown`.
std::vector<Band> canary_bands(const std::vector<Judged>& judged, const trace::CanaryJudgment& shown, Micros cursor) {
  std::vector<Band> bands;
  for (const auto& [at, j] : judged) {
    if (j.control_scope() != shown.control_scope() || j.experiment_scope() != shown.experiment_scope()) continue;
    char label[32], detail[160];
    std::snprintf(label, sizeof(label), "%.0f", j.score());
    std::snprintf(detail, sizeof(detail), "canary interval %u: score %.1f, %s", j.interval(), j.score(), j.classification().c_str());
    bands.push_back({j.experiment_start_us(), j.experiment_end_us(), colors::classification(j.classification()), label, detail, at <= cursor});
  }
  return bands;
}

// The baseline's and the canary's lines of one value, where the store has their scopes.
std::vector<Line> canary_lines(const TraceStore& store, const trace::CanaryJudgment& shown, RowValue value) {
  std::vector<Line> lines;
  if (const MetricScope* s = store.find_scope("server_group", shown.control_scope())) {
    lines.push_back({&s->rows, value, colors::kBaseline, "baseline " + shown.control_scope()});
  }
  if (const MetricScope* s = store.find_scope("server_group", shown.experiment_scope())) {
    lines.push_back({&s->rows, value, colors::kCanary, "canary " + shown.experiment_scope()});
  }
  return lines;
}

void draw_canary_comparison(PanelContext& context, ImVec2 size) {
  const std::vector<Judged>& judged = context.store.canary();
  const trace::CanaryJudgment& shown = shown_judgment(judged, context.view.cursor);
  plot::FlowLegend legend;
  legend.add(colors::kBaseline, ("baseline " + shown.control_scope()).c_str());
  legend.add(colors::kCanary, ("canary " + shown.experiment_scope()).c_str());

  const float width = (size.x - ImGui::GetStyle().ItemSpacing.x) / 2;
  LinePlot errors;
  errors.id = "canary errors";
  errors.title = "baseline vs canary: error rate";
  errors.lines = canary_lines(context.store, shown, error_rate);
  errors.bands = canary_bands(judged, shown, context.view.cursor);
  draw_line_plot(context, errors, ImVec2(width, size.y));
  ImGui::SameLine();
  LinePlot latency;
  latency.id = "canary latency";
  latency.title = "baseline vs canary: p99";
  latency.format = plot::milliseconds;
  latency.least_max = kLeastLatencyMs;
  latency.lines = canary_lines(context.store, shown, p99_ms);
  latency.bands = std::move(errors.bands);
  draw_line_plot(context, latency, ImVec2(width, size.y));
}

}  // namespace

void draw_metrics_panel(PanelContext& context) {
  const std::vector<Scope> scopes = scopes_of(context.store);
  std::vector<Line> compared;
  if (context.other != nullptr) compared = compared_client_lines(context.store, *context.other);
  draw_scope_legend(scopes, compared);
  if (scopes.empty() && compared.empty()) ImGui::TextColored(ImColor(colors::kDimText), "no metrics interval recorded yet");

  const bool canary = !context.store.canary().empty();
  const ImGuiStyle& style = ImGui::GetStyle();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  // The canary row has a legend line above its plots.
  const float legend = canary ? ImGui::GetTextLineHeight() + style.ItemSpacing.y : 0;
  const int plots = canary ? 3 : 2;
  const float height = std::max(kLeastPlotHeight, (avail.y - legend - static_cast<float>(plots) * style.ItemSpacing.y) / static_cast<float>(plots));
  draw_error_rates(context, scopes, std::move(compared), ImVec2(avail.x, height));
  draw_latencies(context, scopes, ImVec2(avail.x, height));
  if (canary) {
    draw_canary_comparison(context, ImVec2(avail.x, height));
  } else {
    ImGui::TextColored(ImColor(colors::kDimText), "no canary interval judged in this run");
  }
}

}  // namespace deploysim::viz
