// What serves, replayed from a run's trace events: which instances are in service behind each load
// balancer, the traffic weights, and each server group's version. The checkers and the scorecard
// read the same state this way.
#pragma once

#include <algorithm>
#include <map>
#include <string>

#include "sim/kernel/trace.pb.h"

namespace deploysim::scenarios {

class ServingState {
 public:
  void observe(const trace::Event& e) {
    if (e.has_target()) {
      const trace::TargetChange& t = e.target();
      auto& serving = in_service_[t.load_balancer()];
      if (t.health() == "in_service") {
        if (serving.insert_or_assign(t.instance(), t.server_group()).second && ++balancers_of_[t.instance()] == 1) ++distinct_;
      } else if (serving.erase(t.instance()) > 0 && --balancers_of_[t.instance()] == 0) {
        balancers_of_.erase(t.instance());
        --distinct_;
      }
    }
    if (e.has_weights()) {
      auto& weights = weights_[e.weights().load_balancer()];
      weights.clear();
      for (const auto& w : e.weights().weights()) weights[w.server_group()] = w.weight();
    }
    if (e.has_server_group() && !e.server_group().version().empty()) {
      version_[e.server_group().server_group()] = e.server_group().version();
    }
  }
  // instance -> server group, per load balancer.
  const std::map<std::string, std::map<std::string, std::string>>& in_service() const { return in_service_; }
  // Distinct instances in service behind any load balancer.
  int distinct_in_service() const { return distinct_; }
  std::string version_of(const std::string& group) const {
    const auto it = version_.find(group);
    return it == version_.end() ? "" : it->second;
  }
  // Instances of `group` in service, over every load balancer.
  int serving(const std::string& group) const {
    int n = 0;
    for (const auto& [lb, instances] : in_service_) {
      for (const auto& [instance, g] : instances) n += g == group ? 1 : 0;
    }
    return n;
  }
  // Whether `lb` sends new requests to `group`: an instance of it in service, and a weight above 0 when the balancer is weighted.
  bool receives_traffic(const std::string& lb, const std::string& group) const {
    // A weighted load balancer lists every group, unweighted ones as -1; a group that joined
    // after the weights were set has none, which is 0.
    const auto w = weights_.find(lb);
    if (w != weights_.end()) {
      const bool weighted = std::any_of(w->second.begin(), w->second.end(), [](const auto& e) { return e.second >= 0; });
      const auto g = w->second.find(group);
      if (weighted && (g == w->second.end() || g->second <= 0)) return false;
    }
    const auto it = in_service_.find(lb);
    if (it == in_service_.end()) return false;
    for (const auto& [instance, g] : it->second) {
      if (g == group) return true;
    }
    return false;
  }

 private:
  std::map<std::string, std::map<std::string, std::string>> in_service_;
  std::map<std::string, std::map<std::string, double>> weights_;  // per load balancer, when set
  std::map<std::string, std::string> version_;
  std::map<std::string, int> balancers_of_;  // instance -> load balancers it is in service behind
  int distinct_ = 0;
};

}  // namespace deploysim::scenarios
