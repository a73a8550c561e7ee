// Frigga-compatible names: building, parsing and sequencing.
#include "sim/world/names.h"

#include <cstdio>

namespace deploysim::world {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_';
}
bool is_detail_char(char c) { return is_name_char(c) || c == '-' || c == '~' || c == '^'; }

sim::Status check_part(std::string_view part, const char* what, bool detail) {
  for (char c : part) {
    if (!(detail ? is_detail_char(c) : is_name_char(c))) {
      return sim::invalid_argument(std::string(what) + " \"" + std::string(part) +
                                   "\" has the character '" + std::string(1, c) +
                                   "'; allowed: letters, digits, '.', '_'" +
                                   (detail ? ", '-', '~', '^'" : ""));
    }
  }
  return sim::Status();
}

}  // namespace

std::string Moniker::cluster() const {
  if (!detail.empty()) return app + "-" + stack + "-" + detail;
  if (!stack.empty()) return app + "-" + stack;
  return app;
}

std::string Moniker::server_group() const {
  if (!sequence) return cluster();
  char suffix[16];
  std::snprintf(suffix, sizeof(suffix), "-v%03d", *sequence);
  return cluster() + suffix;
}

sim::Status validate_moniker(const Moniker& m) {
  if (m.app.empty()) return sim::invalid_argument("the application name is empty");
  if (sim::Status s = check_part(m.app, "application", false); !s.ok()) return s;
  if (sim::Status s = check_part(m.stack, "stack", false); !s.ok()) return s;
  return check_part(m.detail, "detail", true);
}

sim::Result<Moniker> parse_name(std::string_view name) {
  Moniker m;
  // Sequence: -v followed by 3 to 6 digits at the end.
  const size_t v = name.rfind("-v");
  if (v != std::string_view::npos) {
    const std::string_view digits = name.substr(v + 2);
    bool all_digits = digits.size() >= 3 && digits.size() <= 6;
    for (char c : digits) all_digits = all_digits && c >= '0' && c <= '9';
    if (all_digits) {
      m.sequence = std::stoi(std::string(digits));
      name = name.substr(0, v);
    }
  }
  const size_t first = name.find('-');
  m.app = std::string(name.substr(0, first));
  if (first != std::string_view::npos) {
    const std::string_view rest = name.substr(first + 1);
    const size_t second = rest.find('-');
    m.stack = std::string(rest.substr(0, second));
    if (second != std::string_view::npos) m.detail = std::string(rest.substr(second + 1));
  }
  if (sim::Status s = validate_moniker(m); !s.ok()) {
    return sim::invalid_argument("\"" + std::string(name) + "\" is not a valid name: " +
                                 s.error().message);
  }
  return m;
}

sim::Result<int> next_sequence(const std::vector<int>& existing) {
  if (existing.empty()) return 0;
  bool taken[1000] = {};
  for (int s : existing) taken[s % 1000] = true;
  int candidate = existing.back();
  for (int i = 0; i < 1000; ++i) {
    candidate = (candidate + 1) % 1000;
    if (!taken[candidate]) return candidate;
  }
  return sim::invalid_argument("all 1000 server group sequence numbers of the cluster are in use");
}

}  // namespace deploysim::world
