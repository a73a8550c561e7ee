// The viewer's palette: one colour per status, lifecycle state and verdict, used by every panel so
// that a colour means the same thing everywhere (and screenshot tests can look for it).
#pragma once

#include <string_view>

#include <imgui.h>

#include "viz/store/trace_store.h"

namespace deploysim::viz::colors {

constexpr ImU32 rgb(int r, int g, int b) { return IM_COL32(r, g, b, 255); }

// Orca's stage and execution statuses.
inline constexpr ImU32 kSucceeded = rgb(46, 160, 67);
inline constexpr ImU32 kTerminal = rgb(218, 54, 51);       // TERMINAL (failed)
inline constexpr ImU32 kRunning = rgb(47, 129, 247);
inline constexpr ImU32 kNotStarted = rgb(88, 96, 105);
inline constexpr ImU32 kFailedContinue = rgb(219, 143, 22);
inline constexpr ImU32 kCanceled = rgb(140, 110, 80);
inline constexpr ImU32 kSkipped = rgb(150, 150, 150);
inline constexpr ImU32 kPaused = rgb(200, 180, 40);
inline constexpr ImU32 kStopped = rgb(163, 113, 247);
ImU32 status(std::string_view orca_status);

// Instances: lifecycle with platform health, and load balancer health.
ImU32 lifecycle(InstanceState state, PlatformHealth health);
ImU32 target(TargetHealth health);

// Canary classifications (Pass, Marginal, Fail; per metric Pass, High, Low, Nodata...).
ImU32 classification(std::string_view c);

// Series: a stable colour for the i-th server group or scope.
ImU32 series(size_t i);
inline constexpr ImU32 kBaseline = rgb(47, 129, 247);
inline constexpr ImU32 kCanary = rgb(255, 130, 40);
inline constexpr ImU32 kCursor = rgb(255, 220, 0);
inline constexpr ImU32 kGrid = IM_COL32(255, 255, 255, 40);
inline constexpr ImU32 kText = IM_COL32(230, 230, 230, 255);
inline constexpr ImU32 kDimText = IM_COL32(160, 160, 160, 255);
inline constexpr ImU32 kPlotBackground = IM_COL32(25, 27, 31, 255);
// Behind every window: what the frame is cleared to.
inline constexpr float kBackground[3] = {15 / 255.0f, 15 / 255.0f, 15 / 255.0f};

}  // namespace deploysim::viz::colors
