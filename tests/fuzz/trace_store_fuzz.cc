// Fuzz target: the viewer's trace store indexes any sequence of decodable trace events (names of
// any length or content, statuses it has never heard of, instances without groups, stages of
// executions never announced) without crashing, and answers every query on them. Input: events
// as the trace frames them (a varint length, then the protobuf bytes), without magic or header.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "viz/store/trace_store.h"

namespace {

// Reads a varint at data[*at]; false when the input ends first.
bool varint(const uint8_t* data, size_t size, size_t* at, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64 && *at < size; shift += 7) {
    const uint8_t b = data[(*at)++];
    *value |= uint64_t{b & 0x7fu} << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deploysim;
  viz::TraceStore store;
  size_t at = 0, added = 0;
  int64_t last = 0;
  while (at < size) {
    uint64_t length = 0;
    if (!varint(data, size, &at, &length) || length > size - at) break;
    trace::Event event;
    const bool parsed = event.ParseFromArray(data + at, static_cast<int>(length));
    at += length;
    if (!parsed || event.kind_case() == trace::Event::KIND_NOT_SET) continue;
    // The store is given events in time order, as every reader of a trace checks.
    if (event.time_us() < last) event.set_time_us(last);
    last = event.time_us();
    store.add(event);
    ++added;
  }
  if (store.event_count() != added) std::abort();
  const viz::Micros probes[] = {-1, 0, last / 2, last, last + 1};
  for (size_t i = 0; i < store.event_count(); ++i) {
    const trace::Event e = store.event(i);
    if (e.kind_case() != store.event_kind(i) || e.time_us() != store.event_time(i)) std::abort();
    (void)viz::TraceStore::summary(e);
  }
  for (const viz::Micros t : probes) {
    if (store.first_event_at_or_after(t) > store.event_count()) std::abort();
    for (const viz::InstanceTrack& inst : store.instances()) {
      (void)inst.lifecycle.at(t);
      if (inst.server_group >= store.server_groups().size()) std::abort();
      for (const auto& [lb, health] : inst.targets) (void)health.at(t);
    }
    for (const viz::ServerGroupTrack& g : store.server_groups()) {
      (void)g.capacity.at(t);
      for (uint32_t i : g.instances) {
        if (i >= store.instances().size()) std::abort();
      }
    }
    for (const viz::StageTrack& s : store.stages()) {
      (void)s.status_at(t);
      if (s.execution >= store.executions().size()) std::abort();
    }
    for (const viz::WeightsTrack& w : store.weights()) (void)w.weights.at(t);
  }
  for (const viz::MetricScope& m : store.metric_scopes()) {
    if (store.find_scope(store.names()[m.kind], store.names()[m.scope]) != &m) std::abort();
  }
  return 0;
}
