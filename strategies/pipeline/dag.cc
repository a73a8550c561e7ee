// Cycle detection (strong components) and ordering of the stage graph, with Boost.Graph.
#include "strategies/pipeline/dag.h"

#include <boost/config.hpp>  // before boost/graph headers (Boost 1.74 needs it first)
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>
#include <boost/graph/topological_sort.hpp>

#include <algorithm>
#include <iterator>
#include <map>

namespace deploysim::strategies {
namespace {

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

// Edges from each upstream stage to the stage that depends on it.
Graph build(const std::vector<std::vector<int>>& upstream) {
  Graph g(upstream.size());
  for (size_t stage = 0; stage < upstream.size(); ++stage) {
    for (int from : upstream[stage]) boost::add_edge(static_cast<size_t>(from), stage, g);
  }
  return g;
}

}  // namespace

std::vector<std::vector<int>> find_cycles(const std::vector<std::vector<int>>& upstream) {
  const Graph g = build(upstream);
  std::vector<int> component(upstream.size());
  const int count = boost::strong_components(g, component.data());
  std::map<int, std::vector<int>> members;
  for (size_t v = 0; v < upstream.size(); ++v) members[component[v]].push_back(static_cast<int>(v));
  std::vector<std::vector<int>> cycles;
  for (int c = 0; c < count; ++c) {
    const std::vector<int>& m = members[c];
    const bool self_loop = m.size() == 1 &&
        std::find(upstream[size_t(m[0])].begin(), upstream[size_t(m[0])].end(), m[0]) != upstream[size_t(m[0])].end();
    if (m.size() > 1 || self_loop) cycles.push_back(m);
  }
  std::sort(cycles.begin(), cycles.end());
  return cycles;
}

std::vector<int> topological_order(const std::vector<std::vector<int>>& upstream) {
  const Graph g = build(upstream);
  std::vector<size_t> reversed;
  boost::topological_sort(g, std::back_inserter(reversed));  // reverse topological order
  std::vector<int> order(reversed.rbegin(), reversed.rend());
  return order;
}

}  // namespace deploysim::strategies
