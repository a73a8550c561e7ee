// Reports a failed DEPLOYSIM_CHECK and aborts, so a debugger or core dump shows the caller.
#include "sim/kernel/check.h"

#include <cstdio>
#include <cstdlib>

namespace deploysim::sim {

void check_failed(const char* file, int line, const std::string& message) {
  std::fprintf(stderr, "deploysim: programming error at %s:%d: %s\n", file, line, message.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace deploysim::sim
