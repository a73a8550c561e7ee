// Reading a trace into the viewer's indexes.
#include "viz/store/trace_store.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "sim/kernel/time.h"
#include "sim/kernel/trace.h"

namespace deploysim::viz {
namespace {

template <typename E, size_t N>
E parse_name(std::string_view text, const char* const (&names)[N], E unknown) {
  for (size_t i = 0; i < N; ++i) {
    if (text == names[i]) return static_cast<E>(i);
  }
  return unknown;
}

constexpr const char* kStateNames[] = {"pending", "booting", "running", "draining", "terminated"};
constexpr const char* kHealthNames[] = {"starting", "up", "down"};
constexpr const char* kTargetNames[] = {"unregistered", "initial", "in_service", "unhealthy", "draining"};

bool finished_status(const std::string& s) {
  return s == "SUCCEEDED" || s == "TERMINAL" || s == "FAILED_CONTINUE" || s == "CANCELED" || s == "SKIPPED" ||
         s == "STOPPED";
}

std::string ms(int64_t us) {
  char b[32];
  std::snprintf(b, sizeof(b), "%.1f ms", static_cast<double>(us) / 1e3);
  return b;
}

}  // namespace

const char* name_of(InstanceState s) { return s == InstanceState::kUnknown ? "unknown" : kStateNames[static_cast<int>(s)]; }
const char* name_of(PlatformHealth h) { return h == PlatformHealth::kUnknown ? "unknown" : kHealthNames[static_cast<int>(h)]; }
const char* name_of(TargetHealth h) { return h == TargetHealth::kUnknown ? "unknown" : kTargetNames[static_cast<int>(h)]; }

uint32_t Names::intern(std::string_view name) {
  const auto it = ids_.find(std::string(name));
  if (it != ids_.end()) return it->second;
  const auto id = static_cast<uint32_t>(names_.size());
  names_.emplace_back(name);
  ids_.emplace(names_.back(), id);
  return id;
}

std::optional<uint32_t> Names::find(std::string_view name) const {
  const auto it = ids_.find(std::string(name));
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

const std::string& StageTrack::status_at(Micros t) const {
  static const std::string kNotStarted = "NOT_STARTED";
  const StatusChange* s = status.at(t);
  return s == nullptr ? kNotStarted : s->status;
}

sim::Result<TraceStore> TraceStore::open(const std::filesystem::path& path, bool allow_incomplete) {
  sim::Result<std::unique_ptr<sim::TraceReader>> opened = sim::TraceReader::open(path, {allow_incomplete});
  if (!opened.ok()) return opened.error();
  sim::TraceReader& reader = **opened;
  TraceStore store;
  store.path_ = path;
  store.header_ = reader.header();
  trace::Event event;
  while (true) {
    sim::Result<bool> more = reader.next(&event);
    if (!more.ok()) {
      // A killed run's trace usually stops inside a record: what came before it is still shown.
      if (!allow_incomplete || store.events_.empty()) return more.error();
      store.damage_ = more.error().message;
      break;
    }
    if (!*more) break;
    store.add(event, reader.last_record());
  }
  if (reader.complete()) store.mark_complete(reader.hash());
  return store;
}

void TraceStore::add(const trace::Event& event, std::string_view encoded) {
  const size_t size = encoded.empty() ? event.ByteSizeLong() : encoded.size();
  EventRow row{event.time_us(), bytes_.size(), static_cast<uint32_t>(size), static_cast<uint8_t>(event.kind_case())};
  if (encoded.empty()) {
    bytes_.resize(bytes_.size() + size);
    event.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(bytes_.data() + row.offset));
  } else {
    bytes_.append(encoded);
  }
  events_.push_back(row);
  end_time_ = std::max(end_time_, event.time_us());
  index(event);
}

trace::Event TraceStore::event(size_t i) const {
  trace::Event e;
  e.ParseFromArray(bytes_.data() + events_[i].offset, static_cast<int>(events_[i].size));
  return e;
}

size_t TraceStore::first_event_at_or_after(Micros t) const {
  const auto it = std::lower_bound(events_.begin(), events_.end(), t, [](const EventRow& r, Micros v) { return r.at < v; });
  return static_cast<size_t>(it - events_.begin());
}

uint32_t TraceStore::group_index(const std::string& name, Micros at) {
  const uint32_t id = names_.intern(name);
  const auto it = group_by_name_.find(id);
  if (it != group_by_name_.end()) return it->second;
  const auto index = static_cast<uint32_t>(groups_.size());
  ServerGroupTrack g;
  g.name = id;
  g.created = at;
  groups_.push_back(std::move(g));
  group_by_name_.emplace(id, index);
  return index;
}

uint32_t TraceStore::instance_index(const std::string& name, const std::string& group, Micros at) {
  const uint32_t id = names_.intern(name);
  const auto it = instance_by_name_.find(id);
  if (it != instance_by_name_.end()) return it->second;
  const auto index = static_cast<uint32_t>(instances_.size());
  InstanceTrack t;
  t.name = id;
  t.server_group = group_index(group, at);
  t.first_seen = at;
  instances_.push_back(std::move(t));
  groups_[instances_.back().server_group].instances.push_back(index);
  instance_by_name_.emplace(id, index);
  return index;
}

uint32_t TraceStore::execution_index(const std::string& id, Micros at) {
  const auto it = execution_by_id_.find(id);
  if (it != execution_by_id_.end()) return it->second;
  const auto index = static_cast<uint32_t>(executions_.size());
  ExecutionTrack e;
  e.id = id;
  e.started = at;
  executions_.push_back(std::move(e));
  execution_by_id_.emplace(id, index);
  return index;
}

uint32_t TraceStore::stage_index(uint32_t execution, const std::string& stage_id, Micros) {
  std::string key = std::to_string(execution) + "/" + stage_id;
  const auto it = stage_by_key_.find(key);
  if (it != stage_by_key_.end()) return it->second;
  const auto index = static_cast<uint32_t>(stages_.size());
  StageTrack s;
  s.execution = execution;
  s.stage_id = stage_id;
  stages_.push_back(std::move(s));
  executions_[execution].stages.push_back(index);
  stage_by_key_.emplace(std::move(key), index);
  return index;
}

void TraceStore::index(const trace::Event& e) {
  const Micros at = e.time_us();
  switch (e.kind_case()) {
    case trace::Event::kInstance: {
      const trace::InstanceChange& c = e.instance();
      InstanceTrack& t = instances_[instance_index(c.instance(), c.server_group(), at)];
      t.zone = names_.intern(c.zone());
      t.lifecycle.add(at, {parse_name(c.state(), kStateNames, InstanceState::kUnknown),
                           parse_name(c.platform_health(), kHealthNames, PlatformHealth::kUnknown)});
      break;
    }
    case trace::Event::kTarget: {
      const trace::TargetChange& c = e.target();
      InstanceTrack& t = instances_[instance_index(c.instance(), c.server_group(), at)];
      const uint32_t lb = names_.intern(c.load_balancer());
      auto it = std::find_if(t.targets.begin(), t.targets.end(), [lb](const auto& p) { return p.first == lb; });
      if (it == t.targets.end()) {
        t.targets.emplace_back(lb, Changes<TargetHealth>{});
        it = t.targets.end() - 1;
      }
      it->second.add(at, parse_name(c.health(), kTargetNames, TargetHealth::kUnknown));
      break;
    }
    case trace::Event::kServerGroup: {
      const trace::ServerGroupChange& c = e.server_group();
      ServerGroupTrack& g = groups_[group_index(c.server_group(), at)];
      if (!c.version().empty()) g.version = names_.intern(c.version());
      if (!c.region().empty()) g.region = names_.intern(c.region());
      if (c.action() == "destroyed") g.destroyed = at;
      g.capacity.add(at, {c.min(), c.desired(), c.max(), c.enabled(), names_.intern(c.action())});
      break;
    }
    case trace::Event::kWeights: {
      const trace::WeightsChange& c = e.weights();
      const uint32_t lb = names_.intern(c.load_balancer());
      auto it = std::find_if(weights_.begin(), weights_.end(), [lb](const WeightsTrack& w) { return w.load_balancer == lb; });
      if (it == weights_.end()) {
        weights_.push_back({lb, {}});
        it = weights_.end() - 1;
      }
      std::vector<std::pair<uint32_t, double>> split;
      for (const auto& w : c.weights()) split.emplace_back(names_.intern(w.server_group()), w.weight());
      it->weights.add(at, std::move(split));
      break;
    }
    case trace::Event::kIntervalMetrics: {
      const trace::IntervalMetrics& c = e.interval_metrics();
      const uint32_t kind = names_.intern(c.scope_kind()), scope = names_.intern(c.scope());
      auto it = std::find_if(scopes_.begin(), scopes_.end(), [&](const MetricScope& s) { return s.kind == kind && s.scope == scope; });
      if (it == scopes_.end()) {
        scopes_.push_back({kind, scope, {}});
        it = scopes_.end() - 1;
      }
      it->rows.push_back({c.start_us(), c.duration_us(), c.requests(), c.errors(), c.latency_p50_us(), c.latency_p90_us(),
                          c.latency_p99_us(), c.gap()});
      break;
    }
    case trace::Event::kExecution: {
      const trace::ExecutionChange& c = e.execution();
      ExecutionTrack& x = executions_[execution_index(c.execution(), at)];
      if (!c.pipeline().empty()) x.pipeline = c.pipeline();
      if (!c.application().empty()) x.application = c.application();
      x.status.add(at, c.status());
      if (finished_status(c.status())) x.ended = at;
      if (x.graph.empty()) {
        for (const auto& n : c.stages()) {
          x.graph.push_back({n.stage_id(), n.name(), n.type(), {n.requisites().begin(), n.requisites().end()}});
        }
      }
      break;
    }
    case trace::Event::kStage: {
      const trace::StageChange& c = e.stage();
      StageTrack& s = stages_[stage_index(execution_index(c.execution(), at), c.stage_id(), at)];
      s.name = c.name();
      s.type = c.type();
      s.synthetic = c.synthetic();
      if (!c.parent().empty()) s.parent = c.parent();
      s.status.add(at, {c.status(), c.message()});
      if (c.status() == "RUNNING" && (!s.started || s.ended)) {  // first run, or running again
        s.started = at;
        s.ended.reset();
      }
      if (finished_status(c.status())) {
        s.ended = at;
        if (!s.started) s.started = at;  // skipped or canceled before it ran
      }
      break;
    }
    case trace::Event::kTask: {
      const trace::TaskChange& c = e.task();
      StageTrack& s = stages_[stage_index(execution_index(c.execution(), at), c.stage_id(), at)];
      auto it = std::find_if(s.tasks.begin(), s.tasks.end(), [&](const StageTrack::TaskTrack& t) { return t.index == c.index(); });
      if (it == s.tasks.end()) {
        s.tasks.push_back({c.task(), c.index(), {}});
        it = s.tasks.end() - 1;
      }
      it->status.add(at, {c.status(), c.message()});
      break;
    }
    case trace::Event::kCanary:
      canary_.emplace_back(at, e.canary());
      break;
    case trace::Event::kScorecard:
      scorecard_ = e.scorecard();
      break;
    case trace::Event::kFault:
    case trace::Event::kRollback:
    case trace::Event::kNotification:
    case trace::Event::kOperatorAction:
    case trace::Event::kNote:
      markers_.push_back({at, e.kind_case(), summary(e)});
      break;
    case trace::Event::kMetric:
    case trace::Event::kEnd:
    case trace::Event::KIND_NOT_SET:
      break;
  }
}

std::optional<uint32_t> TraceStore::find_server_group(std::string_view name) const {
  const std::optional<uint32_t> id = names_.find(name);
  if (!id) return std::nullopt;
  const auto it = group_by_name_.find(*id);
  if (it == group_by_name_.end()) return std::nullopt;
  return it->second;
}

const MetricScope* TraceStore::find_scope(std::string_view kind, std::string_view scope) const {
  const std::optional<uint32_t> k = names_.find(kind), s = names_.find(scope);
  if (!k || !s) return nullptr;
  for (const MetricScope& m : scopes_) {
    if (m.kind == *k && m.scope == *s) return &m;
  }
  return nullptr;
}

const char* TraceStore::kind_name(trace::Event::KindCase kind) {
  switch (kind) {
    case trace::Event::kNote: return "note";
    case trace::Event::kMetric: return "metric";
    case trace::Event::kEnd: return "end";
    case trace::Event::kInstance: return "instance";
    case trace::Event::kTarget: return "target";
    case trace::Event::kServerGroup: return "server_group";
    case trace::Event::kWeights: return "weights";
    case trace::Event::kFault: return "fault";
    case trace::Event::kIntervalMetrics: return "interval_metrics";
    case trace::Event::kStage: return "stage";
    case trace::Event::kExecution: return "execution";
    case trace::Event::kTask: return "task";
    case trace::Event::kNotification: return "notification";
    case trace::Event::kCanary: return "canary";
    case trace::Event::kRollback: return "rollback";
    case trace::Event::kOperatorAction: return "operator_action";
    case trace::Event::kScorecard: return "scorecard";
    case trace::Event::KIND_NOT_SET: break;
  }
  return "unknown";
}

std::string TraceStore::summary(const trace::Event& e) {
  char b[160];
  switch (e.kind_case()) {
    case trace::Event::kNote: return e.note().source() + ": " + e.note().text();
    case trace::Event::kMetric:
      std::snprintf(b, sizeof(b), "%s = %g", e.metric().name().c_str(), e.metric().value());
      return b;
    case trace::Event::kInstance: {
      const auto& c = e.instance();
      return c.instance() + " " + c.state() + "/" + c.platform_health() + (c.reason().empty() ? "" : " (" + c.reason() + ")");
    }
    case trace::Event::kTarget: {
      const auto& c = e.target();
      return c.load_balancer() + ": " + c.instance() + " " + c.health();
    }
    case trace::Event::kServerGroup: {
      const auto& c = e.server_group();
      std::snprintf(b, sizeof(b), " %d/%d/%d%s", c.min(), c.desired(), c.max(), c.enabled() ? " enabled" : " disabled");
      return c.server_group() + " " + c.action() + b;
    }
    case trace::Event::kWeights: {
      std::string s = e.weights().load_balancer() + " weights:";
      for (const auto& w : e.weights().weights()) {
        std::snprintf(b, sizeof(b), " %s=%g", w.server_group().c_str(), w.weight());
        s += b;
      }
      return s;
    }
    case trace::Event::kFault: {
      const auto& c = e.fault();
      return c.kind() + (c.ended() ? " ended on " : " on ") + c.target() + (c.detail().empty() ? "" : ": " + c.detail());
    }
    case trace::Event::kIntervalMetrics: {
      const auto& c = e.interval_metrics();
      std::snprintf(b, sizeof(b), " %" PRIu64 " requests, %" PRIu64 " errors, p99 ", c.requests(), c.errors());
      return c.scope_kind() + " " + c.scope() + b + ms(c.latency_p99_us()) + (c.gap() ? " (gap)" : "");
    }
    case trace::Event::kStage: {
      const auto& c = e.stage();
      return "stage " + c.name() + " (" + c.type() + ") " + c.status() + (c.message().empty() ? "" : ": " + c.message());
    }
    case trace::Event::kExecution: return "execution " + e.execution().execution() + " " + e.execution().pipeline() + " " + e.execution().status();
    case trace::Event::kTask: {
      const auto& c = e.task();
      return "task " + c.stage_id() + "/" + c.task() + " " + c.status() + (c.message().empty() ? "" : ": " + c.message());
    }
    case trace::Event::kNotification: {
      const auto& c = e.notification();
      return "notify " + c.type() + " " + c.address() + " " + c.event() + (c.message().empty() ? "" : ": " + c.message());
    }
    case trace::Event::kCanary: {
      const auto& c = e.canary();
      std::snprintf(b, sizeof(b), "canary interval %u: score %.1f ", c.interval(), c.score());
      return b + c.classification() + (c.reason().empty() ? "" : " (" + c.reason() + ")");
    }
    case trace::Event::kRollback: {
      const auto& c = e.rollback();
      return "rollback of " + c.cluster() + ": " + c.rolled_back() + " -> " + c.restored();
    }
    case trace::Event::kOperatorAction: {
      const auto& c = e.operator_action();
      std::string s = "operator: " + c.kind() + " " + c.target();
      if (!c.status().empty()) s += " " + c.status();
      if (!c.input().empty()) s += " (" + c.input() + ")";
      return s;
    }
    case trace::Event::kScorecard: return "scorecard: " + e.scorecard().outcome() + ", verdict " + e.scorecard().verdict();
    case trace::Event::kEnd: return "end";
    case trace::Event::KIND_NOT_SET: break;
  }
  return "?";
}

}  // namespace deploysim::viz
