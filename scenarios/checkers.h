// Invariant checkers: properties every run should have, checked from the run's trace events, apart
// from the strategies they judge (TigerBeetle's state checkers). Each watches the events as they
// are recorded and reports the moments its invariant broke:
//
//   healthy-capacity   behind every load balancer users' traffic reaches, the instances in service
//                      never drop below the scenario's floor once they have reached it
//                      (checks.healthy_floor, default 1: never an outage);
//   rollback-restores  once a rollbackCluster stage succeeds, every instance of the cluster in
//                      service runs the restored group's version;
//   no-destroy-serving no server group is destroyed while any of its instances is in service;
//   pipelines-finish   every execution has ended (SUCCEEDED, TERMINAL, CANCELED, ...) when the
//                      scenario ends.
//
// A scenario can allow a checker to fail (checks.allow: a healthy-capacity drop is the point of a
// zone outage), or expect it to (checks.expect_violations: the negative scenarios that prove a
// checker can trip). docs/checks.md.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "sim/kernel/time.h"
#include "sim/kernel/trace.pb.h"

namespace deploysim::scenarios {

struct Violation {
  sim::TimePoint at;
  std::string what;
};

class Checker {
 public:
  virtual ~Checker() = default;
  virtual const char* name() const = 0;
  // Every event of the run, in order.
  virtual void observe(const trace::Event& event) = 0;
  // The run ended at `end`.
  virtual void finish(sim::TimePoint end) = 0;
  const std::vector<Violation>& violations() const { return violations_; }

 protected:
  void violated(sim::TimePoint at, std::string what);

 private:
  std::vector<Violation> violations_;
};

struct CheckOptions {
  int healthy_floor = 1;
  // The load balancers healthy-capacity watches: those users' traffic reaches (a blue-green
  // preview balancer that only testers use may empty). Empty: every one.
  std::set<std::string> user_load_balancers;
};

// The checkers, each new.
std::vector<std::unique_ptr<Checker>> make_checkers(const CheckOptions& options);

// Names of every checker, in make_checkers' order.
const std::vector<std::string>& checker_names();

}  // namespace deploysim::scenarios
