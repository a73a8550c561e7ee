// GLFW, OpenGL and ImGui's backends.
#include "viz/app/gl_window.h"

#include <cfloat>
#include <cstdio>
#include <string>

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <GL/gl.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>
#include <stb_image_write.h>

#include "viz/ui/colors.h"
#include "viz/ui/viewer.h"

namespace deploysim::viz {
namespace {

std::string& glfw_error() {
  static std::string message;
  return message;
}

void on_glfw_error(int code, const char* description) {
  glfw_error() = "GLFW error " + std::to_string(code) + ": " + (description ? description : "");
}

}  // namespace

sim::Result<std::unique_ptr<GlWindow>> GlWindow::open(int width, int height, const std::string& title, bool resizable) {
  glfwSetErrorCallback(on_glfw_error);
  if (!glfwInit()) {
    return sim::io_error("cannot open a window (" + glfw_error() +
                         "); without a display, run under xvfb-run (xvfb-run -a deploysim-viz ...)");
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_RESIZABLE, resizable ? GLFW_TRUE : GLFW_FALSE);
  std::unique_ptr<GlWindow> w(new GlWindow());
  w->window_ = glfwCreateWindow(width, height, title.c_str(), nullptr, nullptr);
  if (w->window_ == nullptr) {
    glfwTerminate();
    return sim::io_error("cannot create an OpenGL 3.3 window (" + glfw_error() + ")");
  }
  glfwMakeContextCurrent(w->window_);
  glfwSwapInterval(1);
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;
  apply_viewer_style();
  ImGui_ImplGlfw_InitForOpenGL(w->window_, true);
  ImGui_ImplOpenGL3_Init("#version 330");
  // Software rasterisers (Mesa's llvmpipe under Xvfb) spend most of a frame on anti-aliased
  // lines' thin fringe triangles: without them a frame takes two thirds of the time.
  const std::string renderer = w->renderer();
  if (renderer.find("llvmpipe") != std::string::npos || renderer.find("softpipe") != std::string::npos) {
    ImGui::GetStyle().AntiAliasedLines = false;
    ImGui::GetStyle().AntiAliasedFill = false;
  }
  return w;
}

GlWindow::~GlWindow() {
  if (window_ == nullptr) return;
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window_);
  glfwTerminate();
}

bool GlWindow::open_still() const { return !glfwWindowShouldClose(window_); }

void GlWindow::begin_frame(bool ignore_mouse) {
  glfwPollEvents();
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  if (!font_filter_set_) {
    // The backend made the font texture in its first NewFrame. Glyphs are drawn at whole pixels,
    // so nearest sampling looks the same as linear and costs a software rasteriser less.
    font_filter_set_ = true;
    glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(reinterpret_cast<intptr_t>(ImGui::GetIO().Fonts->TexID)));
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  }
  if (ignore_mouse) ImGui::GetIO().MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  ImGui::NewFrame();
}

void GlWindow::render() {
  ImGui::Render();
  int w = 0, h = 0;
  glfwGetFramebufferSize(window_, &w, &h);
  glViewport(0, 0, w, h);
  glClearColor(colors::kBackground[0], colors::kBackground[1], colors::kBackground[2], 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void GlWindow::present() { glfwSwapBuffers(window_); }

void GlWindow::finish_gl() { glFinish(); }

void GlWindow::set_vsync(bool on) { glfwSwapInterval(on ? 1 : 0); }

std::string GlWindow::renderer() const {
  const auto* r = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  return r ? r : "unknown";
}

std::vector<uint8_t> GlWindow::read_pixels(int* width, int* height) const {
  glfwGetFramebufferSize(window_, width, height);
  const auto w = static_cast<size_t>(*width), h = static_cast<size_t>(*height);
  std::vector<uint8_t> bottom_up(w * h * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, *width, *height, GL_RGBA, GL_UNSIGNED_BYTE, bottom_up.data());
  // OpenGL's rows start at the bottom; images start at the top.
  std::vector<uint8_t> rows(bottom_up.size());
  for (size_t y = 0; y < h; ++y) std::copy_n(&bottom_up[(h - 1 - y) * w * 4], w * 4, &rows[y * w * 4]);
  return rows;
}

sim::Status write_png(const std::filesystem::path& path, int width, int height, const std::vector<uint8_t>& rgba) {
  std::filesystem::path partial = path;
  partial += ".partial";
  if (!stbi_write_png(partial.c_str(), width, height, 4, rgba.data(), width * 4)) {
    std::error_code ec;
    std::filesystem::remove(partial, ec);
    return sim::io_error("cannot write " + partial.string());
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
  }
  if (ec) return sim::io_error("cannot move " + partial.string() + " to " + path.string() + ": " + ec.message());
  return sim::Status();
}

}  // namespace deploysim::viz
