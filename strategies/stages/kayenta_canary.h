// What other stages need of kayentaCanary's settings (the stage itself: kayenta_canary.cc).
#pragma once

#include <optional>

#include "sim/kernel/time.h"
#include "strategies/pipeline/pipeline.h"

namespace deploysim::strategies {

// The lifetime a kayentaCanary canaryConfig asks for (lifetimeDuration, else lifetimeHours), or
// nullopt when it gives none that reads.
std::optional<sim::Duration> canary_lifetime(const Json& canary_config);

}  // namespace deploysim::strategies
