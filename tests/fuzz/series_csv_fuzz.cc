// Fuzz target: a metric series CSV (scenarios/series_csv.h). Any bytes either read as a table whose
// columns all have one value per data row, or fail with a message naming the source and a line.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "scenarios/series_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const deploysim::sim::Result<deploysim::scenarios::SeriesTable> t = deploysim::scenarios::parse_series_csv(text, "fuzz.csv");
  if (!t.ok()) {
    if (t.error().message.rfind("fuzz.csv", 0) != 0) std::abort();
    return 0;
  }
  if (t->names.empty() || t->by_name.size() != t->names.size()) std::abort();
  const size_t rows = t->by_name.at(t->names.front()).size();
  for (const auto& [name, values] : t->by_name) {
    if (values.size() != rows) std::abort();
    for (double v : values) {
      if (std::isinf(v)) std::abort();
    }
  }
  return 0;
}
