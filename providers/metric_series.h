// Reading a metric of one scope, per step, from the per-interval series a provider keeps: the
// simulated world's series and the real provider's scraped ones answer queries the same way.
#pragma once

#include "providers/cloud_provider.h"
#include "sim/world/metrics.h"

namespace deploysim::providers {

// Fills `series` with `query.metric` over [query.from, query.to) in query.step steps from
// `source`. Errors: kNotFound when `source` is null (the scope is unknown), kInvalid for an
// unknown metric or an empty window.
OpResult read_series(const world::MetricSeries* source, const MetricsQuery& query, MetricsSeries& series);

}  // namespace deploysim::providers
