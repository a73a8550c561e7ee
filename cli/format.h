// Number formatting shared by the subcommands' printed output.
#pragma once

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <string>

#include "sim/kernel/hash.h"

namespace deploysim::cli {

using sim::hex64;

inline std::string with_commas(uint64_t value) {
  std::string digits = std::to_string(value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
  return digits;
}

inline std::string fixed(double value, int decimals, const char* unit = "") {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f%s", decimals, value, unit);
  return buffer;
}

}  // namespace deploysim::cli
