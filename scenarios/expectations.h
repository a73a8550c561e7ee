// Checking a run, or a sweep, against the expectations its scenario states (docs/scorecard.md,
// "Expectations"): the outcome, the execution's status, the verdict, and bounds on the scorecard's
// figures and on a sweep's rates and quantiles.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scenarios/loader.h"
#include "scenarios/world_run.h"

namespace deploysim::scenarios {

// One expectation that did not hold, in words: "outcome: expected rolled_back, got promoted",
// "failed_requests = 1,204: above the maximum 500".
struct Unmet {
  std::string expectation;
  std::string what;
};

// The run's invariant checks and the scenario's expectations of one run.
std::vector<Unmet> check_run(const LoadedScenario& scenario, const WorldRunSummary& run);

// A value against a bound; nothing when it holds. `value` empty: the figure did not apply.
std::optional<Unmet> check_bound(const LoadedScenario::Bound& bound, std::optional<double> value);

}  // namespace deploysim::scenarios
