// Rng: the project's one pseudo-random generator, and how runs get independent, named streams.
//
// The generator is xoshiro256** (Blackman and Vigna, 2018): 256 bits of state, period 2^256 - 1,
// fast, and fully specified, so draws are the same on every platform and standard library (unlike
// std::*_distribution, which the determinism lint bans in sim/ and strategies/).
//
// Streams: every consumer of randomness (the traffic generator, each instance's boot, each fault
// site) draws from its own stream, named after what it is: Rng::stream(seed, "traffic"), or
// parent.derive("boot"). A stream depends only on (seed, name), never on which other streams exist
// or how much they have drawn. So adding a consumer does not shift anyone else's draws, and two
// strategies run on one seed see the same arrivals and the same failures (common random numbers:
// fair, low-variance comparisons).
#pragma once

#include <cstdint>
#include <string_view>

namespace deploysim::sim {

// SplitMix64's output function (Steele, Lea, Flood 2014; Stafford's "Mix13" constants): a
// bijective scrambler of 64-bit values, used to turn seeds and names into keys and state.
constexpr uint64_t splitmix64_mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// SplitMix64: a small generator used only to expand a 64-bit key into xoshiro256** state, as its
// authors recommend.
class SplitMix64 {
 public:
  explicit constexpr SplitMix64(uint64_t state) : state_(state) {}
  constexpr uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return splitmix64_mix(state_);
  }

 private:
  uint64_t state_;
};

class Rng {
 public:
  // The stream named `name` of the run seeded with `seed`.
  static Rng stream(uint64_t seed, std::string_view name);

  // A child stream of this one, named `name`. Depends only on this stream's identity (its seed
  // and name path), not on how many numbers it has drawn: deriving never disturbs this stream.
  Rng derive(std::string_view name) const;

  // A generator with exactly this xoshiro256** state (for tests against the reference
  // algorithm). REQUIRES: the state is not all zero.
  static Rng from_state(uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3);

  // The next 64 uniformly random bits.
  uint64_t next_u64() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform on [0, 1), in steps of 2^-53.
  double next_double() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  // Uniform on (0, 1], in steps of 2^-53: safe to take the logarithm of.
  double next_double_nonzero() {
    return static_cast<double>((next_u64() >> 11) + 1) * 0x1.0p-53;
  }

  // Identifies the stream (seed and name path); two streams with equal keys draw the same numbers.
  uint64_t key() const { return key_; }

  // The second standard normal of the last pair sampled::normal() generated, if not yet used
  // (the polar method makes normals in pairs; keeping the spare halves their cost).
  bool take_normal_spare(double* z) {
    if (!has_normal_spare_) return false;
    has_normal_spare_ = false;
    *z = normal_spare_;
    return true;
  }
  void keep_normal_spare(double z) {
    normal_spare_ = z;
    has_normal_spare_ = true;
  }

 private:
  explicit Rng(uint64_t key);
  static constexpr uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t key_ = 0;
  uint64_t s_[4] = {};
  double normal_spare_ = 0;
  bool has_normal_spare_ = false;
};

}  // namespace deploysim::sim
