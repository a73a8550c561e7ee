// Metric series in CSV, as users export them from a monitoring system: one column per metric, one
// row per step. The header names the columns; a first column named time, timestamp or step is
// read as labels and ignored. A cell is a number, or empty, NaN or null for a missing point.
// Lines starting with # are comments. Format: docs/series-csv.md.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sim/kernel/result.h"

namespace deploysim::scenarios {

struct SeriesTable {
  std::vector<std::string> names;                          // in column order
  std::map<std::string, std::vector<double>> by_name;      // NaN where a point is missing
};

// Reads a series CSV. Errors (kInvalidArgument; kIo when unreadable) name the file, the line and
// the column, and what was expected.
sim::Result<SeriesTable> read_series_csv(const std::filesystem::path& path);
sim::Result<SeriesTable> parse_series_csv(const std::string& text, const std::string& source);

}  // namespace deploysim::scenarios
