// Time plots for the panels, drawn with ImDrawList (1.86 has no ImPlot): a span of run time mapped
// onto pixels with labelled ticks, a framed plot area with a value axis that ends on a labelled
// tick above the data, and the lookups the plots share (the interval covering a time, the scopes
// of one kind and their colours, legends that wrap).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <imgui.h>

#include "viz/store/trace_store.h"

namespace deploysim::viz::plot {

// A span of run time, [begin, end] with end > begin, mapped onto the pixels [left, right].
struct TimeAxis {
  Micros begin = 0;
  Micros end = 1;
  float left = 0;
  float right = 1;

  float x(Micros t) const;
  // The time at pixel `px`, clamped to the span.
  Micros time(float px) const;
};

// Round times across the axis, as many as fit without their labels (format_time) touching.
std::vector<Micros> time_ticks(const TimeAxis& axis);
// Vertical grid lines from `top` to `bottom` at time_ticks, each labelled with its text's top at
// `label_y`.
void draw_time_ticks(ImDrawList* draw, const TimeAxis& axis, float top, float bottom, float label_y);

// How a plot labels its values.
using ValueFormat = std::string (*)(double value);
std::string percent(double ratio);    // 0.025: "2.5%"
std::string milliseconds(double ms);  // "120 ms"

struct FrameSpec {
  const char* id = "plot";
  const char* title = "";
  ImVec2 size;
  Micros begin = 0;
  Micros end = 1;
  double data_max = 0;   // the largest value plotted
  double least_max = 1;  // the axis's top when every value is smaller (no data, all zero)
  ValueFormat format = percent;
};

// A drawn frame: where its data area is, how values map onto it, and what the mouse did there.
struct Frame {
  ImDrawList* draw = nullptr;
  TimeAxis time;
  double value_max = 1;
  ImVec2 min, max;  // the data area
  bool hovered = false;
  bool clicked = false;
  Micros mouse_time = 0;  // when hovered

  float y(double value) const;
};

// Reserves `spec.size` at the layout cursor as one item and draws the title, the background, the
// grid and both axes' labels. Values run from 0 to a round number at or above the data's max.
Frame draw_frame(const FrameSpec& spec);

// The time cursor's line, when it falls in the frame's span.
void draw_cursor(const Frame& frame, Micros cursor);

// The interval of `rows` (sorted by start) that covers `t`, or null (before, after, or between
// intervals).
const IntervalRow* row_at(const std::vector<IntervalRow>& rows, Micros t);

// The metric scopes of one kind ("server_group", "client"), in the store's order.
std::vector<const MetricScope*> scopes_of_kind(const TraceStore& store, std::string_view kind);

// A scope's series colour: a server group's is colors::series of its index in server_groups(), so
// that a group has one colour in every panel; any other scope's is colors::series(fallback).
ImU32 scope_colour(const TraceStore& store, const MetricScope& scope, size_t fallback);

// `colour` with its alpha replaced (0 to 255): faded series, shaded bands, dimmed cells.
ImU32 with_alpha(ImU32 colour, int alpha);

// Legend swatches on one line after another, wrapping when the window's width is used up.
class FlowLegend {
 public:
  void add(ImU32 colour, const char* text);

 private:
  bool first_ = true;
};

}  // namespace deploysim::viz::plot
