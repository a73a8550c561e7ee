// The stage types deploysim runs, one file each; this header registers them.
#pragma once

#include "strategies/pipeline/stage.h"

namespace deploysim::strategies {

// Registers every stage type implemented so far.
void register_stages(StageRegistry& registry);

}  // namespace deploysim::strategies
