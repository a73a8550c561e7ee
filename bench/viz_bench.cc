// viz_bench: the viewer's two speed targets. (1) Opening a 1 M-event trace into the store (goal
// <= 1 s): a synthetic trace of a long, busy run (1,000 instances in 20 server groups whose
// health keeps changing, per-interval metrics, a pipeline's stages and tasks), written once and
// opened 3 times. (2) Frame time at 1,000 instances (goal <= 16 ms) with whatever OpenGL the
// display has: under xvfb-run that is Mesa's software rasteriser, llvmpipe. Every panel is drawn,
// at a cursor in the middle of the run, 200 frames, vsync off, glFinish in each frame.
//
//   xvfb-run -a -s "-screen 0 1700x1100x24" build/bench/viz_bench [EVENTS [WIDTHxHEIGHT]]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <imgui.h>

#include "sim/kernel/trace.h"
#include "viz/app/gl_window.h"
#include "viz/store/trace_store.h"
#include "viz/ui/viewer.h"

namespace fs = std::filesystem;
using namespace deploysim;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kGroups = 20, kPerGroup = 50;

std::string group_name(int g) { return "shop-v" + std::to_string(100 + g); }
std::string instance_name(int i) { return "i-" + std::to_string(100000 + i); }

// Writes `events` events of a run's typical mix, 10 ms apart.
void write_trace(const fs::path& path, uint64_t events) {
  trace::Header header;
  header.set_scenario_name("viz-bench");
  auto writer = sim::TraceWriter::create(path, header);
  if (!writer.ok()) {
    std::fprintf(stderr, "viz_bench: %s\n", writer.error().message.c_str());
    std::exit(1);
  }
  sim::TraceWriter& w = **writer;
  trace::Event e;
  const auto emit = [&](int64_t t) { w.append(sim::TimePoint::from_micros(t), e); e.Clear(); };
  e.mutable_execution()->set_execution("execution-1");
  e.mutable_execution()->set_pipeline("deploy");
  e.mutable_execution()->set_status("RUNNING");
  for (int s = 0; s < 8; ++s) {
    auto* node = e.mutable_execution()->add_stages();
    node->set_stage_id(std::to_string(s + 1));
    node->set_name("stage " + std::to_string(s + 1));
    node->set_type(s % 2 ? "wait" : "deploy");
    if (s > 0) node->add_requisites(std::to_string(s));
  }
  emit(0);
  for (int g = 0; g < kGroups; ++g) {
    auto* c = e.mutable_server_group();
    c->set_server_group(group_name(g));
    c->set_action("created");
    c->set_desired(kPerGroup);
    c->set_max(kPerGroup);
    c->set_enabled(true);
    c->set_version("v" + std::to_string(g));
    emit(0);
  }
  static const char* kHealth[] = {"in_service", "unhealthy", "draining", "initial"};
  static const char* kState[] = {"booting", "running", "draining", "running"};
  const int instances = kGroups * kPerGroup;
  uint64_t picks = 0;  // which instance the next instance or target event is about
  for (uint64_t i = 0, n = 1 + kGroups; n < events; ++n, ++i) {
    const int64_t t = static_cast<int64_t>(n) * 10'000;
    const int inst = n % 10 < 8 ? static_cast<int>((picks++ * 7919) % instances) : 0;
    switch (n % 10) {
      case 0: case 1: case 2: case 3: case 4: case 5: {
        auto* c = e.mutable_target();
        c->set_load_balancer("shop-lb");
        c->set_instance(instance_name(inst));
        c->set_server_group(group_name(inst / kPerGroup));
        c->set_health(kHealth[(i / 3) % 4]);
        break;
      }
      case 6: case 7: {
        auto* c = e.mutable_instance();
        c->set_instance(instance_name(inst));
        c->set_server_group(group_name(inst / kPerGroup));
        c->set_zone(inst % 2 ? "us-east-1a" : "us-east-1b");
        c->set_state(kState[(i / 7) % 4]);
        c->set_platform_health(i % 5 ? "up" : "down");
        c->set_reason("health check");
        break;
      }
      case 8: {
        auto* c = e.mutable_interval_metrics();
        c->set_scope_kind(i % 21 == 0 ? "client" : "server_group");
        c->set_scope(i % 21 == 0 ? "users" : group_name(static_cast<int>(i % kGroups)));
        c->set_start_us(t - 10'000'000);
        c->set_duration_us(10'000'000);
        c->set_requests(2000 + i % 300);
        c->set_errors(i % 17);
        c->set_latency_p50_us(30'000);
        c->set_latency_p99_us(150'000 + static_cast<int64_t>(i % 5000));
        break;
      }
      default: {
        auto* c = e.mutable_task();
        c->set_execution("execution-1");
        c->set_stage_id(std::to_string(1 + (n / 1000) % 8));
        c->set_task("waitForUpInstances");
        c->set_status("RUNNING");
        break;
      }
    }
    emit(t);
  }
  if (sim::Status s = w.finish(); !s.ok()) {
    std::fprintf(stderr, "viz_bench: %s\n", s.error().message.c_str());
    std::exit(1);
  }
}

long resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  int width = 1600, height = 1000;
  if (argc > 2 && std::sscanf(argv[2], "%dx%d", &width, &height) != 2) {
    std::fprintf(stderr, "viz_bench: expected WIDTHxHEIGHT, got %s\n", argv[2]);
    return 2;
  }
  const fs::path path = fs::temp_directory_path() / ("deploysim-viz-bench-" + std::to_string(::getpid()) + ".trace");
  write_trace(path, events);
  std::printf("trace: %llu events, %.1f MB\n", static_cast<unsigned long long>(events), static_cast<double>(fs::file_size(path)) / 1e6);

  std::vector<double> seconds;
  viz::TraceStore store;
  const long before = resident_kib();
  for (int run = 0; run < 3; ++run) {
    const Clock::time_point t0 = Clock::now();
    sim::Result<viz::TraceStore> opened = viz::TraceStore::open(path);
    seconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    if (!opened.ok()) {
      std::fprintf(stderr, "viz_bench: %s\n", opened.error().message.c_str());
      return 1;
    }
    store = std::move(*opened);
  }
  fs::remove(path);
  std::sort(seconds.begin(), seconds.end());
  std::printf("open: median %.3f s (min %.3f, max %.3f) for %zu events, %zu instances; store ~%ld MB resident\n",
              seconds[1], seconds[0], seconds[2], store.event_count(), store.instances().size(), (resident_kib() - before) / 1024);

  if (std::getenv("DISPLAY") == nullptr) {
    std::printf("frame: skipped (no DISPLAY: run under xvfb-run for software OpenGL)\n");
    return 0;
  }
  sim::Result<std::unique_ptr<viz::GlWindow>> window = viz::GlWindow::open(width, height, "viz_bench", false);
  if (!window.ok()) {
    std::fprintf(stderr, "viz_bench: %s\n", window.error().message.c_str());
    return 1;
  }
  viz::GlWindow& gl = **window;
  gl.set_vsync(false);
  viz::ViewerModel model;
  model.store = &store;
  model.view.cursor = store.end_time() / 2;
  model.view.follow = false;
  std::vector<double> frame_ms, build_ms;
  for (int frame = 0; frame < 220; ++frame) {
    const Clock::time_point t0 = Clock::now();
    gl.begin_frame(true);
    viz::draw_viewer(model);
    ImGui::EndFrame();
    const Clock::time_point built = Clock::now();
    gl.render();
    gl.finish_gl();
    gl.present();
    if (frame >= 20) {
      frame_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      build_ms.push_back(std::chrono::duration<double, std::milli>(built - t0).count());
    }
    model.view.cursor += 1'000'000;  // a moving cursor: what playback costs
  }
  std::sort(frame_ms.begin(), frame_ms.end());
  std::sort(build_ms.begin(), build_ms.end());
  int commands = 0;
  const ImDrawData* drawn = ImGui::GetDrawData();
  for (int l = 0; l < drawn->CmdListsCount; ++l) commands += drawn->CmdLists[l]->CmdBuffer.Size;
  std::printf("  of which building the frame (panels, ImGui, no GL): median %.2f ms, p95 %.2f ms; %d vertices, %d draw calls\n",
              build_ms[build_ms.size() / 2], build_ms[build_ms.size() * 95 / 100], drawn->TotalVtxCount, commands);
  std::printf("frame (%s, %dx%d, %zu instances): median %.2f ms, p95 %.2f ms, max %.2f ms over %zu frames\n",
              gl.renderer().c_str(), width, height, store.instances().size(), frame_ms[frame_ms.size() / 2],
              frame_ms[frame_ms.size() * 95 / 100], frame_ms.back(), frame_ms.size());
  return 0;
}
