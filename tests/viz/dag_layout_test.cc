// The pipeline graph's layered layout: layers by longest requisite chain, crossing reduction,
// robustness to bad graphs (unknown requisites, cycles) and positions.
#include "viz/store/dag_layout.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace deploysim::viz {
namespace {

using Requisites = std::vector<std::vector<std::string>>;

// Pairs of edges between adjacent layers whose ends are in opposite vertical orders, counted from
// the positions alone (an oracle independent of the layout's own crossing count).
int crossings(const DagLayout& layout) {
  int total = 0;
  for (size_t i = 0; i < layout.edges.size(); ++i) {
    for (size_t j = i + 1; j < layout.edges.size(); ++j) {
      const auto& a = layout.edges[i].points;
      const auto& b = layout.edges[j].points;
      if (a.size() != 2 || b.size() != 2 || a[0].x != b[0].x) continue;  // not between the same two layers
      if ((a[0].y - b[0].y) * (a[1].y - b[1].y) < 0) ++total;
    }
  }
  return total;
}

TEST(DagLayout, EmptyGraphGivesEmptyLayout) {
  const DagLayout layout = layout_dag({}, {});
  EXPECT_TRUE(layout.nodes.empty());
  EXPECT_TRUE(layout.edges.empty());
  EXPECT_EQ(layout.layers, 0);
  EXPECT_EQ(layout.max_width, 0);
}

TEST(DagLayout, ChainTakesOneLayerPerStage) {
  const DagLayout layout = layout_dag({"1", "2", "3"}, Requisites{{}, {"1"}, {"2"}});
  ASSERT_EQ(layout.nodes.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(layout.nodes[static_cast<size_t>(i)].layer, i);
    EXPECT_EQ(layout.nodes[static_cast<size_t>(i)].order, 0);
  }
  EXPECT_EQ(layout.layers, 3);
  EXPECT_EQ(layout.max_width, 1);
  EXPECT_EQ(layout.edges.size(), 2u);
}

TEST(DagLayout, DiamondForksAndJoins) {
  const DagLayout layout = layout_dag({"deploy", "canary-a", "canary-b", "promote"},
                                      Requisites{{}, {"deploy"}, {"deploy"}, {"canary-a", "canary-b"}});
  ASSERT_EQ(layout.nodes.size(), 4u);
  EXPECT_EQ(layout.nodes[0].layer, 0);
  EXPECT_EQ(layout.nodes[1].layer, 1);
  EXPECT_EQ(layout.nodes[2].layer, 1);
  EXPECT_EQ(layout.nodes[3].layer, 2);
  EXPECT_EQ(layout.nodes[1].order, 0);  // input order, nothing to improve
  EXPECT_EQ(layout.nodes[2].order, 1);
  EXPECT_EQ(layout.max_width, 2);
  // The fork and the join are centred on the two branches.
  const float branches_middle = (layout.nodes[1].y + layout.nodes[2].y) / 2;
  EXPECT_FLOAT_EQ(layout.nodes[0].y, branches_middle);
  EXPECT_FLOAT_EQ(layout.nodes[3].y, branches_middle);
  EXPECT_EQ(crossings(layout), 0);
}

TEST(DagLayout, LongestPathDecidesTheLayer) {
  // "3" waits for "1" directly and through "2": it goes after "2", and the edge from "1" bends
  // through a free slot of layer 1 instead of running through "2".
  const DagLayout layout = layout_dag({"1", "2", "3"}, Requisites{{}, {"1"}, {"1", "2"}});
  EXPECT_EQ(layout.nodes[2].layer, 2);
  EXPECT_EQ(layout.max_width, 2);
  ASSERT_EQ(layout.edges.size(), 3u);
  int bent = 0;
  for (const DagLayout::Edge& e : layout.edges) {
    if (e.from == 0 && e.to == 2) {
      ASSERT_EQ(e.points.size(), 3u);
      EXPECT_NE(e.points[1].y, layout.nodes[1].y + DagSpacing{}.node_height / 2);
      ++bent;
    }
  }
  EXPECT_EQ(bent, 1);
}

TEST(DagLayout, MissingRequisiteIsIgnored) {
  const DagLayout layout = layout_dag({"1", "2"}, Requisites{{}, {"1", "no-such-stage"}});
  EXPECT_EQ(layout.nodes[0].layer, 0);
  EXPECT_EQ(layout.nodes[1].layer, 1);
  ASSERT_EQ(layout.edges.size(), 1u);
  EXPECT_EQ(layout.edges[0].from, 0);
  EXPECT_EQ(layout.edges[0].to, 1);
}

TEST(DagLayout, MissingRequisiteAloneMakesASource) {
  const DagLayout layout = layout_dag({"1", "2"}, Requisites{{}, {"gone"}});
  EXPECT_EQ(layout.nodes[1].layer, 0);
  EXPECT_EQ(layout.nodes[1].order, 1);
  EXPECT_TRUE(layout.edges.empty());
}

TEST(DagLayout, FewerRequisiteListsThanNodes) {
  const DagLayout layout = layout_dag({"1", "2"}, Requisites{{}});
  EXPECT_EQ(layout.nodes.size(), 2u);
  EXPECT_EQ(layout.layers, 1);
}

TEST(DagLayout, CycleTerminatesAndDropsTheClosingEdge) {
  // 1 -> 2 -> 3 -> 1: the search from "1" finds the edge 3 -> 1 closing the cycle.
  const DagLayout layout = layout_dag({"1", "2", "3"}, Requisites{{"3"}, {"1"}, {"2"}});
  ASSERT_EQ(layout.nodes.size(), 3u);
  EXPECT_EQ(layout.nodes[0].layer, 0);
  EXPECT_EQ(layout.nodes[1].layer, 1);
  EXPECT_EQ(layout.nodes[2].layer, 2);
  EXPECT_EQ(layout.edges.size(), 2u);
  for (const DagLayout::Edge& e : layout.edges) EXPECT_FALSE(e.from == 2 && e.to == 0);
}

TEST(DagLayout, SelfRequisiteIsACycle) {
  const DagLayout layout = layout_dag({"1"}, Requisites{{"1"}});
  EXPECT_EQ(layout.nodes[0].layer, 0);
  EXPECT_TRUE(layout.edges.empty());
}

TEST(DagLayout, BarycentreSweepsRemoveCrossings) {
  // Sources a, b, c; in input order the next layer (f, e, d) would put every edge across the
  // others: f waits for c, e for b, d for a.
  const DagLayout layout = layout_dag({"a", "b", "c", "f", "e", "d"}, Requisites{{}, {}, {}, {"c"}, {"b"}, {"a"}});
  EXPECT_EQ(layout.nodes[3].layer, 1);
  EXPECT_EQ(layout.nodes[0].order, 0);
  EXPECT_EQ(layout.nodes[1].order, 1);
  EXPECT_EQ(layout.nodes[2].order, 2);
  EXPECT_EQ(layout.nodes[5].order, 0);  // d next to a
  EXPECT_EQ(layout.nodes[4].order, 1);
  EXPECT_EQ(layout.nodes[3].order, 2);
  EXPECT_EQ(crossings(layout), 0);
}

TEST(DagLayout, CrossingReductionCarriesThroughLayers) {
  // y waits for a and x for b, so y goes above x; then q (after y) must go above p (after x).
  const std::vector<std::string> ids{"a", "b", "x", "y", "p", "q"};
  const Requisites requisites{{}, {}, {"b"}, {"a"}, {"x"}, {"y"}};
  const DagLayout layout = layout_dag(ids, requisites);
  EXPECT_EQ(layout.nodes[3].order, 0);
  EXPECT_EQ(layout.nodes[2].order, 1);
  EXPECT_EQ(layout.nodes[5].order, 0);
  EXPECT_EQ(layout.nodes[4].order, 1);
  EXPECT_EQ(crossings(layout), 0);
  // The same input gives the same layout.
  const DagLayout again = layout_dag(ids, requisites);
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(again.nodes[i].order, layout.nodes[i].order);
    EXPECT_FLOAT_EQ(again.nodes[i].y, layout.nodes[i].y);
  }
}

TEST(DagLayout, PositionsFollowLayersAndSpacing) {
  DagSpacing spacing;
  spacing.node_width = 100;
  spacing.node_height = 40;
  spacing.layer_gap = 20;
  spacing.node_gap = 10;
  const DagLayout layout = layout_dag({"1", "2a", "2b", "3"}, Requisites{{}, {"1"}, {"1"}, {"2a", "2b"}}, spacing);
  EXPECT_FLOAT_EQ(layout.nodes[0].x, 0);
  EXPECT_FLOAT_EQ(layout.nodes[1].x, 120);
  EXPECT_FLOAT_EQ(layout.nodes[2].x, 120);
  EXPECT_FLOAT_EQ(layout.nodes[3].x, 240);
  EXPECT_LT(layout.nodes[0].x, layout.nodes[1].x);
  EXPECT_LT(layout.nodes[1].x, layout.nodes[3].x);
  EXPECT_FLOAT_EQ(layout.nodes[1].y, 0);
  EXPECT_FLOAT_EQ(layout.nodes[2].y, 50);
  EXPECT_FLOAT_EQ(layout.nodes[0].y, 25);
  EXPECT_FLOAT_EQ(layout.width, 340);
  EXPECT_FLOAT_EQ(layout.height, 90);
  // Edges leave from the right middle and arrive at the left middle.
  for (const DagLayout::Edge& e : layout.edges) {
    const DagLayout::Node& from = layout.nodes[static_cast<size_t>(e.from)];
    const DagLayout::Node& to = layout.nodes[static_cast<size_t>(e.to)];
    EXPECT_FLOAT_EQ(e.points.front().x, from.x + 100);
    EXPECT_FLOAT_EQ(e.points.front().y, from.y + 20);
    EXPECT_FLOAT_EQ(e.points.back().x, to.x);
    EXPECT_FLOAT_EQ(e.points.back().y, to.y + 20);
  }
}

}  // namespace
}  // namespace deploysim::viz
