// A GLFW window with an OpenGL 3.3 core context and ImGui's GLFW and OpenGL3 backends on it: what
// the viewer and its frame benchmark draw into. Under Xvfb (xvfb-run) it renders with Mesa's
// software rasteriser, which is how screenshots are taken without a screen.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sim/kernel/result.h"

struct GLFWwindow;

namespace deploysim::viz {

class GlWindow {
 public:
  // Opens a `width` x `height` window titled `title` and creates the ImGui context. Errors: no
  // display, no OpenGL 3.3.
  static sim::Result<std::unique_ptr<GlWindow>> open(int width, int height, const std::string& title, bool resizable);
  ~GlWindow();
  GlWindow(const GlWindow&) = delete;
  GlWindow& operator=(const GlWindow&) = delete;

  // False once the user closed the window.
  bool open_still() const;
  // Polls input and starts an ImGui frame; with `ignore_mouse`, as if the pointer were elsewhere
  // (screenshots: no tooltip where Xvfb's pointer happens to be).
  void begin_frame(bool ignore_mouse = false);
  // Renders the frame into the back buffer (call read_pixels now for a screenshot), then shows it.
  void render();
  void present();
  // Waits until the GPU (or llvmpipe) has finished drawing: for frame timing.
  void finish_gl();
  // The back buffer as RGBA rows, top row first.
  std::vector<uint8_t> read_pixels(int* width, int* height) const;
  void set_vsync(bool on);
  // The OpenGL renderer's name ("llvmpipe (LLVM 15.0.6, 256 bits)").
  std::string renderer() const;

 private:
  GlWindow() = default;
  GLFWwindow* window_ = nullptr;
  bool font_filter_set_ = false;
};

// Writes RGBA pixels as a PNG through "<path>.partial", renamed when complete.
sim::Status write_png(const std::filesystem::path& path, int width, int height, const std::vector<uint8_t>& rgba);

}  // namespace deploysim::viz
