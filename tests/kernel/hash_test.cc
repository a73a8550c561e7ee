// FNV-1a 64 against the published test vectors of its authors (Fowler, Noll, Vo).
#include "sim/kernel/hash.h"

#include <gtest/gtest.h>

namespace deploysim::sim {
namespace {

TEST(Fnv1a64, MatchesPublishedVectors) {
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

TEST(Fnv1a64, IncrementalEqualsOneShot) {
  Fnv1a64 h;
  h.update("foo").update("bar", 3);
  EXPECT_EQ(h.value(), fnv1a64("foobar"));
}

}  // namespace
}  // namespace deploysim::sim
