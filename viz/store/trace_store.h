// The viewer's model of a run: every event of a trace, indexed by what it is about, so that panels
// can ask "what was true at time t" with a binary search. No UI here: the store is filled from a
// trace file (open) or event by event from a live run (add), and tested without a display.
//
// Memory: events are kept as their encoded protobuf bytes in one buffer (decoded on demand, for the
// event log); the indexes hold small fixed-size rows with names interned once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sim/kernel/result.h"
#include "sim/kernel/trace.pb.h"

namespace deploysim::viz {

// Times in the store are microseconds since the start of the run, as in the trace.
using Micros = int64_t;

// Interned names: each distinct string once, referred to by index.
class Names {
 public:
  uint32_t intern(std::string_view name);
  const std::string& operator[](uint32_t id) const { return names_[id]; }
  std::optional<uint32_t> find(std::string_view name) const;
  size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t> ids_;
};

enum class InstanceState : uint8_t { kPending, kBooting, kRunning, kDraining, kTerminated, kUnknown };
enum class PlatformHealth : uint8_t { kStarting, kUp, kDown, kUnknown };
enum class TargetHealth : uint8_t { kUnregistered, kInitial, kInService, kUnhealthy, kDraining, kUnknown };
const char* name_of(InstanceState s);
const char* name_of(PlatformHealth h);
const char* name_of(TargetHealth h);

// A value that changes at recorded times: the value at t is the last change at or before t.
template <typename T>
struct Changes {
  struct Change {
    Micros at;
    T value;
  };
  std::vector<Change> changes;  // non-decreasing `at`

  // The change in effect at `t` (its value and when it came), or null before the first one.
  const Change* change_at(Micros t) const {
    size_t lo = 0, hi = changes.size();
    while (lo < hi) {
      const size_t mid = (lo + hi) / 2;
      if (changes[mid].at <= t) lo = mid + 1; else hi = mid;
    }
    return lo == 0 ? nullptr : &changes[lo - 1];
  }
  // The value at `t`, or null before the first change.
  const T* at(Micros t) const {
    const Change* c = change_at(t);
    return c == nullptr ? nullptr : &c->value;
  }
  void add(Micros at, T value) { changes.push_back({at, std::move(value)}); }
  bool empty() const { return changes.empty(); }
};

struct InstanceTrack {
  uint32_t name = 0;          // Names id
  uint32_t server_group = 0;  // index into TraceStore::server_groups()
  uint32_t zone = 0;          // Names id
  struct Lifecycle {
    InstanceState state = InstanceState::kUnknown;
    PlatformHealth health = PlatformHealth::kUnknown;
  };
  Changes<Lifecycle> lifecycle;
  // Load balancer health per load balancer (Names id of the load balancer).
  std::vector<std::pair<uint32_t, Changes<TargetHealth>>> targets;
  Micros first_seen = 0;
};

struct ServerGroupTrack {
  uint32_t name = 0;     // Names id
  uint32_t version = 0;  // Names id
  uint32_t region = 0;   // Names id
  Micros created = 0;    // first record
  std::optional<Micros> destroyed;  // the "destroyed" record, if any
  struct Capacity {
    int32_t min = 0, desired = 0, max = 0;
    bool enabled = false;
    uint32_t action = 0;  // Names id: created, resized, enabled, disabled, destroying, destroyed
  };
  Changes<Capacity> capacity;
  std::vector<uint32_t> instances;  // indices into TraceStore::instances(), in first-seen order
};

// One metrics interval of one scope (a server group server side, or a traffic source's clients).
struct IntervalRow {
  Micros start = 0;
  Micros duration = 0;
  uint64_t requests = 0;
  uint64_t errors = 0;
  Micros p50 = 0, p90 = 0, p99 = 0;
  bool gap = false;
  double error_rate() const { return requests ? double(errors) / double(requests) : 0.0; }
  double request_rate() const { return duration > 0 ? double(requests) / (double(duration) / 1e6) : 0.0; }
};

struct MetricScope {
  uint32_t kind = 0;   // Names id: server_group, client
  uint32_t scope = 0;  // Names id: the server group or traffic source
  std::vector<IntervalRow> rows;  // by start time
};

// A load balancer's traffic split: every weight -1 means requests spread over all targets again.
struct WeightsTrack {
  uint32_t load_balancer = 0;  // Names id
  Changes<std::vector<std::pair<uint32_t, double>>> weights;  // (server group Names id, weight)
};

struct StageTrack {
  uint32_t execution = 0;  // index into TraceStore::executions()
  std::string stage_id;
  std::string name;
  std::string type;
  std::string parent;  // a synthetic stage's parent stage id; empty at top level
  bool synthetic = false;
  struct StatusChange {
    std::string status;   // Orca's: NOT_STARTED, RUNNING, SUCCEEDED, TERMINAL, ...
    std::string message;
  };
  Changes<StatusChange> status;
  struct TaskTrack {
    std::string name;
    uint32_t index = 0;
    Changes<StatusChange> status;
  };
  std::vector<TaskTrack> tasks;  // in task-list order as first seen
  // The span it ran: first RUNNING to its last change to a finished status; open while running.
  std::optional<Micros> started;
  std::optional<Micros> ended;
  // The status at `t` ("NOT_STARTED" before its first record).
  const std::string& status_at(Micros t) const;
};

struct ExecutionTrack {
  std::string id;
  std::string pipeline;
  std::string application;
  Changes<std::string> status;
  // The pipeline's top-level stage graph, from the execution's first record.
  struct Node {
    std::string stage_id;
    std::string name;
    std::string type;
    std::vector<std::string> requisites;
  };
  std::vector<Node> graph;
  std::vector<uint32_t> stages;  // indices into TraceStore::stages(), in first-seen order
  Micros started = 0;
  std::optional<Micros> ended;
};

// A point event worth a marker: faults, rollbacks, notifications, operator actions, notes.
struct Marker {
  Micros at = 0;
  trace::Event::KindCase kind = trace::Event::KIND_NOT_SET;
  std::string text;  // one line
};

class TraceStore {
 public:
  TraceStore() = default;
  // Reads a whole trace file. Errors are the trace reader's (file, byte offset, what is wrong).
  // With `allow_incomplete`, a trace without End, or cut inside a record, is read as far as it
  // goes (damage() says where it stopped).
  static sim::Result<TraceStore> open(const std::filesystem::path& path, bool allow_incomplete = false);

  void set_header(const trace::Header& header) { header_ = header; }
  // Adds one event (stamped); events come in non-decreasing time order. `encoded`, when given, is
  // the event's protobuf encoding (saves encoding it again).
  void add(const trace::Event& event, std::string_view encoded = {});
  // The run has finished (the trace's End was read, or the live run completed).
  void mark_complete(uint64_t hash) { complete_ = true; hash_ = hash; }

  const trace::Header& header() const { return header_; }
  bool complete() const { return complete_; }
  // Why reading stopped early, for a damaged trace opened with allow_incomplete; else empty.
  const std::string& damage() const { return damage_; }
  uint64_t hash() const { return hash_; }
  const std::filesystem::path& path() const { return path_; }
  // The time of the last event (0 when empty).
  Micros end_time() const { return end_time_; }

  // --- Every event, for the event log -----------------------------------------------------------
  size_t event_count() const { return events_.size(); }
  Micros event_time(size_t i) const { return events_[i].at; }
  trace::Event::KindCase event_kind(size_t i) const { return static_cast<trace::Event::KindCase>(events_[i].kind); }
  // Decodes event `i` from the stored bytes.
  trace::Event event(size_t i) const;
  // The index of the first event at or after `t` (event_count() if none).
  size_t first_event_at_or_after(Micros t) const;
  // One line describing an event, for lists and searches.
  static std::string summary(const trace::Event& event);
  // The kind's name as in the trace format ("instance", "stage", ...).
  static const char* kind_name(trace::Event::KindCase kind);

  // --- Indexes ----------------------------------------------------------------------------------
  const Names& names() const { return names_; }
  const std::vector<InstanceTrack>& instances() const { return instances_; }
  const std::vector<ServerGroupTrack>& server_groups() const { return groups_; }
  const std::vector<MetricScope>& metric_scopes() const { return scopes_; }
  const std::vector<WeightsTrack>& weights() const { return weights_; }
  const std::vector<ExecutionTrack>& executions() const { return executions_; }
  const std::vector<StageTrack>& stages() const { return stages_; }
  const std::vector<Marker>& markers() const { return markers_; }
  // Canary intervals judged, in time order, with their times.
  const std::vector<std::pair<Micros, trace::CanaryJudgment>>& canary() const { return canary_; }
  // The run's scorecard record, when the trace has one (finished runs).
  const std::optional<trace::RunScorecard>& scorecard() const { return scorecard_; }

  std::optional<uint32_t> find_server_group(std::string_view name) const;
  const MetricScope* find_scope(std::string_view kind, std::string_view scope) const;

 private:
  struct EventRow {
    Micros at;
    uint64_t offset;  // into bytes_
    uint32_t size;
    uint8_t kind;
  };
  uint32_t group_index(const std::string& name, Micros at);
  uint32_t instance_index(const std::string& name, const std::string& group, Micros at);
  uint32_t execution_index(const std::string& id, Micros at);
  uint32_t stage_index(uint32_t execution, const std::string& stage_id, Micros at);
  void index(const trace::Event& event);

  trace::Header header_;
  std::filesystem::path path_;
  bool complete_ = false;
  std::string damage_;
  uint64_t hash_ = 0;
  Micros end_time_ = 0;
  std::string bytes_;
  std::vector<EventRow> events_;
  Names names_;
  std::vector<InstanceTrack> instances_;
  std::vector<ServerGroupTrack> groups_;
  std::vector<MetricScope> scopes_;
  std::vector<WeightsTrack> weights_;
  std::vector<ExecutionTrack> executions_;
  std::vector<StageTrack> stages_;
  std::vector<Marker> markers_;
  std::vector<std::pair<Micros, trace::CanaryJudgment>> canary_;
  std::optional<trace::RunScorecard> scorecard_;
  std::unordered_map<uint32_t, uint32_t> group_by_name_;     // Names id -> index
  std::unordered_map<uint32_t, uint32_t> instance_by_name_;  // Names id -> index
  std::unordered_map<std::string, uint32_t> execution_by_id_;
  std::unordered_map<std::string, uint32_t> stage_by_key_;   // "execution index/stage id"
};

}  // namespace deploysim::viz
