// A layered (Sugiyama-style) layout of a pipeline's stage graph, for the pipeline panel: stages in
// columns by their longest requisite chain, left to right as Spinnaker's pipeline graph draws
// them, ordered within a column to reduce edge crossings. No UI here, so that it is tested alone.
#pragma once

#include <string>
#include <vector>

namespace deploysim::viz {

// Sizes in pixels. Columns are layers; nodes of a layer stack vertically.
struct DagSpacing {
  float node_width = 150;
  float node_height = 48;
  float layer_gap = 48;  // horizontal space between columns
  float node_gap = 16;   // vertical space between nodes of a column
};

struct DagPoint {
  float x = 0;
  float y = 0;
};

struct DagLayout {
  struct Node {
    int layer = 0;  // 0 for sources, else 1 + the highest layer of its requisites
    int order = 0;  // 0, 1, ... from the top of its layer
    float x = 0;    // top-left corner
    float y = 0;
  };
  // An edge from a requisite to the stage that waits for it, as a path from the right middle of
  // `from` to the left middle of `to`; an edge spanning several layers passes through a free slot
  // in each layer between, so that it does not run through nodes. Draw each consecutive pair of
  // points as a curve leaving and arriving horizontally.
  struct Edge {
    int from = 0;  // index into nodes
    int to = 0;
    std::vector<DagPoint> points;
  };
  std::vector<Node> nodes;  // one per id, in input order
  std::vector<Edge> edges;  // the edges kept (unknown requisites and edges closing a cycle left out)
  int layers = 0;
  int max_width = 0;  // the most slots in one layer: nodes and edges passing through
  float width = 0;    // the bounding box of every node, from (0, 0)
  float height = 0;
};

// Lays out the graph of `ids` where `requisites[i]` lists the ids node i waits for (missing
// entries: none). Requisites that are not an id are ignored; one naming an id given twice means
// the first.
// A cycle (not a valid pipeline, but the layout must not hang on one) loses the edges that close
// it, found by a depth-first search from the nodes in input order. The result depends on the
// input alone: ties in the crossing reduction keep the earlier order, starting from input order.
DagLayout layout_dag(const std::vector<std::string>& ids, const std::vector<std::vector<std::string>>& requisites,
                     const DagSpacing& spacing = {});

}  // namespace deploysim::viz
