// The command line's side of real runs: where the sample service and HAProxy are, the user's own
// service commands, Ctrl-C, and progress on the terminal.
#pragma once

#include <string>

#include "cli/commands.h"
#include "scenarios/local_run.h"

namespace deploysim::cli {

// Runs `scenario` for real with these outputs, printing progress to a terminal; Ctrl-C stops the
// run and cleans up. Errors as run_local, and a malformed --command.
sim::Result<scenarios::WorldRunSummary> run_for_real(const scenarios::LoadedScenario& scenario, const RealArgs& args,
                                                     uint64_t seed, const std::string& trace, const std::string& metrics);

}  // namespace deploysim::cli
