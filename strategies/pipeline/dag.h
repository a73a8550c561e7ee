// Stage-graph checks with Boost.Graph, kept in one translation unit (the library is heavy to
// compile) behind this small interface.
#pragma once

#include <string>
#include <vector>

namespace deploysim::strategies {

// Stages as indices 0..n-1; edges[i] lists the indices stage i depends on.
// Returns the groups of stages that form cycles (each group is one strongly connected component
// with a cycle, as stage indices in ascending order); empty when the graph is a DAG.
std::vector<std::vector<int>> find_cycles(const std::vector<std::vector<int>>& upstream);

// A topological order of the stages (upstream first, ties by index). REQUIRES: no cycles.
std::vector<int> topological_order(const std::vector<std::vector<int>>& upstream);

}  // namespace deploysim::strategies
