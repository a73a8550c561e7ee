// Effect sizes of Kayenta's EffectSizes object, the secondary gate of the judge: a metric fails
// only when the rank test says it moved AND the effect size is past the configured threshold.
#pragma once

#include <span>

namespace deploysim::canary {

// EffectSizes.meanRatio: mean(experiment) / mean(control), NaN when either mean is exactly 0 (the
// judge then skips the effect-size gate and decides on the rank test alone).
double mean_ratio(std::span<const double> control, std::span<const double> experiment);

// EffectSizes.cles, the common-language effect size (Vargha-Delaney A): P(E > C) + P(E = C) / 2,
// from the average ranks of the experiment in concat(experiment, control):
// (2 R_E - m (m + 1)) / (2 n m), m = |E|, n = |C|. REQUIRES: both non-empty.
double cles(std::span<const double> control, std::span<const double> experiment);

}  // namespace deploysim::canary
