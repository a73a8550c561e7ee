// Stream keys: a stream's key mixes its parent's key with the hash of its name, and its xoshiro256**
// state is the first four SplitMix64 outputs from that key.
#include "sim/kernel/rng.h"

#include "sim/kernel/check.h"
#include "sim/kernel/hash.h"

namespace deploysim::sim {
namespace {

uint64_t child_key(uint64_t parent_key, std::string_view name) {
  // The name hash is scrambled before it meets the parent key, so that names differing in one
  // byte give unrelated keys, and the result is scrambled again so that (parent, name) pairs with
  // equal XORs do not collide.
  return splitmix64_mix(parent_key ^ splitmix64_mix(fnv1a64(name) + 0x9e3779b97f4a7c15ULL));
}

}  // namespace

Rng::Rng(uint64_t key) : key_(key) {
  SplitMix64 expand(key);
  for (uint64_t& word : s_) word = expand.next();
}

Rng Rng::stream(uint64_t seed, std::string_view name) {
  return Rng(child_key(splitmix64_mix(seed), name));
}

Rng Rng::derive(std::string_view name) const { return Rng(child_key(key_, name)); }

Rng Rng::from_state(uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3) {
  DEPLOYSIM_CHECK((s0 | s1 | s2 | s3) != 0, "xoshiro256** state must not be all zero");
  Rng rng(0);
  rng.s_[0] = s0;
  rng.s_[1] = s1;
  rng.s_[2] = s2;
  rng.s_[3] = s3;
  return rng;
}

}  // namespace deploysim::sim
