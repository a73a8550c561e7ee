// What other stages need of kayentaCanary's settings (the stage itself: kayenta_canary.cc).
#pragma once

#include <optional>

#include "sim/kernel/time.h"
#include "strategies/pipeline/pipeline.h"

namespace deploysim::strategies {

// The lifetime a kayentaCanary canaryConfig asks for (lifetimeDuration, else lifetimeHours), or
// nullopt when it gives none that reads.
std::optional<sim::Duration> canary_lifetime(const Json& canary_config);

// AggregateCanaryResultsTask's rule on the last interval's score: at or below marginal, or below
// pass, fails (the message says which); no threshold set: passes. nullopt when it passes.
std::optional<std::string> final_canary_failure(double last_score, std::optional<double> marginal, std::optional<double> pass);

}  // namespace deploysim::strategies
