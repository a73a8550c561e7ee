// Spinnaker (Frigga) names and clouddriver's sequence rule.
#include "sim/world/names.h"

#include <gtest/gtest.h>

namespace deploysim::world {
namespace {

TEST(Names, ClusterAndServerGroupNames) {
  EXPECT_EQ((Moniker{"shop", "", "", std::nullopt}).cluster(), "shop");
  EXPECT_EQ((Moniker{"shop", "prod", "", std::nullopt}).cluster(), "shop-prod");
  EXPECT_EQ((Moniker{"shop", "prod", "canary", std::nullopt}).cluster(), "shop-prod-canary");
  EXPECT_EQ((Moniker{"shop", "", "canary", std::nullopt}).cluster(), "shop--canary");
  EXPECT_EQ((Moniker{"shop", "prod", "", 7}).server_group(), "shop-prod-v007");
  EXPECT_EQ((Moniker{"shop", "prod", "", 999}).server_group(), "shop-prod-v999");
}

TEST(Names, ParsesLikeFrigga) {
  sim::Result<Moniker> m = parse_name("shop-prod-canary-east-v042");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->app, "shop");
  EXPECT_EQ(m->stack, "prod");
  EXPECT_EQ(m->detail, "canary-east");
  EXPECT_EQ(m->sequence, 42);
  m = parse_name("shop--canary");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->stack, "");
  EXPECT_EQ(m->detail, "canary");
  EXPECT_FALSE(m->sequence.has_value());
  m = parse_name("shop-v12");  // two digits are not a sequence: "v12" is the stack
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->stack, "v12");
  EXPECT_FALSE(parse_name("sh op").ok());
  EXPECT_FALSE(parse_name("-prod").ok());
  EXPECT_FALSE(validate_moniker(Moniker{"shop", "pr-od", "", std::nullopt}).ok());
  EXPECT_TRUE(validate_moniker(Moniker{"shop", "prod", "a-b~c^d", std::nullopt}).ok());
}

TEST(Names, NextSequenceFollowsTheMostRecentlyCreated) {
  EXPECT_EQ(*next_sequence({}), 0);
  EXPECT_EQ(*next_sequence({0}), 1);
  EXPECT_EQ(*next_sequence({5, 2}), 3) << "one past the newest, not the largest";
  EXPECT_EQ(*next_sequence({998, 999}), 0) << "wraps at 1000";
  EXPECT_EQ(*next_sequence({0, 999}), 1) << "skips numbers in use";
  std::vector<int> all;
  for (int i = 0; i < 1000; ++i) all.push_back(i);
  EXPECT_FALSE(next_sequence(all).ok());
}

}  // namespace
}  // namespace deploysim::world
