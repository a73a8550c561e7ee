// Fuzz target: any bytes given as a scenario file load or fail with a message naming the file,
// never crash; the JSON syntax check agrees with itself on what it accepts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "scenarios/json_syntax.h"
#include "scenarios/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deploysim;
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)scenarios::json_syntax_error(text);
  const sim::Result<scenarios::LoadedScenario> s = scenarios::parse_scenario(text, "fuzz.json");
  if (!s.ok() && s.error().message.rfind("fuzz.json: ", 0) != 0) std::abort();
  if (s.ok() && s->duration <= sim::Duration::zero()) std::abort();
  return 0;
}
