// Fuzz target: parse_duration never crashes, and whatever it accepts prints back to text that
// parses to the same duration.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "sim/kernel/time.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deploysim::sim;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Result<Duration> parsed = parse_duration(text);
  if (!parsed.ok()) {
    if (parsed.error().message.empty()) std::abort();  // every error must explain itself
    return 0;
  }
  if (parsed->count_micros() < 0) std::abort();
  const std::string printed = to_string(*parsed);
  const Result<Duration> again = parse_duration(printed);
  if (!again.ok() || *again != *parsed) {
    std::fprintf(stderr, "round trip failed: \"%.*s\" -> %s\n", static_cast<int>(size),
                 text.data(), printed.c_str());
    std::abort();
  }
  return 0;
}
