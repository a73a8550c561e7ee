// Fuzz target: the trace reader turns any byte string into events or a clear error, never a crash
// or a hang, and every error names the input and a byte offset within it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>

#include "sim/kernel/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deploysim::sim;
  auto in = std::make_unique<std::istringstream>(
      std::string(reinterpret_cast<const char*>(data), size));
  for (const bool allow_incomplete : {false, true}) {
    in->clear();
    in->seekg(0);
    auto copy = std::make_unique<std::istringstream>(in->str());
    Result<std::unique_ptr<TraceReader>> reader = TraceReader::from_stream(
        std::move(copy), "fuzz-input", TraceReader::Options{.allow_incomplete = allow_incomplete});
    if (!reader.ok()) {
      if (reader.error().message.rfind("fuzz-input: offset ", 0) != 0) std::abort();
      continue;
    }
    deploysim::trace::Event event;
    uint64_t events = 0;
    while (true) {
      Result<bool> more = (*reader)->next(&event);
      if (!more.ok()) {
        const std::string& m = more.error().message;
        if (m.rfind("fuzz-input: offset ", 0) != 0) std::abort();
        const uint64_t offset = std::strtoull(m.c_str() + 19, nullptr, 10);
        if (offset > size) std::abort();
        break;
      }
      if (!*more) break;
      if (++events > size) std::abort();  // every event consumes at least one byte
    }
  }
  return 0;
}
