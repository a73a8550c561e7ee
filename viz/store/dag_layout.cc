// The layered layout: break cycles, assign longest-path layers, route long edges through one
// "bend" vertex per layer they cross, order each layer by barycentres, then place.
#include "viz/store/dag_layout.h"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace deploysim::viz {
namespace {

// Down and up passes of the barycentre heuristic; pipelines are small, and a few passes reach
// the heuristic's fixed point on them.
constexpr int kSweeps = 4;

using Adjacency = std::vector<std::vector<int>>;

// The requisite -> stage edges between known nodes, each once, in input order.
Adjacency successor_lists(const std::vector<std::string>& ids, const std::vector<std::vector<std::string>>& requisites) {
  std::unordered_map<std::string_view, int> index;
  for (size_t i = 0; i < ids.size(); ++i) index.emplace(ids[i], static_cast<int>(i));
  Adjacency successors(ids.size());
  for (size_t to = 0; to < ids.size() && to < requisites.size(); ++to) {
    for (const std::string& requisite : requisites[to]) {
      const auto it = index.find(requisite);
      if (it == index.end()) continue;
      std::vector<int>& out = successors[static_cast<size_t>(it->second)];
      if (std::find(out.begin(), out.end(), static_cast<int>(to)) == out.end()) out.push_back(static_cast<int>(to));
    }
  }
  return successors;
}

// Removes the edges that close a cycle (those to a node still on the depth-first search's stack)
// and returns the nodes in a topological order of the edges left. Iterative, so that a long chain
// cannot overflow the call stack.
std::vector<int> break_cycles(Adjacency& successors) {
  enum class Mark : uint8_t { kNew, kOnStack, kDone };
  std::vector<Mark> marks(successors.size(), Mark::kNew);
  std::vector<int> finished;
  finished.reserve(successors.size());
  std::vector<std::pair<int, size_t>> stack;  // (node, next successor to look at)
  for (size_t root = 0; root < successors.size(); ++root) {
    if (marks[root] != Mark::kNew) continue;
    marks[root] = Mark::kOnStack;
    stack.emplace_back(static_cast<int>(root), 0);
    while (!stack.empty()) {
      const int node = stack.back().first;
      const size_t next = stack.back().second;
      std::vector<int>& out = successors[static_cast<size_t>(node)];
      if (next == out.size()) {
        marks[static_cast<size_t>(node)] = Mark::kDone;
        finished.push_back(node);
        stack.pop_back();
        continue;
      }
      const int to = out[next];
      if (marks[static_cast<size_t>(to)] == Mark::kOnStack) {
        out.erase(out.begin() + static_cast<std::ptrdiff_t>(next));
        continue;
      }
      ++stack.back().second;
      if (marks[static_cast<size_t>(to)] == Mark::kNew) {
        marks[static_cast<size_t>(to)] = Mark::kOnStack;
        stack.emplace_back(to, 0);
      }
    }
  }
  std::reverse(finished.begin(), finished.end());
  return finished;
}

// The graph the ordering works on: the nodes, then one bend vertex per layer an edge skips, with
// edges only between adjacent layers.
struct LayeredGraph {
  std::vector<int> layer;  // per vertex
  Adjacency up;            // per vertex: its neighbours one layer up (left)
  Adjacency down;          // per vertex: its neighbours one layer down (right)
  std::vector<DagLayout::Edge> edges;
  std::vector<std::vector<int>> edge_vertices;  // per edge: the vertices it passes, ends included

  int add_vertex(int in_layer) {
    layer.push_back(in_layer);
    up.emplace_back();
    down.emplace_back();
    return static_cast<int>(layer.size()) - 1;
  }
  void link(int from, int to) {
    down[static_cast<size_t>(from)].push_back(to);
    up[static_cast<size_t>(to)].push_back(from);
  }
};

LayeredGraph layered_graph(const Adjacency& successors, const std::vector<int>& layer_of) {
  LayeredGraph g;
  for (const int l : layer_of) g.add_vertex(l);
  for (size_t from = 0; from < successors.size(); ++from) {
    for (const int to : successors[from]) {
      std::vector<int> path{static_cast<int>(from)};
      for (int l = layer_of[from] + 1; l < layer_of[static_cast<size_t>(to)]; ++l) {
        const int bend = g.add_vertex(l);
        g.link(path.back(), bend);
        path.push_back(bend);
      }
      g.link(path.back(), to);
      path.push_back(to);
      g.edges.push_back({static_cast<int>(from), to, {}});
      g.edge_vertices.push_back(std::move(path));
    }
  }
  return g;
}

// Vertices per layer, top to bottom, and each vertex's slot in its layer.
struct Ordering {
  std::vector<std::vector<int>> layers;
  std::vector<int> slot;
};

void sort_by_barycentre(std::vector<int>& layer, const Adjacency& neighbours, std::vector<int>& slot) {
  std::vector<std::pair<double, int>> keyed;
  keyed.reserve(layer.size());
  for (const int v : layer) {
    const std::vector<int>& ns = neighbours[static_cast<size_t>(v)];
    // A vertex with no neighbours on that side keeps its place.
    double key = slot[static_cast<size_t>(v)];
    if (!ns.empty()) {
      double sum = 0;
      for (const int n : ns) sum += slot[static_cast<size_t>(n)];
      key = sum / static_cast<double>(ns.size());
    }
    keyed.emplace_back(key, v);
  }
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < keyed.size(); ++i) {
    layer[i] = keyed[i].second;
    slot[static_cast<size_t>(keyed[i].second)] = static_cast<int>(i);
  }
}

// Pairs of edges between adjacent layers whose ends are in opposite orders.
int64_t crossings(const Ordering& o, const Adjacency& down) {
  int64_t total = 0;
  std::vector<std::pair<int, int>> segments;
  for (const std::vector<int>& layer : o.layers) {
    segments.clear();
    for (const int v : layer) {
      for (const int w : down[static_cast<size_t>(v)]) segments.emplace_back(o.slot[static_cast<size_t>(v)], o.slot[static_cast<size_t>(w)]);
    }
    for (size_t i = 0; i < segments.size(); ++i) {
      for (size_t j = i + 1; j < segments.size(); ++j) {
        const int64_t a = segments[i].first - segments[j].first, b = segments[i].second - segments[j].second;
        if (a * b < 0) ++total;
      }
    }
  }
  return total;
}

Ordering reduce_crossings(const LayeredGraph& g, int layer_count) {
  Ordering o;
  o.layers.resize(static_cast<size_t>(layer_count));
  o.slot.resize(g.layer.size());
  for (size_t v = 0; v < g.layer.size(); ++v) {
    std::vector<int>& layer = o.layers[static_cast<size_t>(g.layer[v])];
    o.slot[v] = static_cast<int>(layer.size());
    layer.push_back(static_cast<int>(v));
  }
  Ordering best = o;
  int64_t best_crossings = crossings(o, g.down);
  for (int sweep = 0; sweep < kSweeps && best_crossings > 0; ++sweep) {
    for (size_t l = 1; l < o.layers.size(); ++l) sort_by_barycentre(o.layers[l], g.up, o.slot);
    for (size_t l = o.layers.size() - 1; l-- > 0;) sort_by_barycentre(o.layers[l], g.down, o.slot);
    const int64_t c = crossings(o, g.down);
    if (c < best_crossings) {
      best = o;
      best_crossings = c;
    }
  }
  return best;
}

}  // namespace

DagLayout layout_dag(const std::vector<std::string>& ids, const std::vector<std::vector<std::string>>& requisites,
                     const DagSpacing& spacing) {
  DagLayout out;
  if (ids.empty()) return out;
  Adjacency successors = successor_lists(ids, requisites);
  std::vector<int> layer_of(ids.size(), 0);
  for (const int u : break_cycles(successors)) {
    for (const int v : successors[static_cast<size_t>(u)]) {
      layer_of[static_cast<size_t>(v)] = std::max(layer_of[static_cast<size_t>(v)], layer_of[static_cast<size_t>(u)] + 1);
    }
  }
  out.layers = *std::max_element(layer_of.begin(), layer_of.end()) + 1;

  LayeredGraph g = layered_graph(successors, layer_of);
  const Ordering o = reduce_crossings(g, out.layers);
  for (const std::vector<int>& layer : o.layers) out.max_width = std::max(out.max_width, static_cast<int>(layer.size()));

  // Columns are centred vertically on the widest one.
  const float pitch_x = spacing.node_width + spacing.layer_gap, pitch_y = spacing.node_height + spacing.node_gap;
  std::vector<DagPoint> corner(g.layer.size());
  for (const std::vector<int>& layer : o.layers) {
    const float top = static_cast<float>(out.max_width - static_cast<int>(layer.size())) * pitch_y / 2;
    for (size_t i = 0; i < layer.size(); ++i) {
      const auto v = static_cast<size_t>(layer[i]);
      corner[v] = {static_cast<float>(g.layer[v]) * pitch_x, top + static_cast<float>(i) * pitch_y};
    }
  }
  out.nodes.resize(ids.size());
  for (const std::vector<int>& layer : o.layers) {
    int order = 0;
    for (const int v : layer) {
      if (static_cast<size_t>(v) >= ids.size()) continue;  // a bend
      out.nodes[static_cast<size_t>(v)] = {g.layer[static_cast<size_t>(v)], order++, corner[static_cast<size_t>(v)].x,
                                           corner[static_cast<size_t>(v)].y};
    }
  }
  for (size_t e = 0; e < g.edges.size(); ++e) {
    const std::vector<int>& path = g.edge_vertices[e];
    std::vector<DagPoint>& points = g.edges[e].points;
    const DagPoint start = corner[static_cast<size_t>(path.front())], end = corner[static_cast<size_t>(path.back())];
    points.push_back({start.x + spacing.node_width, start.y + spacing.node_height / 2});
    for (size_t i = 1; i + 1 < path.size(); ++i) {
      const DagPoint bend = corner[static_cast<size_t>(path[i])];
      points.push_back({bend.x + spacing.node_width / 2, bend.y + spacing.node_height / 2});
    }
    points.push_back({end.x, end.y + spacing.node_height / 2});
  }
  out.edges = std::move(g.edges);
  out.width = static_cast<float>(out.layers) * pitch_x - spacing.layer_gap;
  out.height = static_cast<float>(out.max_width) * pitch_y - spacing.node_gap;
  return out;
}

}  // namespace deploysim::viz
