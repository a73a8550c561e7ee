// The viewer's window layout and playback: one frame draws every panel in fixed windows over the
// display (1.86 has no docking), for a recorded trace, a live run, or two traces compared. Used by
// the GLFW program and, with no backend at all, by the logic tests.
#pragma once

#include <string>

#include "viz/store/trace_store.h"
#include "viz/ui/panels.h"

namespace deploysim::viz {

struct ViewerModel {
  const TraceStore* store = nullptr;  // the run shown (a live run's store grows between frames)
  const TraceStore* other = nullptr;  // compare mode: the second run
  LiveControls* live = nullptr;       // live mode: actions and stepping
  ViewState view;
  std::string title;                  // shown in the top bar: what is open
  std::string status;                 // the top bar's message (the last refused action, ...)
};

// Sets up ImGui's style for the viewer (dark, compact) on the current context.
void apply_viewer_style();
// Draws one frame's windows; call between ImGui::NewFrame() and ImGui::Render().
void draw_viewer(ViewerModel& model);
// Recorded traces: moves the cursor by `wall_seconds` × speed while playing, stopping at the end.
// Live runs: keeps the cursor on the run's newest time while following.
void advance_cursor(ViewerModel& model, double wall_seconds, Micros live_now);

}  // namespace deploysim::viz
