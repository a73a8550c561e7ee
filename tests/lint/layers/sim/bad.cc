#include "sim/kernel/time.h"
#include "scenarios/loader.h"
