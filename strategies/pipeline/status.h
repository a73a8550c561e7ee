// Orca's execution statuses (ExecutionStatus.java) and the groups its rules use.
#pragma once

#include <optional>
#include <string_view>

namespace deploysim::strategies {

enum class Status {
  kNotStarted,
  kRunning,
  kPaused,
  kSucceeded,
  kFailedContinue,  // failed, but the pipeline may proceed ("ignore the failure")
  kTerminal,        // failed; the pipeline will not progress
  kCanceled,
  kStopped,         // this branch halted ("halt this branch")
  kSkipped,
};

// "NOT_STARTED", "RUNNING", ... as Orca spells them.
const char* status_name(Status s);
std::optional<Status> parse_status(std::string_view name);

// SUCCEEDED, FAILED_CONTINUE, TERMINAL, CANCELED, STOPPED, SKIPPED.
bool is_complete(Status s);
// TERMINAL, CANCELED, STOPPED: nothing downstream runs.
bool is_halt(Status s);
// SUCCEEDED, FAILED_CONTINUE, SKIPPED: downstream stages may start.
bool lets_downstream_run(Status s);

}  // namespace deploysim::strategies
