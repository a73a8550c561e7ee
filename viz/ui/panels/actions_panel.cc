// Live actions: answer a waiting judgment, roll a cluster back with one click, inject a fault. Each
// goes through LiveControls, which does it at the run's current time and records it in the trace.
#include <algorithm>
#include <string>

#include <imgui.h>

#include "viz/ui/colors.h"
#include "viz/ui/panels.h"
#include "viz/ui/widgets.h"

namespace deploysim::viz {
namespace {

// What the fault controls hold between frames: choices by name, since the lists change as
// groups come and go.
struct FaultForm {
  std::string group;
  int crash_count = 1;
  int fail_seconds = 120;
  std::string version;
  float error_percent = 20;
};

std::string& last_result() {
  static std::string result;
  return result;
}

void report(const std::string& refused, const std::string& done) { last_result() = refused.empty() ? done : "refused: " + refused; }

void draw_judgments(LiveControls& live) {
  ImGui::TextUnformatted("Manual judgments");
  const std::vector<LiveControls::Judgment> pending = live.pending_judgments ? live.pending_judgments() : std::vector<LiveControls::Judgment>{};
  if (pending.empty()) ImGui::TextColored(ImColor(colors::kDimText), "none waiting");
  for (const LiveControls::Judgment& j : pending) {
    ImGui::PushID((j.execution + "/" + j.stage).c_str());
    ImGui::TextColored(ImColor(colors::kPaused), "%s (%s) waits", j.stage.c_str(), j.execution.c_str());
    if (!j.instructions.empty()) ImGui::TextWrapped("%s", j.instructions.c_str());
    const std::string suffix = "##judge/" + j.stage;
    if (j.inputs.empty()) {
      if (tracked_button(("Continue" + suffix).c_str())) report(live.judge(j, "continue", ""), "continued " + j.stage);
      ImGui::SameLine();
    }
    for (const std::string& input : j.inputs) {
      if (tracked_button((input + suffix).c_str())) report(live.judge(j, "continue", input), "answered " + j.stage + ": " + input);
      ImGui::SameLine();
    }
    if (tracked_button(("Stop" + suffix).c_str())) report(live.judge(j, "stop", ""), "stopped at " + j.stage);
    ImGui::PopID();
  }
}

void draw_rollback(LiveControls& live) {
  ImGui::TextUnformatted("Rollback");
  const std::vector<LiveControls::Cluster> clusters = live.clusters ? live.clusters() : std::vector<LiveControls::Cluster>{};
  if (clusters.empty()) ImGui::TextColored(ImColor(colors::kDimText), "no live cluster");
  for (const LiveControls::Cluster& c : clusters) {
    const std::string label = "Rollback " + c.name + " (" + c.region + ")##rollback/" + c.name;
    if (tracked_button(label.c_str())) report(live.rollback(c), "rolling back " + c.name);
  }
  ImGui::TextColored(ImColor(colors::kDimText), "cancels running executions, restores the previous server group");
}

// A combo over `items`, keeping `chosen` (the first item when it is gone); returns it (empty when
// there are no items).
std::string pick(const char* label, std::string& chosen, const std::vector<std::string>& items) {
  if (items.empty()) return {};
  if (std::find(items.begin(), items.end(), chosen) == items.end()) chosen = items.front();
  if (ImGui::BeginCombo(label, chosen.c_str())) {
    for (const std::string& item : items) {
      if (ImGui::Selectable(item.c_str(), item == chosen)) chosen = item;
    }
    ImGui::EndCombo();
  }
  return chosen;
}

// Faults act at the run's newest time, whatever the cursor shows: the groups offered are the live ones.
void draw_faults(const TraceStore& store, LiveControls& live) {
  const Micros now = store.end_time();
  static FaultForm form;
  ImGui::TextUnformatted("Inject a fault");
  std::vector<std::string> groups;
  for (const ServerGroupTrack& g : store.server_groups()) {
    if (g.created <= now && !g.destroyed) groups.push_back(store.names()[g.name]);
  }
  ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.6f);
  const std::string group = pick("server group", form.group, groups);
  ImGui::SetNextItemWidth(100);
  ImGui::InputInt("instances", &form.crash_count);
  form.crash_count = std::max(form.crash_count, 1);
  ImGui::SameLine();
  if (tracked_button("Crash##fault") && !group.empty()) {
    report(live.crash(group, form.crash_count), "crashed " + std::to_string(form.crash_count) + " of " + group);
  }
  ImGui::SetNextItemWidth(100);
  ImGui::InputInt("seconds (0: for good)", &form.fail_seconds);
  form.fail_seconds = std::max(form.fail_seconds, 0);
  ImGui::SameLine();
  if (tracked_button("Fail health##fault") && !group.empty()) {
    report(live.fail_health(group, int64_t{form.fail_seconds} * 1'000'000), "health checks of " + group + " fail");
  }
  const std::vector<std::string> versions = live.versions ? live.versions() : std::vector<std::string>{};
  ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.6f);
  const std::string version = pick("version", form.version, versions);
  ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.6f);
  ImGui::SliderFloat("error %", &form.error_percent, 0, 100, "%.1f%%");
  if (tracked_button("Set error rate##fault") && !version.empty()) {
    report(live.set_error_rate(version, form.error_percent / 100.0), version + " now fails " + std::to_string(form.error_percent) + "%");
  }
}

}  // namespace

void draw_actions_panel(PanelContext& context) {
  if (context.live == nullptr) {
    ImGui::TextWrapped("Actions are for live runs: open a scenario file (deploysim-viz SCENARIO) to act on it.");
    return;
  }
  LiveControls& live = *context.live;
  if (live.finished && live.finished()) ImGui::TextColored(ImColor(colors::kSucceeded), "the run has reached its end");
  draw_judgments(live);
  ImGui::Separator();
  draw_rollback(live);
  ImGui::Separator();
  draw_faults(context.store, live);
  ImGui::Separator();
  if (!last_result().empty()) ImGui::TextWrapped("%s", last_result().c_str());
  ImGui::TextUnformatted("Done by hand in this run:");
  for (const Marker& m : context.store.markers()) {
    if (m.kind == trace::Event::kOperatorAction) ImGui::BulletText("%s  %s", format_time(m.at).c_str(), m.text.c_str());
  }
}

}  // namespace deploysim::viz
