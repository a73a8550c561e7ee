// Counts heap allocations, for the tests and benchmarks that check the event loop allocates nothing
// per event. Linking allocation_counter.cc replaces the global operator new of the whole binary,
// so link it only into binaries that want every allocation counted.
#pragma once

namespace deploysim::testing {

// The number of calls to operator new (any form) since the program started.
long allocations();

}  // namespace deploysim::testing
