// Names of the provider interface's enumerations, for messages and traces, and health aggregation.
#include "providers/cloud_provider.h"

#include <algorithm>

namespace deploysim::providers {

const std::vector<std::string>& known_metrics() {
  static const std::vector<std::string> metrics = {"requests",    "errors",      "error_rate", "request_rate",
                                                   "latency_p50", "latency_p90", "latency_p99"};
  return metrics;
}

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kThrottled: return "throttled";
    case ErrorCode::kTransient: return "transient";
    case ErrorCode::kPermanent: return "permanent";
    case ErrorCode::kInvalid: return "invalid";
  }
  return "unknown";
}

const char* health_state_name(HealthState h) {
  switch (h) {
    case HealthState::kUp: return "Up";
    case HealthState::kDown: return "Down";
    case HealthState::kStarting: return "Starting";
    case HealthState::kOutOfService: return "OutOfService";
    case HealthState::kDraining: return "Draining";
    case HealthState::kUnknown: return "Unknown";
  }
  return "Unknown";
}

HealthState aggregate_load_balancer_health(const std::vector<HealthState>& states) {
  for (HealthState s : {HealthState::kStarting, HealthState::kDown, HealthState::kOutOfService,
                        HealthState::kDraining}) {
    if (std::find(states.begin(), states.end(), s) != states.end()) return s;
  }
  return HealthState::kUp;
}

}  // namespace deploysim::providers
