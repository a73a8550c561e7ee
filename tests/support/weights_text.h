// A load balancer's weights change as tests compare it: "v000=90 v001=10" (each group by its
// sequence), or "spread" when the world spreads requests evenly again (it records that as -1s).
#pragma once

#include <string>

#include "sim/kernel/trace.pb.h"

namespace deploysim::testing {

inline std::string weights_text(const trace::WeightsChange& change) {
  bool spread = true;
  for (const auto& w : change.weights()) spread = spread && w.weight() < 0;
  if (spread) return "spread";
  std::string out;
  for (const auto& w : change.weights()) {
    const std::string& g = w.server_group();
    out += (out.empty() ? "" : " ") + g.substr(g.size() - 4) + "=" + std::to_string(static_cast<int>(w.weight()));
  }
  return out;
}

}  // namespace deploysim::testing
