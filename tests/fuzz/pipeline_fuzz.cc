// Fuzz target: any bytes given as pipeline JSON load or fail with a message naming the source,
// never crash or hang; every loaded pipeline's requisites refer to its own stages.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "strategies/pipeline/pipeline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deploysim;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto loaded = strategies::load_pipelines(text, "fuzz.json", [](const std::string& t) { return t != "nope"; });
  if (!loaded.ok()) {
    if (loaded.error().message.rfind("fuzz.json: ", 0) != 0) std::abort();
    return 0;
  }
  for (const strategies::PipelineConfig& p : *loaded) {
    for (const strategies::StageConfig& s : p.stages) {
      for (const std::string& r : s.requisites) {
        if (p.stage(r) == nullptr) std::abort();
      }
    }
  }
  return 0;
}
