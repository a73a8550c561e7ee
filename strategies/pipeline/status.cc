// Status names and groups.
#include "strategies/pipeline/status.h"

#include <array>
#include <utility>

namespace deploysim::strategies {
namespace {

constexpr std::array<std::pair<Status, const char*>, 9> kNames{{
    {Status::kNotStarted, "NOT_STARTED"},
    {Status::kRunning, "RUNNING"},
    {Status::kPaused, "PAUSED"},
    {Status::kSucceeded, "SUCCEEDED"},
    {Status::kFailedContinue, "FAILED_CONTINUE"},
    {Status::kTerminal, "TERMINAL"},
    {Status::kCanceled, "CANCELED"},
    {Status::kStopped, "STOPPED"},
    {Status::kSkipped, "SKIPPED"},
}};

}  // namespace

const char* status_name(Status s) {
  for (const auto& [status, name] : kNames) {
    if (status == s) return name;
  }
  return "UNKNOWN";
}

std::optional<Status> parse_status(std::string_view name) {
  for (const auto& [status, text] : kNames) {
    if (name == text) return status;
  }
  return std::nullopt;
}

bool is_complete(Status s) {
  return s == Status::kSucceeded || s == Status::kFailedContinue || s == Status::kTerminal ||
         s == Status::kCanceled || s == Status::kStopped || s == Status::kSkipped;
}

bool is_halt(Status s) { return s == Status::kTerminal || s == Status::kCanceled || s == Status::kStopped; }

bool lets_downstream_run(Status s) {
  return s == Status::kSucceeded || s == Status::kFailedContinue || s == Status::kSkipped;
}

}  // namespace deploysim::strategies
