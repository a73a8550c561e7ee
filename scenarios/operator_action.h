// What a person does by hand during a live run (deploysim-viz): answer a judgment, roll a cluster
// back, or inject a fault. An action is recorded in the trace where it took effect (an
// operator_action event, after every other event of its time), and deploysim replay does it again
// at that point, so a run with people in it is as reproducible as one without.
#pragma once

#include <string>

#include "sim/kernel/result.h"
#include "sim/kernel/time.h"
#include "sim/kernel/trace.pb.h"

namespace deploysim::scenarios {

struct OperatorAction {
  enum class Kind {
    kJudgment,       // answer stage `target` (its id) of `execution` with `status` (continue / stop) and `input`
    kRollback,       // roll `target` (a cluster) back in `region`
    kCrash,          // crash `count` instances of server group `target`
    kHealthFailure,  // fail the health checks of server group `target` for `duration` (0: for good)
    kErrorRate,      // version `target` fails requests with `probability` from now on
  };
  Kind kind = Kind::kJudgment;
  sim::TimePoint at;  // when it was done; set when the action is recorded
  std::string target;
  std::string execution;
  std::string status;
  std::string input;
  std::string region;
  int count = 1;
  double probability = 0;
  sim::Duration duration;

  static OperatorAction judgment(std::string execution, std::string stage_id, std::string status, std::string input);
  static OperatorAction rollback(std::string cluster, std::string region);
  static OperatorAction crash(std::string server_group, int count);
  static OperatorAction health_failure(std::string server_group, sim::Duration duration);
  static OperatorAction error_rate(std::string version, double probability);
};

// The trace record of `action` (kind names as in docs/trace-format.md).
trace::OperatorAction to_trace(const OperatorAction& action);
// The action a trace record describes, stamped `at`. Errors name the field that is wrong.
sim::Result<OperatorAction> from_trace(const trace::OperatorAction& record, sim::TimePoint at);
// One line for people: "rollback of myapp in us-east-1", "crash 2 instances of myapp-v002", ...
std::string describe(const OperatorAction& action);

}  // namespace deploysim::scenarios
