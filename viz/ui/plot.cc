// Time axes, plot frames and the lookups the time plots share.
#include "viz/ui/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <iterator>
#include <optional>

#include "viz/ui/colors.h"
#include "viz/ui/panels.h"
#include "viz/ui/widgets.h"

namespace deploysim::viz::plot {
namespace {

constexpr Micros kMilli = 1'000;
constexpr Micros kSecond = 1'000 * kMilli;
constexpr Micros kMinute = 60 * kSecond;
constexpr Micros kHour = 60 * kMinute;
// Round steps for time ticks, as a clock reads them; longer spans double the last.
constexpr Micros kTimeSteps[] = {100 * kMilli, 200 * kMilli, 500 * kMilli, kSecond,     2 * kSecond, 5 * kSecond,
                                 10 * kSecond, 15 * kSecond, 30 * kSecond, kMinute,     2 * kMinute, 5 * kMinute,
                                 10 * kMinute, 15 * kMinute, 30 * kMinute, kHour,       2 * kHour,   3 * kHour,
                                 6 * kHour,    12 * kHour,   24 * kHour};
constexpr float kLabelGap = 14;
constexpr float kAxisGap = 4;
constexpr int kValueTicks = 4;
constexpr float kLeastWidth = 60;
constexpr float kLeastHeight = 40;

Micros time_step(const TimeAxis& axis, float label_width) {
  const double per_pixel = static_cast<double>(axis.end - axis.begin) / std::max(1.0f, axis.right - axis.left);
  const double least = per_pixel * label_width;
  for (const Micros step : kTimeSteps) {
    if (static_cast<double>(step) >= least) return step;
  }
  Micros step = kTimeSteps[std::size(kTimeSteps) - 1];
  while (static_cast<double>(step) < least) step *= 2;
  return step;
}

// The smallest of 1, 2 and 5 times a power of ten at or above `v` (> 0).
double round_up(double v) {
  const double power = std::pow(10.0, std::floor(std::log10(v)));
  for (const double mantissa : {1.0, 2.0, 5.0}) {
    if (mantissa * power >= v * (1 - 1e-9)) return mantissa * power;
  }
  return 10 * power;
}

struct ValueTicks {
  double step = 1;
  double top = 1;
  std::vector<std::string> labels;  // from 0 up to top, one per step
};

ValueTicks value_ticks(double data_max, double least_max, ValueFormat format) {
  ValueTicks ticks{least_max / kValueTicks, least_max, {}};
  if (data_max > least_max) {
    ticks.step = round_up(data_max / kValueTicks);
    ticks.top = std::ceil(data_max / ticks.step * (1 - 1e-9)) * ticks.step;
  }
  const int count = static_cast<int>(std::lround(ticks.top / ticks.step));
  for (int i = 0; i <= count; ++i) ticks.labels.push_back(format(ticks.step * i));
  return ticks;
}

float widest(const std::vector<std::string>& labels) {
  float width = 0;
  for (const std::string& label : labels) width = std::max(width, ImGui::CalcTextSize(label.c_str()).x);
  return width;
}

void draw_value_ticks(const Frame& frame, const ValueTicks& ticks) {
  const float half_line = ImGui::GetTextLineHeight() / 2;
  for (size_t i = 0; i < ticks.labels.size(); ++i) {
    const float y = frame.y(ticks.step * static_cast<double>(i));
    if (i > 0) frame.draw->AddLine(ImVec2(frame.min.x, y), ImVec2(frame.max.x, y), colors::kGrid);
    const float width = ImGui::CalcTextSize(ticks.labels[i].c_str()).x;
    frame.draw->AddText(ImVec2(frame.min.x - kAxisGap - width, y - half_line), colors::kDimText, ticks.labels[i].c_str());
  }
}

}  // namespace

float TimeAxis::x(Micros t) const {
  return left + static_cast<float>(static_cast<double>(t - begin) / static_cast<double>(end - begin)) * (right - left);
}

Micros TimeAxis::time(float px) const {
  const double fraction = std::clamp((px - left) / std::max(1.0f, right - left), 0.0f, 1.0f);
  return begin + static_cast<Micros>(std::llround(fraction * static_cast<double>(end - begin)));
}

std::vector<Micros> time_ticks(const TimeAxis& axis) {
  const Micros step = time_step(axis, ImGui::CalcTextSize(format_time(axis.end).c_str()).x + kLabelGap);
  std::vector<Micros> ticks;
  for (Micros t = (std::max<Micros>(axis.begin, 0) + step - 1) / step * step; t <= axis.end; t += step) ticks.push_back(t);
  return ticks;
}

void draw_time_ticks(ImDrawList* draw, const TimeAxis& axis, float top, float bottom, float label_y) {
  for (const Micros t : time_ticks(axis)) {
    const float x = axis.x(t);
    draw->AddLine(ImVec2(x, top), ImVec2(x, bottom), colors::kGrid);
    const std::string label = format_time(t);
    const float width = ImGui::CalcTextSize(label.c_str()).x;
    const float label_x = std::clamp(x - width / 2, axis.left, std::max(axis.left, axis.right - width));
    draw->AddText(ImVec2(label_x, label_y), colors::kDimText, label.c_str());
  }
}

std::string percent(double ratio) {
  char b[32];
  std::snprintf(b, sizeof(b), "%.3g%%", ratio * 100);
  return b;
}

std::string milliseconds(double ms) {
  char b[32];
  std::snprintf(b, sizeof(b), ms >= 100 ? "%.0f ms" : "%.3g ms", ms);
  return b;
}

float Frame::y(double value) const {
  return max.y - static_cast<float>(value / value_max) * (max.y - min.y);
}

Frame draw_frame(const FrameSpec& spec) {
  Frame frame;
  frame.draw = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 size(std::max(spec.size.x, kLeastWidth), std::max(spec.size.y, kLeastHeight));
  ImGui::InvisibleButton(spec.id, size);
  const ValueTicks ticks = value_ticks(spec.data_max, spec.least_max, spec.format);
  frame.value_max = ticks.top;

  const float line = ImGui::GetTextLineHeight();
  frame.min = ImVec2(origin.x + widest(ticks.labels) + 2 * kAxisGap, origin.y + line + kAxisGap);
  frame.max = ImVec2(origin.x + size.x - kAxisGap, origin.y + size.y - line - kAxisGap);
  frame.time = TimeAxis{spec.begin, std::max(spec.end, spec.begin + 1), frame.min.x, frame.max.x};

  const ImVec2 mouse = ImGui::GetIO().MousePos;
  frame.hovered = ImGui::IsItemHovered() && mouse.x >= frame.min.x && mouse.x <= frame.max.x && mouse.y >= frame.min.y &&
                  mouse.y <= frame.max.y;
  frame.clicked = frame.hovered && ImGui::IsItemClicked(ImGuiMouseButton_Left);
  frame.mouse_time = frame.time.time(mouse.x);

  frame.draw->AddText(origin, colors::kText, spec.title);
  frame.draw->AddRectFilled(frame.min, frame.max, colors::kPlotBackground);
  draw_value_ticks(frame, ticks);
  draw_time_ticks(frame.draw, frame.time, frame.min.y, frame.max.y, frame.max.y + 1);
  frame.draw->AddRect(frame.min, frame.max, colors::kGrid);
  return frame;
}

void draw_cursor(const Frame& frame, Micros cursor) {
  if (cursor < frame.time.begin || cursor > frame.time.end) return;
  const float x = frame.time.x(cursor);
  frame.draw->AddLine(ImVec2(x, frame.min.y), ImVec2(x, frame.max.y), colors::kCursor, 1.5f);
}

const IntervalRow* row_at(const std::vector<IntervalRow>& rows, Micros t) {
  const auto after = std::upper_bound(rows.begin(), rows.end(), t, [](Micros v, const IntervalRow& r) { return v < r.start; });
  if (after == rows.begin()) return nullptr;
  const IntervalRow& row = *(after - 1);
  return t < row.start + row.duration ? &row : nullptr;
}

std::vector<const MetricScope*> scopes_of_kind(const TraceStore& store, std::string_view kind) {
  std::vector<const MetricScope*> scopes;
  const std::optional<uint32_t> id = store.names().find(kind);
  if (!id) return scopes;
  for (const MetricScope& scope : store.metric_scopes()) {
    if (scope.kind == *id) scopes.push_back(&scope);
  }
  return scopes;
}

ImU32 scope_colour(const TraceStore& store, const MetricScope& scope, size_t fallback) {
  if (store.names()[scope.kind] == "server_group") {
    if (const std::optional<uint32_t> group = store.find_server_group(store.names()[scope.scope])) return colors::series(*group);
  }
  return colors::series(fallback);
}

ImU32 with_alpha(ImU32 colour, int alpha) {
  return (colour & ~IM_COL32_A_MASK) | (static_cast<ImU32>(std::clamp(alpha, 0, 255)) << IM_COL32_A_SHIFT);
}

void FlowLegend::add(ImU32 colour, const char* text) {
  const ImGuiStyle& style = ImGui::GetStyle();
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  const float width = ImGui::GetTextLineHeight() + style.ItemSpacing.x + ImGui::CalcTextSize(text).x;
  if (!first_ && ImGui::GetItemRectMax().x + style.ItemSpacing.x * 2 + width < right) ImGui::SameLine(0, style.ItemSpacing.x * 2);
  first_ = false;
  swatch(colour, text);
}

}  // namespace deploysim::viz::plot
