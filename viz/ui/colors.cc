// The palette's lookups.
#include "viz/ui/colors.h"

namespace deploysim::viz::colors {

ImU32 status(std::string_view s) {
  if (s == "SUCCEEDED") return kSucceeded;
  if (s == "TERMINAL") return kTerminal;
  if (s == "RUNNING") return kRunning;
  if (s == "FAILED_CONTINUE") return kFailedContinue;
  if (s == "CANCELED") return kCanceled;
  if (s == "SKIPPED") return kSkipped;
  if (s == "PAUSED" || s == "SUSPENDED") return kPaused;
  if (s == "STOPPED") return kStopped;
  return kNotStarted;
}

ImU32 lifecycle(InstanceState state, PlatformHealth health) {
  switch (state) {
    case InstanceState::kPending: return rgb(90, 90, 110);
    case InstanceState::kBooting: return rgb(120, 150, 210);
    case InstanceState::kRunning:
      return health == PlatformHealth::kDown ? rgb(240, 100, 90) : health == PlatformHealth::kUp ? rgb(100, 200, 120) : rgb(160, 200, 120);
    case InstanceState::kDraining: return rgb(230, 170, 70);
    case InstanceState::kTerminated: return rgb(50, 50, 50);
    case InstanceState::kUnknown: break;
  }
  return rgb(70, 70, 70);
}

ImU32 target(TargetHealth h) {
  switch (h) {
    case TargetHealth::kInService: return rgb(100, 200, 120);
    case TargetHealth::kInitial: return rgb(120, 150, 210);
    case TargetHealth::kUnhealthy: return rgb(240, 100, 90);
    case TargetHealth::kDraining: return rgb(230, 170, 70);
    case TargetHealth::kUnregistered:
    case TargetHealth::kUnknown: break;
  }
  return rgb(70, 70, 70);
}

ImU32 classification(std::string_view c) {
  if (c == "Pass") return kSucceeded;
  if (c == "Marginal") return kFailedContinue;
  if (c == "Fail" || c == "High" || c == "Low" || c == "Error") return kTerminal;
  return kNotStarted;  // Nodata, NodataFailMetric
}

ImU32 series(size_t i) {
  static constexpr ImU32 kSeries[] = {rgb(47, 129, 247), rgb(255, 130, 40), rgb(163, 113, 247), rgb(57, 197, 187),
                                      rgb(240, 98, 146),  rgb(180, 200, 60), rgb(120, 144, 156), rgb(255, 202, 40)};
  return kSeries[i % (sizeof(kSeries) / sizeof(kSeries[0]))];
}

}  // namespace deploysim::viz::colors
