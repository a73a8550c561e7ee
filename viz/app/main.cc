// deploysim-viz: look at a run. Opens a recorded trace (or two, compared on one time axis), or
// runs a scenario live in-process; --screenshot renders one frame to a PNG and exits (under
// xvfb-run when there is no screen). Front end only: arguments, the window, the frame loop.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "sim/kernel/time.h"
#include "sim/kernel/trace.h"
#include "viz/app/gl_window.h"
#include "viz/live/live_run.h"
#include "viz/store/trace_store.h"
#include "viz/ui/viewer.h"

namespace fs = std::filesystem;
using namespace deploysim;

namespace {

constexpr int kExitOk = 0, kExitFailed = 1, kExitUsage = 2;

struct Args {
  std::vector<std::string> inputs;
  std::optional<uint64_t> seed;
  std::string trace;
  std::string screenshot;
  std::string at;
  std::string size = "1600x1000";
  double speed = 60;
  bool paused = false;
};

bool is_trace_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[sizeof(sim::kTraceMagic)] = {};
  in.read(magic, sizeof(magic));
  return in.gcount() == sizeof(magic) && std::equal(magic, magic + sizeof(magic), sim::kTraceMagic);
}

bool parse_size(const std::string& text, int* w, int* h) {
  char x = 0;
  return std::sscanf(text.c_str(), "%d%c%d", w, &x, h) == 3 && (x == 'x' || x == 'X') && *w >= 400 && *h >= 300 &&
         *w <= 8192 && *h <= 8192;
}

int fail(const std::string& message, int code) {
  std::cerr << "deploysim-viz: " << message << "\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  CLI::App app{"deploysim-viz: the interactive viewer of deploysim runs.\n"
               "  deploysim-viz TRACE              a recorded run (deploysim run --trace)\n"
               "  deploysim-viz TRACE_A TRACE_B    two runs on one time axis (compare mode)\n"
               "  deploysim-viz SCENARIO [--seed N] a scenario simulated live, paced by the clock; act on it\n"
               "Keys and mouse: the timeline's buttons play, pause, step; drag the slider or click the chart to scrub."};
  app.add_option("INPUT", args.inputs, "A trace file or a scenario file; a second trace to compare with")->required()->expected(1, 2);
  app.add_option("--seed", args.seed, "Live runs: the seed (default: the scenario's)");
  app.add_option("--trace", args.trace,
                 "Live runs: where the trace goes when the viewer closes (default: NAME-live.trace here); "
                 "deploysim replay reproduces it, operator actions included");
  app.add_option("--speed", args.speed, "Simulated seconds per second of playback, 1 to 10000 (default 60)")
      ->check(CLI::Range(1.0, 10000.0));
  app.add_flag("--paused", args.paused, "Start paused");
  app.add_option("--at", args.at, "Put the time cursor here first, e.g. 12m (live runs simulate up to it)");
  app.add_option("--screenshot", args.screenshot, "Render one frame to this PNG file and exit (headless: use xvfb-run)");
  app.add_option("--size", args.size, "Window size WIDTHxHEIGHT (default 1600x1000)");
  CLI11_PARSE(app, argc, argv);

  int width = 0, height = 0;
  if (!parse_size(args.size, &width, &height)) {
    return fail("--size: expected WIDTHxHEIGHT between 400x300 and 8192x8192, got \"" + args.size + "\"", kExitUsage);
  }
  std::optional<sim::Duration> at;
  if (!args.at.empty()) {
    sim::Result<sim::Duration> d = sim::parse_duration(args.at);
    if (!d.ok() || *d < sim::Duration::zero()) {
      return fail("--at: expected a time like 90s or 12m, got \"" + args.at + "\"", kExitUsage);
    }
    at = *d;
  }
  for (const std::string& input : args.inputs) {
    if (!fs::exists(input)) return fail(input + ": no such file", kExitUsage);
  }
  const bool live_mode = !is_trace_file(args.inputs[0]);
  if (args.inputs.size() == 2 && (live_mode || !is_trace_file(args.inputs[1]))) {
    return fail("compare mode takes two trace files (deploysim run --trace); " +
                    (live_mode ? args.inputs[0] : args.inputs[1]) + " is not one",
                kExitUsage);
  }
  if (!live_mode && (args.seed || !args.trace.empty())) {
    return fail("--seed and --trace are for live runs of a scenario; " + args.inputs[0] + " is a recorded trace", kExitUsage);
  }

  viz::ViewerModel model;
  model.view.speed = args.speed;
  model.view.playing = !args.paused && args.screenshot.empty();
  std::unique_ptr<viz::LiveRun> live;
  std::vector<viz::TraceStore> stores;
  stores.reserve(2);
  fs::path trace_out;
  if (live_mode) {
    trace_out = args.trace.empty() ? fs::path(fs::path(args.inputs[0]).stem().string() + "-live.trace") : fs::path(args.trace);
    if (!args.screenshot.empty() && args.trace.empty()) trace_out.clear();  // a screenshot leaves no trace behind
    sim::Result<std::unique_ptr<viz::LiveRun>> started = viz::LiveRun::start(args.inputs[0], args.seed, trace_out);
    if (!started.ok()) return fail(started.error().message, kExitUsage);
    live = std::move(*started);
    if (at) {
      if (sim::Status ran = live->run_to(at->count_micros()); !ran.ok()) return fail(ran.error().message, kExitFailed);
    }
    model.store = &live->store();
    model.live = &live->controls();
    model.title = "live: " + args.inputs[0];
  } else {
    for (const std::string& input : args.inputs) {
      const auto t0 = std::chrono::steady_clock::now();
      sim::Result<viz::TraceStore> opened = viz::TraceStore::open(input, true);
      if (!opened.ok()) return fail(opened.error().message, kExitUsage);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::fprintf(stderr, "opened %s: %zu events in %.2f s%s\n", input.c_str(), opened->event_count(), seconds,
                   opened->complete() ? "" : " (incomplete: the run did not finish)");
      if (!opened->damage().empty()) std::fprintf(stderr, "  reading stopped early: %s\n", opened->damage().c_str());
      stores.push_back(std::move(*opened));
    }
    model.store = &stores[0];
    if (stores.size() == 2) model.other = &stores[1];
    model.title = args.inputs[0] + (stores.size() == 2 ? "  vs  " + args.inputs[1] : "");
  }
  if (at) {
    model.view.cursor = at->count_micros();
    model.view.follow = false;
  }

  sim::Result<std::unique_ptr<viz::GlWindow>> window =
      viz::GlWindow::open(width, height, "deploysim-viz: " + model.title, args.screenshot.empty());
  if (!window.ok()) return fail(window.error().message, kExitFailed);
  viz::GlWindow& gl = **window;

  bool screenshot_written = false;
  auto last = std::chrono::steady_clock::now();
  // Windows, tables and auto-sized items settle over the first frames; a screenshot waits for them.
  constexpr int kScreenshotFrame = 4;
  for (int frame = 0; gl.open_still(); ++frame) {
    const auto now = std::chrono::steady_clock::now();
    const double dt = std::min(0.25, std::chrono::duration<double>(now - last).count());
    last = now;
    if (live && model.view.playing && !live->at_end()) live->advance(dt, model.view.speed, 0.010);
    viz::advance_cursor(model, dt, live ? live->now() : 0);
    if (live) model.status = live->last_error();
    gl.begin_frame(!args.screenshot.empty());
    viz::draw_viewer(model);
    gl.render();
    if (!args.screenshot.empty() && frame == kScreenshotFrame) {
      int w = 0, h = 0;
      const std::vector<uint8_t> pixels = gl.read_pixels(&w, &h);
      if (sim::Status written = viz::write_png(args.screenshot, w, h, pixels); !written.ok()) {
        return fail(written.error().message, kExitFailed);
      }
      std::printf("wrote %s (%dx%d, at %s, renderer %s)\n", args.screenshot.c_str(), w, h,
                  viz::format_time(model.view.cursor).c_str(), gl.renderer().c_str());
      screenshot_written = true;
      break;
    }
    gl.present();
  }
  if (!args.screenshot.empty() && !screenshot_written) return fail("the window closed before the screenshot was taken", kExitFailed);
  if (live && !trace_out.empty()) {
    std::printf("finishing the run to its end (%s) for a complete trace...\n", viz::format_time(live->end()).c_str());
    sim::Result<scenarios::WorldRunSummary> summary = live->finish();
    if (!summary.ok()) return fail(summary.error().message, kExitFailed);
    std::printf("wrote %s: %llu events, fingerprint %016llx; deploysim replay %s reproduces it\n", trace_out.c_str(),
                static_cast<unsigned long long>(summary->trace_events), static_cast<unsigned long long>(summary->trace_hash),
                trace_out.c_str());
  }
  return kExitOk;
}
