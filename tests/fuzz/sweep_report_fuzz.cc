// Fuzz target: any bytes given as a sweep report (deploysim merge's input) parse or fail with a
// message naming the file, never crash; what parses writes back out and parses again the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "scenarios/sweep.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deploysim;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const sim::Result<scenarios::SweepResult> r = scenarios::parse_sweep_report(text, "part.json");
  if (!r.ok()) {
    if (r.error().message.rfind("part.json: ", 0) != 0) std::abort();
    return 0;
  }
  // Statistics over whatever parsed, and a round trip through the report.
  (void)scenarios::sweep_stats(*r);
  const std::string written = scenarios::sweep_report_json(*r);
  const sim::Result<scenarios::SweepResult> again = scenarios::parse_sweep_report(written, "part.json");
  if (!again.ok() || scenarios::sweep_report_json(*again) != written) std::abort();
  return 0;
}
