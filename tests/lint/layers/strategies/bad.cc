#include "providers/cloud_provider.h"
#include "sim/world/world.h"
#include "sim/kernel/time.h"
