// DEPLOYSIM_CHECK: a programmer-error check that stays on in release builds. A failed check means
// the calling code is wrong (not the input), so it stops the program with a message saying what the
// caller must do instead. Input errors are Results (result.h), never checks.
#pragma once

#include <string>

namespace deploysim::sim {

[[noreturn]] void check_failed(const char* file, int line, const std::string& message);

}  // namespace deploysim::sim

#define DEPLOYSIM_CHECK(condition, message)                                 \
  do {                                                                      \
    if (!(condition)) [[unlikely]] {                                        \
      ::deploysim::sim::check_failed(__FILE__, __LINE__, (message));        \
    }                                                                       \
  } while (false)
