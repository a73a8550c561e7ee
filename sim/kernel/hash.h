// Fnv1a64: the 64-bit FNV-1a hash, used where deploysim needs a hash that is fixed forever and
// identical on every platform: trace fingerprints and random-stream names. Its published test
// vectors are its specification (tests/kernel/hash_test.cc checks them).
#pragma once

#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace deploysim::sim {

class Fnv1a64 {
 public:
  static constexpr uint64_t kOffsetBasis = 0xcbf29ce484222325ULL;
  static constexpr uint64_t kPrime = 0x100000001b3ULL;

  constexpr Fnv1a64& update(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
      state_ = (state_ ^ bytes[i]) * kPrime;
    }
    return *this;
  }
  constexpr Fnv1a64& update(std::string_view text) {
    for (char c : text) state_ = (state_ ^ static_cast<unsigned char>(c)) * kPrime;
    return *this;
  }
  constexpr uint64_t value() const { return state_; }

 private:
  uint64_t state_ = kOffsetBasis;
};

constexpr uint64_t fnv1a64(std::string_view text) { return Fnv1a64().update(text).value(); }

// A hash as people and files see it: 16 lowercase hexadecimal digits.
inline std::string hex64(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof(text), "%016" PRIx64, value);
  return text;
}

}  // namespace deploysim::sim
