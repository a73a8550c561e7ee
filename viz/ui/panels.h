// The viewer's panels: each draws one view of a TraceStore into the current ImGui window, at the
// time cursor, and may change the shared ViewState (the cursor, the selection, filters). One panel
// per file under viz/ui/panels/. Panels never run the simulation; live actions go through
// LiveControls, which the live mode provides.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "viz/store/trace_store.h"

namespace deploysim::viz {

// What every panel shares: where the cursor is and what is selected.
struct ViewState {
  Micros cursor = 0;       // the time every panel shows
  Micros view_begin = 0;   // the timeline's visible span; view_end 0 means the whole run
  Micros view_end = 0;
  bool playing = false;
  double speed = 60;       // simulated seconds per wall-clock second, 1 to 10,000
  bool follow = true;      // the cursor follows the newest time (live runs, playback)
  int selected_stage = -1;  // index into TraceStore::stages()
  int selected_group = -1;  // index into TraceStore::server_groups()
  // The event log's filters.
  std::string search;
  uint64_t hidden_kinds = 0;  // bit (KindCase % 64) set: that kind is hidden
};

// What a live run offers the panels (null for a recorded trace). Each call does the action at the
// run's current time and records it in the trace; the returned string is empty on success, else
// why it was refused.
struct LiveControls {
  struct Judgment {
    std::string execution;
    std::string stage;     // its name, shown
    std::string stage_id;  // its id, which the answer names (names may repeat)
    std::string instructions;
    std::vector<std::string> inputs;
  };
  std::function<std::vector<Judgment>()> pending_judgments;
  std::function<std::string(const Judgment&, const std::string& status, const std::string& input)> judge;
  struct Cluster {
    std::string name;
    std::string region;
  };
  std::function<std::vector<Cluster>()> clusters;
  std::function<std::string(const Cluster&)> rollback;
  std::function<std::string(const std::string& server_group, int count)> crash;
  std::function<std::string(const std::string& server_group, Micros duration)> fail_health;
  std::function<std::string(const std::string& version, double probability)> set_error_rate;
  std::function<std::vector<std::string>()> versions;
  // Pacing: step to the next recorded event.
  std::function<void()> step;
  std::function<bool()> finished;
};

struct PanelContext {
  const TraceStore& store;
  ViewState& view;
  // Compare mode: the second run, drawn on the same time axis (null otherwise).
  const TraceStore* other = nullptr;
  LiveControls* live = nullptr;
  // The span the time axis covers: 0 to the later of both runs' ends (at least 1 s).
  Micros axis_end() const;
};

// viz/ui/panels/*.cc, one each.
void draw_timeline_panel(PanelContext& context);   // play/pause/speed/scrub/next event + stage Gantt chart
void draw_pipeline_panel(PanelContext& context);   // the stage DAG, coloured by status; click for details
void draw_cluster_panel(PanelContext& context);    // server groups as rows, instances as cells
void draw_traffic_panel(PanelContext& context);    // traffic split over time, stacked by server group
void draw_metrics_panel(PanelContext& context);    // error rate, p50/p99, baseline vs canary, canary intervals
void draw_canary_panel(PanelContext& context);     // canary report: per metric classification
void draw_event_log_panel(PanelContext& context);  // every event, with filters and search
void draw_scorecard_panel(PanelContext& context);  // the run's scorecard and checks
void draw_actions_panel(PanelContext& context);    // live actions: judgments, rollback, faults

// "12m30s" style labels for times on axes and in lists.
std::string format_time(Micros t);

}  // namespace deploysim::viz
