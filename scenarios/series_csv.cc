// Reading metric series from CSV (series_csv.h).
#include "scenarios/series_csv.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

namespace deploysim::scenarios {
namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// Splits a line at commas; a field in double quotes may hold commas ("" is a quote).
std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  for (std::string& f : out) f = trim(f);
  return out;
}

bool is_label(const std::string& name) { return name == "time" || name == "timestamp" || name == "step"; }

}  // namespace

sim::Result<SeriesTable> parse_series_csv(const std::string& text, const std::string& source) {
  SeriesTable table;
  std::istringstream in(text);
  std::string line;
  size_t line_number = 0;
  bool header = false;
  bool labels = false;
  std::vector<std::string> problems;
  const auto problem = [&](size_t at, const std::string& what) {
    problems.push_back(source + ":" + std::to_string(at) + ": " + what);
  };
  while (std::getline(in, line)) {
    ++line_number;
    if (trim(line).empty() || trim(line)[0] == '#') continue;
    const std::vector<std::string> cells = fields(line);
    if (!header) {
      header = true;
      labels = is_label(cells[0]);
      std::set<std::string> seen;
      for (size_t i = labels ? 1 : 0; i < cells.size(); ++i) {
        if (cells[i].empty()) problem(line_number, "column " + std::to_string(i + 1) + ": expected a metric name in the header");
        else if (!seen.insert(cells[i]).second) problem(line_number, "column " + std::to_string(i + 1) + ": duplicate metric \"" + cells[i] + "\"");
        table.names.push_back(cells[i]);
        table.by_name[cells[i]];
      }
      if (table.names.empty()) problem(line_number, "expected at least one metric column in the header");
      continue;
    }
    const size_t expected = table.names.size() + (labels ? 1 : 0);
    if (cells.size() != expected) {
      problem(line_number, "expected " + std::to_string(expected) + " fields, got " + std::to_string(cells.size()));
      if (problems.size() >= 20) break;
      continue;
    }
    for (size_t i = labels ? 1 : 0; i < cells.size(); ++i) {
      const std::string& cell = cells[i];
      const std::string& name = table.names[i - (labels ? 1 : 0)];
      double value = std::nan("");
      if (!cell.empty() && cell != "NaN" && cell != "nan" && cell != "null") {
        char* end = nullptr;
        errno = 0;
        value = std::strtod(cell.c_str(), &end);
        if (end != cell.c_str() + cell.size() || errno == ERANGE || !std::isfinite(value)) {
          problem(line_number, "column " + std::to_string(i + 1) + " (" + name + "): expected a number, or empty for a missing point, got \"" +
                                   cell + "\"");
          value = std::nan("");
        }
      }
      table.by_name[name].push_back(value);
    }
    if (problems.size() >= 20) break;
  }
  if (!header) problems.push_back(source + ": no header line (expected metric names, e.g. \"time,error_rate,latency_p99\")");
  if (!problems.empty()) {
    std::string message;
    for (const std::string& p : problems) message += (message.empty() ? "" : "\n") + p;
    return sim::invalid_argument(message);
  }
  return table;
}

sim::Result<SeriesTable> read_series_csv(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return sim::io_error("cannot read " + path.string() + ": " + std::strerror(errno));
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_series_csv(text, path.string());
}

}  // namespace deploysim::scenarios
