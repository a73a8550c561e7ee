// The viewer without a display: an ImGui context with no backend draws every panel over traces of
// library scenarios (ImGui's own assertions would abort on misuse), the store agrees with what the
// run reported, and clicks on the live actions' buttons act on the run, land in its trace, and
// leave a trace `deploysim replay` reproduces.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <imgui.h>

#include "scenarios/loader.h"
#include "scenarios/world_run.h"
#include "viz/live/live_run.h"
#include "viz/store/trace_store.h"
#include "viz/ui/viewer.h"
#include "viz/ui/widgets.h"

namespace deploysim::viz {
namespace {

namespace fs = std::filesystem;

// An ImGui context with a font atlas and nothing else: frames build draw lists no one renders.
class Headless {
 public:
  Headless() {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(1600, 1000);
    io.DeltaTime = 1.0f / 60;
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    io.Fonts->SetTexID(reinterpret_cast<ImTextureID>(intptr_t{1}));
    apply_viewer_style();
  }
  ~Headless() { ImGui::DestroyContext(); }

  // One frame; returns the vertices it drew.
  int frame(ViewerModel& model) {
    ImGui::NewFrame();
    draw_viewer(model);
    ImGui::Render();
    EXPECT_TRUE(ImGui::GetDrawData()->Valid);
    return ImGui::GetDrawData()->TotalVtxCount;
  }

  // Presses and releases the left button on the tracked button `label`, as a person would.
  void click(ViewerModel& model, const std::string& label) {
    frame(model);
    const TrackedItem* item = tracked_item(label);
    ASSERT_NE(item, nullptr) << "no button " << label << " on screen";
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = item->center();
    frame(model);  // hover first
    io.MouseDown[0] = true;
    frame(model);
    io.MouseDown[0] = false;
    frame(model);
    io.MousePos = ImVec2(-1, -1);
    frame(model);
  }
};

fs::path library(const std::string& name) { return fs::path(DEPLOYSIM_LIBRARY) / (name + ".json"); }

class Viewer : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("deploysim-viewer-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs a library scenario with a trace and opens the trace in a store.
  TraceStore recorded(const std::string& name, scenarios::WorldRunSummary* summary = nullptr) {
    sim::Result<scenarios::LoadedScenario> s = scenarios::load_scenario(library(name));
    EXPECT_TRUE(s.ok());
    scenarios::WorldRunOptions options;
    options.trace_path = dir_ / (name + ".trace");
    sim::Result<scenarios::WorldRunSummary> run = scenarios::run_world(*s, options);
    EXPECT_TRUE(run.ok());
    if (summary != nullptr) *summary = *run;
    sim::Result<TraceStore> store = TraceStore::open(options.trace_path);
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
    return std::move(*store);
  }

  // `deploysim replay TRACE`'s exit status and output.
  std::pair<int, std::string> replay(const fs::path& trace) {
    const std::string command = std::string(DEPLOYSIM_CLI) + " replay " + trace.string() + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    std::string out;
    std::array<char, 512> buffer{};
    while (pipe != nullptr && std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) out += buffer.data();
    const int status = pipe == nullptr ? -1 : ::pclose(pipe);
    return {status, out};
  }

  fs::path dir_;
};

TEST_F(Viewer, TheStoreHoldsWhatTheRunReported) {
  scenarios::WorldRunSummary summary;
  const TraceStore store = recorded("step-canary-bad-candidate", &summary);
  EXPECT_TRUE(store.complete());
  EXPECT_EQ(store.hash(), summary.trace_hash);
  EXPECT_EQ(store.event_count(), summary.trace_events);
  EXPECT_EQ(store.server_groups().size(), summary.server_groups.size());
  ASSERT_TRUE(store.scorecard().has_value());
  EXPECT_EQ(store.scorecard()->outcome(), summary.scorecard.outcome);
  EXPECT_EQ(store.scorecard()->verdict(), summary.scorecard.verdict);
  ASSERT_TRUE(summary.pipeline.has_value());
  // Every stage the run reported, with the status it ended in.
  for (const scenarios::StageTimeline& st : summary.pipeline->stages) {
    const auto found = std::find_if(store.stages().begin(), store.stages().end(),
                                    [&](const StageTrack& t) { return t.name == st.name && t.type == st.type; });
    if (st.status == "NOT_STARTED") continue;  // never recorded
    ASSERT_NE(found, store.stages().end()) << st.name;
    EXPECT_EQ(found->status_at(store.end_time()), st.status) << st.name;
    EXPECT_EQ(found->started.value_or(-1), st.start.micros_since_start()) << st.name;
  }
  // The top-level stage graph came with the execution.
  ASSERT_FALSE(store.executions().empty());
  const size_t top_level = static_cast<size_t>(std::count_if(summary.pipeline->stages.begin(), summary.pipeline->stages.end(),
                                                             [](const scenarios::StageTimeline& s) { return s.depth == 0; }));
  EXPECT_EQ(store.executions().front().graph.size(), top_level);
  // Canary intervals as the run judged them.
  ASSERT_EQ(store.canary().size(), summary.pipeline->canary.size());
  for (size_t i = 0; i < store.canary().size(); ++i) {
    EXPECT_DOUBLE_EQ(store.canary()[i].second.score(), summary.pipeline->canary[i].score);
  }
  // What instances were doing at the end: the same counts as the world's.
  for (size_t g = 0; g < summary.server_groups.size(); ++g) {
    const std::optional<uint32_t> index = store.find_server_group(summary.server_groups[g].name);
    ASSERT_TRUE(index.has_value());
    int running = 0;
    for (uint32_t i : store.server_groups()[*index].instances) {
      const InstanceTrack::Lifecycle* l = store.instances()[i].lifecycle.at(store.end_time());
      running += l != nullptr && l->state == InstanceState::kRunning;
    }
    int expected = 0;
    for (const auto& [state, count] : summary.server_groups[g].instances_by_state) expected += state == "running" ? count : 0;
    EXPECT_EQ(running, expected) << summary.server_groups[g].name;
  }
}

TEST_F(Viewer, AKilledRunsTraceShowsWhatItHolds) {
  scenarios::WorldRunSummary summary;
  recorded("redblack-good-candidate", &summary);
  // Cut inside a record, as a killed run leaves its file.
  const fs::path whole = dir_ / "redblack-good-candidate.trace", cut = dir_ / "cut.trace";
  fs::copy_file(whole, cut);
  fs::resize_file(cut, fs::file_size(whole) / 2 + 3);
  sim::Result<TraceStore> refused = TraceStore::open(cut);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("cut.trace"), std::string::npos) << refused.error().message;
  sim::Result<TraceStore> shown = TraceStore::open(cut, true);
  ASSERT_TRUE(shown.ok());
  EXPECT_FALSE(shown->complete());
  EXPECT_NE(shown->damage().find("offset"), std::string::npos) << shown->damage();
  EXPECT_GT(shown->event_count(), summary.trace_events / 4);
  EXPECT_LT(shown->event_count(), summary.trace_events);
  EXPECT_FALSE(shown->scorecard().has_value());
  Headless ui;
  ViewerModel model;
  model.store = &*shown;
  model.view.cursor = shown->end_time();
  EXPECT_GT(ui.frame(model), 1000);
}

TEST_F(Viewer, EveryPanelBuildsOverLibraryScenarios) {
  Headless ui;
  const TraceStore compare = recorded("redblack-good-candidate");
  for (const char* name : {"step-canary-bad-candidate", "redblack-good-candidate", "rolling-blue-green-bad-candidate",
                           "highlander-crash-loop", "kayenta-zone-outage", "kubernetes-redblack", "steady-state"}) {
    SCOPED_TRACE(name);
    const TraceStore store = recorded(name);
    ViewerModel model;
    model.store = &store;
    model.title = name;
    for (int compare_mode = 0; compare_mode < 2; ++compare_mode) {
      model.other = compare_mode ? &compare : nullptr;
      for (const Micros cursor : {Micros{0}, store.end_time() / 3, store.end_time() / 2, store.end_time(), store.end_time() + 1}) {
        model.view.cursor = cursor;
        for (int stage = -1; stage < static_cast<int>(std::min<size_t>(store.stages().size(), 3)); ++stage) {
          model.view.selected_stage = stage;
          model.view.selected_group = stage;
          EXPECT_GT(ui.frame(model), 1000);
        }
      }
    }
    // The event log's search and filters.
    model.view.search = "stage";
    model.view.hidden_kinds = ~uint64_t{0} ^ (uint64_t{1} << trace::Event::kStage);
    EXPECT_GT(ui.frame(model), 1000);
    model.view.search = "no event says this";
    EXPECT_GT(ui.frame(model), 1000);
  }
}

TEST_F(Viewer, PlaybackMovesTheCursorAtTheChosenSpeedAndStopsAtTheEnd) {
  const TraceStore store = recorded("redblack-good-candidate");
  ViewerModel model;
  model.store = &store;
  model.view.playing = true;
  model.view.speed = 600;
  advance_cursor(model, 0.5, 0);
  EXPECT_EQ(model.view.cursor, 300'000'000);
  advance_cursor(model, 1e6, 0);
  EXPECT_EQ(model.view.cursor, store.end_time());
  EXPECT_FALSE(model.view.playing);
}

TEST_F(Viewer, AnsweringAJudgmentByClickIsRecordedAndReplayed) {
  Headless ui;
  const fs::path trace = dir_ / "judged.trace";
  sim::Result<std::unique_ptr<LiveRun>> started = LiveRun::start(library("rolling-blue-green-bad-candidate"), std::nullopt, trace);
  ASSERT_TRUE(started.ok()) << started.error().message;
  LiveRun& live = **started;
  ViewerModel model;
  model.store = &live.store();
  model.live = &live.controls();
  while (live.controls().pending_judgments().empty() && !live.at_end()) ASSERT_TRUE(live.run_to(live.now() + 5'000'000).ok());
  advance_cursor(model, 0, live.now());
  const std::string stage_id = live.controls().pending_judgments().front().stage_id;
  // The scenario's operator would roll this bad candidate back after 3 minutes; the person
  // clicks "continue" first.
  ui.click(model, "continue##judge/judge");
  EXPECT_EQ(live.last_error(), "");
  EXPECT_TRUE(live.controls().pending_judgments().empty());
  const auto action = std::find_if(live.store().markers().begin(), live.store().markers().end(),
                                   [](const Marker& m) { return m.kind == trace::Event::kOperatorAction; });
  ASSERT_NE(action, live.store().markers().end());
  EXPECT_NE(action->text.find("judgment " + stage_id + " continue (continue)"), std::string::npos) << action->text;
  sim::Result<scenarios::WorldRunSummary> summary = live.finish();
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->scorecard.outcome, "promoted");
  ASSERT_TRUE(live.store().scorecard().has_value());
  EXPECT_EQ(live.store().scorecard()->outcome(), "promoted");
  // The live store saw every event the trace file holds, from the first.
  sim::Result<TraceStore> reread = TraceStore::open(trace);
  ASSERT_TRUE(reread.ok());
  EXPECT_EQ(live.store().event_count(), reread->event_count());
  EXPECT_EQ(live.store().hash(), reread->hash());
  EXPECT_EQ(live.store().instances().size(), reread->instances().size());
  const auto [status, out] = replay(trace);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("with 1 operator actions"), std::string::npos) << out;
  EXPECT_NE(out.find("same run"), std::string::npos) << out;
}

TEST_F(Viewer, OneClickRollbackAndAFaultAreRecordedAndReplayed) {
  Headless ui;
  const fs::path trace = dir_ / "rolled-back.trace";
  sim::Result<std::unique_ptr<LiveRun>> started = LiveRun::start(library("redblack-good-candidate"), std::nullopt, trace);
  ASSERT_TRUE(started.ok()) << started.error().message;
  LiveRun& live = **started;
  ViewerModel model;
  model.store = &live.store();
  model.live = &live.controls();
  // Until the candidate serves: a target of the second group in service.
  const auto candidate_serves = [&] {
    const auto& groups = live.store().server_groups();
    if (groups.size() < 2) return false;
    for (uint32_t i : groups[1].instances) {
      for (const auto& [lb, health] : live.store().instances()[i].targets) {
        const TargetHealth* h = health.at(live.now());
        if (h != nullptr && *h == TargetHealth::kInService) return true;
      }
    }
    return false;
  };
  while (!candidate_serves() && !live.at_end()) ASSERT_TRUE(live.run_to(live.now() + 5'000'000).ok());
  advance_cursor(model, 0, live.now());
  ui.click(model, "Crash##fault");
  EXPECT_EQ(live.last_error(), "");
  const std::vector<LiveControls::Cluster> clusters = live.controls().clusters();
  ASSERT_EQ(clusters.size(), 1u);
  ui.click(model, "Rollback " + clusters[0].name + " (" + clusters[0].region + ")##rollback/" + clusters[0].name);
  EXPECT_EQ(live.last_error(), "");
  ASSERT_TRUE(live.run_to(live.now() + 600'000'000).ok());
  for (int i = 0; i < 3; ++i) ui.frame(model);  // the panels over a store that grew
  int actions = 0, rollbacks = 0, crashes = 0;
  for (const Marker& m : live.store().markers()) {
    actions += m.kind == trace::Event::kOperatorAction;
    rollbacks += m.kind == trace::Event::kRollback;
    crashes += m.kind == trace::Event::kFault && m.text.rfind("crash", 0) == 0;
  }
  EXPECT_EQ(actions, 2);
  EXPECT_EQ(rollbacks, 1);
  EXPECT_EQ(crashes, 1);
  sim::Result<scenarios::WorldRunSummary> summary = live.finish();
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->scorecard.outcome, "rolled_back");
  const auto [status, out] = replay(trace);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("with 2 operator actions"), std::string::npos) << out;
  EXPECT_NE(out.find("same run"), std::string::npos) << out;
}

}  // namespace
}  // namespace deploysim::viz
