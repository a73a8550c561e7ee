// The real provider: processes, HAProxy and their trace events (local_provider.h).
#include "providers/local/local_provider.h"

#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "providers/metric_series.h"
#include "sim/world/names.h"

namespace deploysim::providers::local {
namespace {

// What a load balancer thinks of an instance, named as the trace names it (TargetChange.health).
constexpr const char* kInitial = "initial";
constexpr const char* kInService = "in_service";
constexpr const char* kUnhealthy = "unhealthy";
constexpr const char* kDraining = "draining";
constexpr const char* kUnregistered = "unregistered";

HealthState target_health(const std::string& h) {
  if (h == kInitial) return HealthState::kStarting;
  if (h == kInService) return HealthState::kUp;
  if (h == kUnhealthy) return HealthState::kDown;
  if (h == kDraining) return HealthState::kDraining;
  return HealthState::kOutOfService;
}

// Without weights every server gets this one, so a later split has room to divide it.
constexpr int kDefaultWeight = 100;


std::string number(double v) {
  std::ostringstream out;
  out.precision(10);
  out << v;
  return out.str();
}

// The sample service's cumulative counters, as one scrape of /metrics read them.
struct Scrape {
  std::map<int, uint64_t> by_status;
  std::vector<std::pair<double, uint64_t>> buckets;  // (le in seconds, cumulative count), +Inf last
};

std::optional<Scrape> parse_metrics(const std::string& text) {
  Scrape s;
  std::istringstream in(text);
  std::string line;
  bool any = false;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    const std::string name = line.substr(0, space);
    const double value = std::strtod(line.c_str() + space + 1, nullptr);
    if (name.rfind("deploysim_app_requests_total{status=\"", 0) == 0) {
      s.by_status[std::atoi(name.c_str() + std::string("deploysim_app_requests_total{status=\"").size())] =
          static_cast<uint64_t>(value);
      any = true;
    } else if (name.rfind("deploysim_app_request_duration_seconds_bucket{le=\"", 0) == 0) {
      const std::string le = name.substr(std::string("deploysim_app_request_duration_seconds_bucket{le=\"").size());
      const double bound = le.rfind("+Inf", 0) == 0 ? INFINITY : std::strtod(le.c_str(), nullptr);
      s.buckets.emplace_back(bound, static_cast<uint64_t>(value));
      any = true;
    }
  }
  if (!any) return std::nullopt;
  std::sort(s.buckets.begin(), s.buckets.end());
  return s;
}

// The last lines of a log, for an error message (the run directory goes with the run).
std::string log_tail(const std::filesystem::path& log) {
  std::ifstream in(log);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
    if (lines.size() > 5) lines.erase(lines.begin());
  }
  if (lines.empty()) return "";
  std::string out = "; its log ends:";
  for (const std::string& l : lines) out += "\n    " + l;
  return out;
}

// Run directories left by a deploysim that was killed outright (its children died with it, but
// the directory stays): those whose owner process is gone are removed.
void remove_stale_run_dirs(const std::filesystem::path& root) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    if (!entry.is_directory(ec) || entry.path().filename().string().rfind("deploysim-local-", 0) != 0) continue;
    struct stat st {};
    if (stat(entry.path().c_str(), &st) != 0 || st.st_uid != getuid()) continue;
    std::ifstream owner(entry.path() / "owner.pid");
    pid_t pid = 0;
    if (!(owner >> pid) || pid <= 0) continue;
    if (kill(pid, 0) == 0 || errno != ESRCH) continue;
    std::filesystem::remove_all(entry.path(), ec);
  }
}

}  // namespace

struct LocalProvider::Instance {
  std::string name;
  int port = 0;
  ChildProcess process;
  std::string state = "booting";  // booting, running, draining, terminated (InstanceChange.state)
  sim::TimePoint launched_at;
  bool disabled = false;     // taken out by set_instances_enabled
  bool terminating = false;  // on its way out: leaves every balancer, then stops
  bool stop_sent = false;
  sim::TimePoint kill_at;    // SIGKILL if still running then
  std::optional<sim::TimePoint> died_at;  // exited without being asked
  struct Target {
    std::string health;        // as last emitted
    bool added = false;        // a server in the backend
    bool in_rotation = false;  // ready (or draining) rather than in maintenance
    bool ever_up = false;
    std::optional<sim::TimePoint> drain_until;
    bool remove_after_drain = false;
    // HAProxy's counters for the server, as last read and as last turned into metrics: the
    // server-side figures of a service that has no /metrics of its own.
    uint64_t sessions = 0, http_5xx = 0, counted_sessions = 0, counted_5xx = 0;
    // In maintenance, to be deleted: HAProxy refuses while connections to it remain, so the
    // delete is retried at each poll (and succeeds once the process has stopped).
    bool remove_pending = false;
    int response_ms = 0;
  };
  std::map<std::string, Target> targets;  // per load balancer
  std::optional<Scrape> last_scrape;
};

struct LocalProvider::Group {
  std::string name;
  world::Moniker moniker;
  std::string region;
  std::string version;   // the version profile's name
  std::string artifact;  // as asked for
  Capacity capacity;
  bool disabled = false;
  bool destroying = false;
  bool destroyed = false;
  sim::TimePoint created_at;
  std::vector<std::string> load_balancers;
  std::vector<std::unique_ptr<Instance>> instances;
  int next_index = 0;
  std::string health_mode;  // set by a fault; empty: the version's
  world::MetricSeries metrics;
  explicit Group(sim::Duration interval) : metrics(interval) {}
  int live() const {
    return static_cast<int>(std::count_if(instances.begin(), instances.end(), [](const auto& i) {
      // A crashed instance counts until it is replaced, as an auto-scaling group counts it.
      return !i->terminating && i->state != "terminated";
    }));
  }
};

LocalProvider::LocalProvider(LocalSettings settings, sim::EventLoop& loop, sim::TraceWriter* trace)
    : settings_(std::move(settings)), loop_(loop), trace_(trace), rng_(sim::Rng::stream(settings_.seed, "local")) {}

sim::Result<std::unique_ptr<LocalProvider>> LocalProvider::create(LocalSettings settings, sim::EventLoop& loop,
                                                                  sim::TraceWriter* trace) {
  std::unique_ptr<LocalProvider> p(new LocalProvider(std::move(settings), loop, trace));
  std::filesystem::path root = p->settings_.run_root;
  if (root.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    root = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  remove_stale_run_dirs(root);
  std::string pattern = (root / "deploysim-local-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return sim::io_error("cannot make a run directory in " + root.string() + ": " + std::strerror(errno));
  }
  p->run_dir_ = pattern;  // mkdtemp makes it mode 700
  {
    std::ofstream owner(p->run_dir_ / "owner.pid");
    owner << getpid() << "\n";
  }
  std::vector<BackendSettings> backends;
  for (const world::LoadBalancerConfig& lb : p->settings_.world.load_balancers) {
    sim::Result<int> port = free_loopback_port();
    if (!port.ok()) return port.error();
    p->ports_[lb.name] = *port;
    BackendSettings b;
    b.name = lb.name;
    b.port = *port;
    b.balance = lb.algorithm == world::Algorithm::kLeastOutstanding ? "leastconn"
                : lb.algorithm == world::Algorithm::kRandom          ? "random"
                                                                     : "roundrobin";
    b.check_interval = lb.health_check.interval;
    b.check_timeout = lb.health_check.timeout;
    b.rise = lb.health_check.healthy_threshold;
    b.fall = lb.health_check.unhealthy_threshold;
    b.request_timeout = lb.request_timeout;
    backends.push_back(b);
  }
  sim::Result<std::unique_ptr<Haproxy>> haproxy = Haproxy::start(p->run_dir_, p->settings_.haproxy, backends);
  if (!haproxy.ok()) return haproxy.error();  // the destructor removes the run directory
  p->haproxy_ = std::move(*haproxy);
  return p;
}

LocalProvider::~LocalProvider() { shutdown(); }

void LocalProvider::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  // Ask everything to stop at once, then wait for each within the grace period.
  for (auto& g : groups_) {
    for (auto& i : g->instances) i->process.request_stop();
  }
  // One grace period for all of them, then SIGKILL for whatever is left.
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(settings_.stop_grace.count_micros() / 1000);
  while (std::chrono::steady_clock::now() < deadline &&
         std::any_of(groups_.begin(), groups_.end(), [](auto& g) {
           return std::any_of(g->instances.begin(), g->instances.end(), [](auto& i) { return i->process.running(); });
         })) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& g : groups_) {
    for (auto& i : g->instances) i->process.stop(std::chrono::milliseconds(0));
  }
  haproxy_.reset();
  if (!run_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(run_dir_, ec);
  }
}

std::vector<pid_t> LocalProvider::live_pids() {
  std::vector<pid_t> pids;
  for (auto& g : groups_) {
    for (auto& i : g->instances) {
      if (i->process.running()) pids.push_back(i->process.pid());
    }
  }
  if (haproxy_) pids.push_back(haproxy_->pid());
  return pids;
}

int LocalProvider::frontend_port(const std::string& load_balancer) const {
  const auto it = ports_.find(load_balancer);
  return it == ports_.end() ? 0 : it->second;
}

const world::VersionProfile* LocalProvider::version_named(const std::string& artifact) const {
  for (const world::VersionProfile& v : settings_.world.versions) {
    if (v.name == artifact || std::find(v.images.begin(), v.images.end(), artifact) != v.images.end()) return &v;
  }
  return nullptr;
}

LocalProvider::Group* LocalProvider::find(const std::string& server_group) {
  for (auto it = groups_.rbegin(); it != groups_.rend(); ++it) {
    if ((*it)->name == server_group && !(*it)->destroyed) return it->get();
  }
  return nullptr;
}

sim::Status LocalProvider::start() {
  for (const world::ServerGroupConfig& c : settings_.world.server_groups) {
    const world::VersionProfile* v = version_named(c.version);
    if (v == nullptr) return sim::invalid_argument("server group of version " + c.version + ": no such version");
    ServerGroupSpec spec;
    spec.application = c.application;
    spec.stack = c.stack;
    spec.detail = c.detail;
    spec.region = c.region;
    spec.artifact = c.version;
    spec.capacity = {c.capacity.min, c.capacity.desired, c.capacity.max};
    spec.load_balancers = c.load_balancers;
    spec.enabled = c.enabled;
    sim::Result<std::string> created = create_group(spec, *v);
    if (!created.ok()) return created.error();
  }
  for (const world::LoadBalancerConfig& lb : settings_.world.load_balancers) {
    if (!lb.initial_weights.empty()) {
      weights_[lb.name] = lb.initial_weights;
      apply_weights(lb.name);
    }
  }
  // The groups a scenario starts with are already serving at run time 0, as in simulation: wait
  // (in real time, with the loop's clock standing at 0) until HAProxy has every one in service.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (true) {
    poll_once();
    bool serving = true;
    for (const auto& g : groups_) {
      for (const auto& i : g->instances) {
        for (const auto& [lb, t] : i->targets) serving = serving && (!t.in_rotation || t.health == kInService);
      }
    }
    if (serving) break;
    if (std::chrono::steady_clock::now() > deadline) {
      std::string detail;
      for (const auto& g : groups_) {
        for (const auto& i : g->instances) {
          if (detail.empty() && i->targets.begin() != i->targets.end() && i->targets.begin()->second.health != kInService) {
            detail = "; " + i->name + " (" + i->state + ")" + log_tail(run_dir_ / (i->name + ".log"));
          }
        }
      }
      return sim::io_error("the initial server groups did not pass HAProxy's health checks within 30 s" + detail);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  next_scrape_ = loop_.now() + settings_.world.metrics_interval;
  for (auto& g : groups_) {
    for (auto& i : g->instances) i->last_scrape.reset();
  }
  polling_ = true;
  loop_.schedule_after(settings_.poll_every, sim::Action::boxed([this] { poll(); }));
  return sim::Status();
}

std::vector<std::string> LocalProvider::app_argv(const Group& g, const Instance& i) const {
  const auto command = settings_.commands.find(g.version);
  if (command != settings_.commands.end()) {
    std::vector<std::string> argv = command->second;
    for (std::string& a : argv) {
      for (const auto& [key, value] : {std::pair<std::string, std::string>{"{port}", std::to_string(i.port)},
                                       {"{instance}", i.name},
                                       {"{version}", g.version}}) {
        for (size_t at = a.find(key); at != std::string::npos; at = a.find(key, at + value.size())) {
          a.replace(at, key.size(), value);
        }
      }
    }
    return argv;
  }
  const world::VersionProfile& v = *version_named(g.version);
  // Each instance draws its own boot time and crash time, from streams named after it.
  sim::Rng rng = sim::Rng::stream(settings_.seed, "instance/" + i.name);
  std::vector<std::string> argv = {settings_.app,  "--port",    std::to_string(i.port), "--version",
                                   v.name,         "--instance", i.name,                "--seed",
                                   std::to_string(settings_.seed)};
  const auto rate = error_rates_.find(v.name);
  argv.insert(argv.end(), {"--error-rate", number(rate != error_rates_.end() ? rate->second : v.errors.probability)});
  argv.insert(argv.end(), {"--latency", v.service_time.duration_spec()});
  argv.insert(argv.end(), {"--boot-delay", sim::to_string(v.boot_time.sample_duration(rng))});
  argv.insert(argv.end(), {"--health", g.health_mode.empty() ? health_flag(v.health) : g.health_mode});
  argv.insert(argv.end(), {"--capacity", std::to_string(std::max(1, v.workers))});
  if (v.crash_mtbf) {
    const sim::Duration after = sim::Duration::micros(
        static_cast<int64_t>(sim::exponential(rng, double(v.crash_mtbf->count_micros()))));
    argv.insert(argv.end(), {"--crash-after", sim::to_string(std::max(after, sim::Duration::seconds(1)))});
  }
  return argv;
}

sim::Result<std::string> LocalProvider::create_group(const ServerGroupSpec& spec, const world::VersionProfile& version) {
  world::Moniker moniker{spec.application, spec.stack, spec.detail, std::nullopt};
  if (sim::Status valid = world::validate_moniker(moniker); !valid.ok()) return valid.error();
  std::vector<int> existing;
  for (const auto& g : groups_) {
    if (!g->destroyed && g->moniker.cluster() == moniker.cluster()) existing.push_back(*g->moniker.sequence);
  }
  sim::Result<int> sequence = world::next_sequence(existing);
  if (!sequence.ok()) return sequence.error();
  moniker.sequence = *sequence;
  for (const std::string& lb : spec.load_balancers) {
    if (ports_.count(lb) == 0) return sim::invalid_argument("unknown load balancer \"" + lb + "\"");
  }
  auto g = std::make_unique<Group>(settings_.world.metrics_interval);
  g->name = moniker.server_group();
  g->moniker = moniker;
  g->region = spec.region;
  g->version = version.name;
  g->artifact = spec.artifact;
  g->capacity = spec.capacity;
  g->disabled = !spec.enabled;
  g->created_at = loop_.now();
  g->load_balancers = spec.load_balancers;
  groups_.push_back(std::move(g));
  Group& group = *groups_.back();
  emit_group(group, "created");
  for (int n = 0; n < spec.capacity.desired; ++n) {
    if (sim::Status launched = launch(group); !launched.ok()) {
      // Not half a group: what started stops, and the group goes.
      group.destroying = true;
      group.capacity = {0, 0, 0};
      emit_group(group, "destroying");
      for (auto& i : group.instances) terminate(group, *i, "creation failed");
      return launched.error();
    }
  }
  return group.name;
}

sim::Status LocalProvider::launch(Group& g) {
  sim::Result<int> port = free_loopback_port();
  if (!port.ok()) return port.error();
  auto instance = std::make_unique<Instance>();
  Instance& i = *instance;
  i.name = g.name + "-i" + std::to_string(g.next_index++);
  i.port = *port;
  i.launched_at = loop_.now();
  sim::Result<ChildProcess> process = ChildProcess::start(app_argv(g, i), run_dir_ / (i.name + ".log"));
  if (!process.ok()) return process.error();
  i.process = std::move(*process);
  g.instances.push_back(std::move(instance));
  emit_instance(g, i, "launched");
  for (const std::string& lb : g.load_balancers) register_instance(g, i, lb);
  return sim::Status();
}

void LocalProvider::register_instance(Group& g, Instance& i, const std::string& lb) {
  Instance::Target& t = i.targets[lb];
  if (!t.added) {
    if (haproxy_->add_server(lb, i.name, i.port, kDefaultWeight).ok()) t.added = true;
  }
  if (!g.disabled && !i.disabled) enter_rotation(g, i, lb);
}

void LocalProvider::enter_rotation(Group& g, Instance& i, const std::string& lb) {
  Instance::Target& t = i.targets[lb];
  if (!t.added || i.terminating) return;
  if (t.in_rotation && !t.drain_until) return;
  if (!haproxy_->put_in_rotation(lb, i.name).ok()) return;
  t.in_rotation = true;
  t.drain_until.reset();
  t.remove_after_drain = false;
  t.ever_up = false;
  emit_target(g, i, lb, kInitial);
  apply_weights(lb);
}

void LocalProvider::leave_rotation(Group& g, Instance& i, const std::string& lb, bool then_remove) {
  Instance::Target& t = i.targets[lb];
  if (!t.added) return;
  if (!t.in_rotation) {
    if (then_remove) {
      if (haproxy_->remove_server(lb, i.name).ok()) t.added = false;
      else t.remove_pending = true;
    }
    return;
  }
  if (t.drain_until) {
    t.remove_after_drain = t.remove_after_drain || then_remove;
    return;
  }
  (void)haproxy_->drain(lb, i.name);
  sim::Duration delay = sim::Duration::zero();
  for (const world::LoadBalancerConfig& c : settings_.world.load_balancers) {
    if (c.name == lb) delay = c.deregistration_delay;
  }
  t.drain_until = loop_.now() + delay;
  t.remove_after_drain = then_remove;
  emit_target(g, i, lb, kDraining);
}

bool LocalProvider::end_drain_if_done(Group& g, Instance& i, const std::string& lb, int current_sessions) {
  Instance::Target& t = i.targets[lb];
  if (!t.drain_until || (current_sessions > 0 && loop_.now() < *t.drain_until)) return false;
  (void)haproxy_->maintenance(lb, i.name);
  t.in_rotation = false;
  t.drain_until.reset();
  if (t.remove_after_drain) {
    if (haproxy_->remove_server(lb, i.name).ok()) t.added = false;
    else t.remove_pending = true;
  }
  t.remove_after_drain = false;
  emit_target(g, i, lb, kUnregistered);
  return true;
}

void LocalProvider::terminate(Group& g, Instance& i, const std::string& reason) {
  if (i.terminating) return;
  i.terminating = true;
  if (i.state != "terminated" && !i.died_at) {
    i.state = "draining";
    emit_instance(g, i, reason);
  }
  for (auto& [lb, t] : i.targets) leave_rotation(g, i, lb, true);
  // A drain with nothing left in flight ends now rather than at the next poll, so the instance is
  // gone from describe as soon as it would be in the simulated world.
  if (std::any_of(i.targets.begin(), i.targets.end(), [](const auto& t) { return t.second.drain_until.has_value(); })) {
    sim::Result<std::vector<ServerStat>> stats = haproxy_->server_stats();
    if (stats.ok()) {
      for (const ServerStat& st : *stats) {
        if (st.server == i.name && i.targets.count(st.backend) && end_drain_if_done(g, i, st.backend, st.current_sessions)) {
          apply_weights(st.backend);
        }
      }
    }
  }
  stop_if_out(i);
}

void LocalProvider::stop_if_out(Instance& i) {
  // Once it has left every balancer, a terminating instance stops.
  if (!i.terminating || i.stop_sent) return;
  if (std::any_of(i.targets.begin(), i.targets.end(), [](const auto& t) { return t.second.added && !t.second.remove_pending; })) {
    return;
  }
  i.stop_sent = true;
  i.kill_at = loop_.now() + settings_.stop_grace;
  i.process.request_stop();
}

void LocalProvider::apply_weights(const std::string& lb) {
  const auto set = weights_.find(lb);
  const bool weighted = set != weights_.end() && !set->second.empty();
  // A group's share is spread over its servers in service, as the simulated balancer spreads it.
  std::map<std::string, int> in_service;
  for (auto& g : groups_) {
    for (auto& i : g->instances) {
      const auto t = i->targets.find(lb);
      if (t != i->targets.end() && t->second.in_rotation && !t->second.drain_until && t->second.health == kInService) {
        ++in_service[g->name];
      }
    }
  }
  std::map<std::string, double> per_server;  // group -> its share / its servers in service
  double total = 0, largest = 0;
  if (weighted) {
    for (const auto& [group, w] : set->second) total += std::max(0.0, w);
    for (const auto& [group, w] : set->second) {
      const double each = total > 0 ? std::max(0.0, w) / total / std::max(1, in_service[group]) : 0;
      per_server[group] = each;
      largest = std::max(largest, each);
    }
  }
  for (auto& g : groups_) {
    int weight = kDefaultWeight;
    if (weighted) {
      // HAProxy weights are whole numbers up to 256: the busiest servers get 256, the rest their
      // proportion of it (at least 1 while their group has any share).
      const double each = per_server.count(g->name) ? per_server[g->name] : 0;
      weight = each <= 0 || largest <= 0 ? 0 : std::clamp(static_cast<int>(std::lround(256 * each / largest)), 1, 256);
    }
    for (auto& i : g->instances) {
      const auto t = i->targets.find(lb);
      if (t != i->targets.end() && t->second.added) (void)haproxy_->set_weight(lb, i->name, weight);
    }
  }
}

void LocalProvider::complete(Done done, OpResult result) {
  loop_.schedule_after(sim::Duration::zero(),
                       sim::Action::boxed([done = std::move(done), result = std::move(result)] { done(result); }));
}

// --- Operations ------------------------------------------------------------------------------------

void LocalProvider::create_server_group(const ServerGroupSpec& spec, Created done) {
  OpResult result;
  std::string name;
  const world::VersionProfile* v = version_named(spec.artifact);
  if (v == nullptr) {
    result = {ErrorCode::kInvalid, "unknown artifact \"" + spec.artifact + "\""};
  } else if (spec.capacity.min < 0 || spec.capacity.min > spec.capacity.desired || spec.capacity.desired > spec.capacity.max) {
    result = {ErrorCode::kInvalid, "capacity must satisfy 0 <= min <= desired <= max"};
  } else {
    sim::Result<std::string> created = create_group(spec, *v);
    if (created.ok()) {
      name = *created;
    } else {
      result = {ErrorCode::kInvalid, created.error().message};
    }
  }
  loop_.schedule_after(sim::Duration::zero(), sim::Action::boxed([done = std::move(done), result, name] { done(result, name); }));
}

void LocalProvider::clone_server_group(const std::string& source, const std::string& artifact,
                                       std::optional<Capacity> capacity, Created done) {
  Group* g = find(source);
  if (g == nullptr) {
    loop_.schedule_after(sim::Duration::zero(), sim::Action::boxed([done = std::move(done), source] {
                           done({ErrorCode::kNotFound, "no server group " + source}, "");
                         }));
    return;
  }
  ServerGroupSpec spec;
  spec.application = g->moniker.app;
  spec.stack = g->moniker.stack;
  spec.detail = g->moniker.detail;
  spec.region = g->region;
  spec.artifact = artifact.empty() ? g->artifact : artifact;
  spec.capacity = capacity.value_or(g->capacity);
  spec.load_balancers = g->load_balancers;
  create_server_group(spec, std::move(done));
}

void LocalProvider::resize_server_group(const std::string& server_group, const Capacity& capacity, Done done) {
  Group* g = find(server_group);
  if (g == nullptr || g->destroying) return complete(std::move(done), {ErrorCode::kNotFound, "no server group " + server_group});
  if (capacity.min < 0 || capacity.min > capacity.desired || capacity.desired > capacity.max) {
    return complete(std::move(done), {ErrorCode::kInvalid, "capacity must satisfy 0 <= min <= desired <= max"});
  }
  g->capacity = capacity;
  emit_group(*g, "resized");
  while (g->live() < capacity.desired) {
    if (sim::Status launched = launch(*g); !launched.ok()) {
      return complete(std::move(done), {ErrorCode::kTransient, launched.error().message});
    }
  }
  // Scale in: instances not serving yet first, then the newest.
  for (const bool serving : {false, true}) {
    for (auto it = g->instances.rbegin(); it != g->instances.rend() && g->live() > capacity.desired; ++it) {
      Instance& i = **it;
      const bool in_service = std::any_of(i.targets.begin(), i.targets.end(), [](const auto& t) {
        return t.second.health == kInService;
      });
      if (in_service == serving && !i.terminating && i.state != "terminated") terminate(*g, i, "scaled down");
    }
  }
  complete(std::move(done), {});
}

void LocalProvider::enable_server_group(const std::string& server_group, Done done) {
  Group* g = find(server_group);
  if (g == nullptr || g->destroying) return complete(std::move(done), {ErrorCode::kNotFound, "no server group " + server_group});
  g->disabled = false;
  emit_group(*g, "enabled");
  for (auto& i : g->instances) {
    if (i->disabled || i->terminating) continue;
    for (const std::string& lb : g->load_balancers) register_instance(*g, *i, lb);
  }
  complete(std::move(done), {});
}

void LocalProvider::disable_server_group(const std::string& server_group, Done done) {
  Group* g = find(server_group);
  if (g == nullptr || g->destroying) return complete(std::move(done), {ErrorCode::kNotFound, "no server group " + server_group});
  g->disabled = true;
  emit_group(*g, "disabled");
  for (auto& i : g->instances) {
    for (const std::string& lb : g->load_balancers) leave_rotation(*g, *i, lb, false);
  }
  complete(std::move(done), {});
}

void LocalProvider::set_instances_enabled(const std::string& server_group, const std::vector<std::string>& instances,
                                          bool enabled, Done done) {
  Group* g = find(server_group);
  if (g == nullptr) return complete(std::move(done), {ErrorCode::kNotFound, "no server group " + server_group});
  std::vector<Instance*> chosen;
  for (const std::string& name : instances) {
    const auto it = std::find_if(g->instances.begin(), g->instances.end(), [&](const auto& i) { return i->name == name; });
    if (it == g->instances.end()) {
      return complete(std::move(done), {ErrorCode::kInvalid, "instance " + name + " is not in " + server_group});
    }
    chosen.push_back(it->get());
  }
  for (Instance* i : chosen) {
    i->disabled = !enabled;
    for (const std::string& lb : g->load_balancers) {
      if (enabled && !g->disabled) register_instance(*g, *i, lb);
      if (!enabled) leave_rotation(*g, *i, lb, false);
    }
  }
  complete(std::move(done), {});
}

void LocalProvider::destroy_server_group(const std::string& server_group, Done done) {
  Group* g = find(server_group);
  if (g == nullptr || g->destroying) return complete(std::move(done), {ErrorCode::kNotFound, "no server group " + server_group});
  g->destroying = true;
  g->capacity = {0, 0, 0};
  emit_group(*g, "destroying");
  for (auto& i : g->instances) terminate(*g, *i, "destroyed");
  complete(std::move(done), {});
}

void LocalProvider::set_load_balancers(const std::string& server_group, const std::vector<std::string>& load_balancers,
                                       Done done) {
  Group* g = find(server_group);
  if (g == nullptr || g->destroying) return complete(std::move(done), {ErrorCode::kNotFound, "no server group " + server_group});
  for (const std::string& lb : load_balancers) {
    if (ports_.count(lb) == 0) return complete(std::move(done), {ErrorCode::kNotFound, "no load balancer " + lb});
  }
  const std::vector<std::string> before = g->load_balancers;
  g->load_balancers = load_balancers;
  for (auto& i : g->instances) {
    if (i->terminating || i->state == "terminated") continue;
    for (const std::string& lb : before) {
      if (std::find(load_balancers.begin(), load_balancers.end(), lb) == load_balancers.end()) leave_rotation(*g, *i, lb, true);
    }
    for (const std::string& lb : load_balancers) {
      if (std::find(before.begin(), before.end(), lb) == before.end()) register_instance(*g, *i, lb);
    }
  }
  complete(std::move(done), {});
}

void LocalProvider::set_traffic_weights(const std::string& load_balancer,
                                        const std::vector<std::pair<std::string, double>>& weights, Done done) {
  if (ports_.count(load_balancer) == 0) {
    return complete(std::move(done), {ErrorCode::kNotFound, "no load balancer " + load_balancer});
  }
  for (const auto& [group, w] : weights) {
    if (w < 0) return complete(std::move(done), {ErrorCode::kInvalid, "negative weight for " + group});
    const Group* g = find(group);
    if (g == nullptr || std::find(g->load_balancers.begin(), g->load_balancers.end(), load_balancer) == g->load_balancers.end()) {
      return complete(std::move(done), {ErrorCode::kInvalid, group + " is not behind " + load_balancer});
    }
  }
  weights_[load_balancer] = weights;
  apply_weights(load_balancer);
  if (trace_ != nullptr) {
    trace::Event e;
    trace::WeightsChange* w = e.mutable_weights();
    w->set_load_balancer(load_balancer);
    for (const auto& g : groups_) {
      if (g->destroyed ||
          std::find(g->load_balancers.begin(), g->load_balancers.end(), load_balancer) == g->load_balancers.end()) {
        continue;
      }
      double weight = weights.empty() ? -1 : 0;
      for (const auto& [group, value] : weights) {
        if (group == g->name) weight = value;
      }
      trace::WeightsChange::Weight* entry = w->add_weights();
      entry->set_server_group(g->name);
      entry->set_weight(weight);
    }
    trace_->append(loop_.now(), e);
  }
  complete(std::move(done), {});
}

void LocalProvider::describe_cluster(const std::string& cluster, Described done) {
  ClusterInfo info;
  info.name = cluster;
  for (const auto& g : groups_) {
    // As in the simulated world, an instance is gone from the cloud's view once it has left its
    // load balancers (the process's own exit follows), and a destroyed group once none drains.
    const auto gone = [](const std::unique_ptr<Instance>& i) { return i->stop_sent || i->state == "terminated"; };
    if (g->destroyed || g->moniker.cluster() != cluster) continue;
    if (g->destroying && std::all_of(g->instances.begin(), g->instances.end(), gone)) continue;
    ServerGroupInfo sg;
    sg.name = g->name;
    sg.cluster = cluster;
    sg.region = g->region;
    sg.artifact = g->version;  // the version's name, whichever image name created it
    sg.capacity = g->capacity;
    sg.disabled = g->disabled;
    sg.created_at = g->created_at;
    sg.load_balancers = g->load_balancers;
    for (const auto& i : g->instances) {
      if (gone(i)) continue;
      InstanceInfo inst;
      inst.name = i->name;
      inst.zone = g->region;
      inst.launched_at = i->launched_at;
      const bool alive = !i->died_at;
      inst.health.push_back({"Local", alive ? HealthState::kUnknown : HealthState::kDown, true});
      std::vector<HealthState> states;
      bool settling = false;
      for (const std::string& lb : g->load_balancers) {
        const auto t = i->targets.find(lb);
        const std::string h = t == i->targets.end() || t->second.health.empty() ? kUnregistered : t->second.health;
        states.push_back(target_health(h));
        settling = settling || h == kInitial || h == kUnhealthy;
      }
      if (!states.empty()) inst.health.push_back({"LoadBalancer", aggregate_load_balancer_health(states), false});
      inst.ready = alive && i->state == "running" && !settling;
      sg.instances.push_back(std::move(inst));
    }
    info.server_groups.push_back(std::move(sg));
  }
  loop_.schedule_after(sim::Duration::zero(), sim::Action::boxed([done = std::move(done), info = std::move(info)] {
                         done({}, info);
                       }));
}

void LocalProvider::query_metrics(const MetricsQuery& query, Measured done) {
  OpResult result;
  MetricsSeries series;
  std::optional<world::MetricSeries> client;
  const world::MetricSeries* source = nullptr;
  if (query.scope.rfind("client:", 0) == 0) {
    if (load_ != nullptr) client = load_->client_series(query.scope.substr(7));
    if (client) source = &*client;
  } else {
    for (auto it = groups_.rbegin(); it != groups_.rend() && source == nullptr; ++it) {
      if ((*it)->name == query.scope) source = &(*it)->metrics;
    }
  }
  result = read_series(source, query, series);
  loop_.schedule_after(sim::Duration::zero(),
                       sim::Action::boxed([result, series, done = std::move(done)] { done(result, series); }));
}

// --- Faults ----------------------------------------------------------------------------------------

int LocalProvider::kill_instances(const std::string& server_group, int count, double percent) {
  Group* g = find(server_group);
  if (g == nullptr) return 0;
  std::vector<Instance*> alive;
  for (auto& i : g->instances) {
    if (!i->terminating && !i->died_at && i->process.running()) alive.push_back(i.get());
  }
  if (percent > 0) count = static_cast<int>(std::ceil(percent / 100.0 * double(alive.size())));
  // Chosen at random, as the simulated crash fault chooses.
  for (size_t k = alive.size(); k > 1; --k) std::swap(alive[k - 1], alive[rng_.next_u64() % k]);
  int killed = 0;
  for (Instance* i : alive) {
    if (killed >= count) break;
    i->process.kill_now();
    ++killed;
  }
  return killed;
}

namespace {

// POSTs to the sample service's admin endpoint; false when it did not answer 200.
bool admin(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1, 0);
  client.set_read_timeout(2, 0);
  const httplib::Result r = client.Post(path.c_str());
  return r && r->status == 200;
}

}  // namespace

sim::Status LocalProvider::set_error_rate(const std::string& version, double probability) {
  if (version_named(version) == nullptr) return sim::invalid_argument("version change: no version " + version);
  error_rates_[version_named(version)->name] = probability;
  for (auto& g : groups_) {
    if (g->version != version_named(version)->name) continue;
    for (auto& i : g->instances) {
      if (i->state == "running" && !i->died_at) admin(i->port, "/admin/error-rate?value=" + number(probability));
    }
  }
  return sim::Status();
}

sim::Status LocalProvider::set_health(const std::string& server_group, const std::string& mode) {
  Group* g = find(server_group);
  if (g == nullptr) return sim::invalid_argument("health fault: no server group " + server_group);
  g->health_mode = mode;
  const std::string applied = mode.empty() ? health_flag(version_named(g->version)->health) : mode;
  for (auto& i : g->instances) {
    if (i->state == "running" && !i->died_at) admin(i->port, "/admin/health?mode=" + applied);
  }
  return sim::Status();
}

// --- The poll ------------------------------------------------------------------------------------

void LocalProvider::poll() {
  if (shut_down_) return;
  poll_once();
  if (loop_.now() >= next_scrape_) {
    scrape(next_scrape_ - settings_.world.metrics_interval);
    next_scrape_ = next_scrape_ + settings_.world.metrics_interval;
  }
  loop_.schedule_after(settings_.poll_every, sim::Action::boxed([this] { poll(); }));
}

void LocalProvider::poll_once() {
  const sim::TimePoint now = loop_.now();
  if (!failure_.empty()) return;
  if (!haproxy_->running()) {
    failure_ = "HAProxy exited during the run (" + haproxy_->exit_description() + ")" + log_tail(run_dir_ / "haproxy.log");
    return;
  }
  for (auto& g : groups_) {
    if (g->destroyed) continue;
    for (auto& ip : g->instances) {
      Instance& i = *ip;
      if (i.state == "terminated") continue;
      if (!i.process.running()) {
        if (i.terminating) {
          for (auto& [lb, t] : i.targets) {
            if (t.added && haproxy_->remove_server(lb, i.name).ok()) t.added = false;
            if (!t.health.empty() && t.health != kUnregistered) emit_target(*g, i, lb, kUnregistered);
          }
          const bool reported = i.died_at.has_value();  // its crash was the end already traced
          i.state = "terminated";
          if (!reported) emit_instance(*g, i, "stopped (" + i.process.exit_description() + ")");
        } else if (!i.died_at) {
          // A crash: HAProxy's checks take it out; the instance is replaced after a while, as an
          // auto-scaling group's health check would.
          i.died_at = now;
          emit_instance(*g, i, "crashed (" + i.process.exit_description() + ")");
        } else if (now - *i.died_at >= settings_.world.replace_after) {
          terminate(*g, i, "replaced");
        }
        continue;
      }
      if (i.state == "booting" && loopback_port_open(i.port)) {
        i.state = "running";
        emit_instance(*g, i, "booted");
        if (!g->health_mode.empty()) admin(i.port, "/admin/health?mode=" + g->health_mode);
        const auto rate = error_rates_.find(g->version);
        if (rate != error_rates_.end()) admin(i.port, "/admin/error-rate?value=" + number(rate->second));
      }
      if (i.stop_sent && now >= i.kill_at) i.process.kill_now();
    }
  }

  sim::Result<std::vector<ServerStat>> stats = haproxy_->server_stats();
  if (stats.ok()) {
    std::map<std::pair<std::string, std::string>, const ServerStat*> by_server;
    for (const ServerStat& s : *stats) by_server[{s.backend, s.server}] = &s;
    std::set<std::string> reweigh;
    for (auto& g : groups_) {
      for (auto& ip : g->instances) {
        Instance& i = *ip;
        for (auto& [lb, t] : i.targets) {
          const auto it = by_server.find({lb, i.name});
          if (t.remove_pending) {
            if (haproxy_->remove_server(lb, i.name).ok()) {
              t.added = false;
              t.remove_pending = false;
            }
            continue;
          }
          if (!t.added || it == by_server.end()) continue;
          const ServerStat& s = *it->second;
          t.sessions = s.sessions;
          t.http_5xx = s.http_5xx;
          t.response_ms = s.response_ms;
          if (t.drain_until) {
            if (end_drain_if_done(*g, i, lb, s.current_sessions)) reweigh.insert(lb);
            continue;
          }
          if (!t.in_rotation) continue;
          std::string health = t.health;
          if (s.status.rfind("UP", 0) == 0) {
            health = kInService;
            t.ever_up = true;
          } else if (s.status.rfind("DOWN", 0) == 0) {
            const bool failing = s.check_status != "L7OK" && s.check_status != "INI" && !s.check_status.empty();
            health = t.ever_up || (failing && i.state == "running") || i.died_at ? kUnhealthy : kInitial;
          }
          if (health != t.health) {
            emit_target(*g, i, lb, health);
            reweigh.insert(lb);  // a group's share is spread over the servers in service
          }
        }
        stop_if_out(i);
      }
    }
    for (const std::string& lb : reweigh) apply_weights(lb);
  }

  for (auto& g : groups_) {
    if (g->destroyed) continue;
    if (g->destroying && std::all_of(g->instances.begin(), g->instances.end(), [](const auto& i) {
          return i->state == "terminated";
        })) {
      g->destroyed = true;
      emit_group(*g, "destroyed");
      continue;
    }
    // Replace instances that crashed and were taken away.
    while (!g->destroying && g->live() < g->capacity.desired) {
      if (!launch(*g).ok()) break;
    }
  }
}

void LocalProvider::scrape(sim::TimePoint interval_start) {
  for (auto& g : groups_) {
    if (g->destroyed && g->metrics.interval_count() > 0 &&
        interval_start >= sim::TimePoint::start() + g->metrics.interval() * int64_t(g->metrics.interval_count())) {
      continue;
    }
    world::IntervalStats total;
    for (auto& ip : g->instances) {
      Instance& i = *ip;
      if (i.state != "running" && i.state != "draining") continue;
      if (i.died_at) continue;
      httplib::Client client("127.0.0.1", i.port);
      client.set_connection_timeout(0, 200000);
      client.set_read_timeout(1, 0);
      const httplib::Result r = client.Get("/metrics");
      std::optional<Scrape> now;
      if (r && r->status == 200) now = parse_metrics(r->body);
      if (!now) {
        // A service without the sample service's /metrics: what HAProxy counted for it, with its
        // mean response time for every request.
        world::IntervalStats delta;
        for (auto& [lb, t] : i.targets) {
          const uint64_t requests = t.sessions - std::min(t.sessions, t.counted_sessions);
          const uint64_t errors = std::min(requests, t.http_5xx - std::min(t.http_5xx, t.counted_5xx));
          t.counted_sessions = t.sessions;
          t.counted_5xx = t.http_5xx;
          delta.outcomes[static_cast<size_t>(world::Outcome::kOk)] += requests - errors;
          delta.outcomes[static_cast<size_t>(world::Outcome::kAppError)] += errors;
          const sim::Duration mean = sim::Duration::millis(t.response_ms);
          delta.latency.add(mean, static_cast<uint32_t>(requests));
          delta.latency_sum_us += static_cast<int64_t>(requests) * mean.count_micros();
        }
        total.merge(delta);
        continue;
      }
      const Scrape before = i.last_scrape.value_or(Scrape{});
      world::IntervalStats delta;
      for (const auto& [status, count] : now->by_status) {
        const auto b = before.by_status.find(status);
        const uint64_t n = count - (b == before.by_status.end() ? 0 : std::min(count, b->second));
        const world::Outcome o = status < 400 ? world::Outcome::kOk
                                 : status == 503 ? world::Outcome::kQueueFull
                                                 : world::Outcome::kAppError;
        delta.outcomes[static_cast<size_t>(o)] += n;
      }
      // Each bucket's new requests at the bucket's geometric middle.
      double lower = 0;
      uint64_t below_now = 0, below_before = 0;
      for (const auto& [le, cumulative] : now->buckets) {
        uint64_t cumulative_before = 0;
        for (const auto& [ble, bc] : before.buckets) {
          if (ble == le) cumulative_before = bc;
        }
        const uint64_t in_now = cumulative - std::min(cumulative, below_now);
        const uint64_t in_before = cumulative_before - std::min(cumulative_before, below_before);
        const uint64_t n = in_now - std::min(in_now, in_before);
        below_now = cumulative;
        below_before = cumulative_before;
        if (n > 0) {
          const double upper = std::isinf(le) ? std::max(lower * 2, 1e-3) : le;
          const double middle = lower > 0 ? std::sqrt(lower * upper) : upper / 2;
          const sim::Duration at = sim::Duration::micros(static_cast<int64_t>(middle * 1e6));
          delta.latency.add(at, static_cast<uint32_t>(n));
          delta.latency_sum_us += static_cast<int64_t>(n) * at.count_micros();
        }
        lower = std::isinf(le) ? lower : le;
      }
      i.last_scrape = std::move(now);
      total.merge(delta);
    }
    g->metrics.add(interval_start, total);
    if (trace_ != nullptr) {
      trace::Event e;
      trace::IntervalMetrics* m = e.mutable_interval_metrics();
      m->set_scope_kind("server_group");
      m->set_scope(g->name);
      m->set_start_us(interval_start.micros_since_start());
      m->set_duration_us(settings_.world.metrics_interval.count_micros());
      world::fill_interval_metrics(m, total, true);
      trace_->append(loop_.now(), e);
    }
  }
  if (load_ != nullptr && trace_ != nullptr) {
    for (const world::TrafficSourceConfig& t : settings_.world.traffic) {
      const std::optional<world::MetricSeries> client = load_->client_series(t.name);
      if (!client) continue;
      const size_t index = static_cast<size_t>(interval_start.since_start() / settings_.world.metrics_interval);
      static const world::IntervalStats kEmpty;
      trace::Event e;
      trace::IntervalMetrics* m = e.mutable_interval_metrics();
      m->set_scope_kind("client");
      m->set_scope(t.name);
      m->set_start_us(interval_start.micros_since_start());
      m->set_duration_us(settings_.world.metrics_interval.count_micros());
      world::fill_interval_metrics(m, index < client->interval_count() ? client->at_interval(index) : kEmpty, true);
      trace_->append(loop_.now(), e);
    }
  }
}

std::string health_flag(const world::HealthBehaviour& h) {
  switch (h.kind) {
    case world::HealthBehaviour::Kind::kOk: return "ok";
    case world::HealthBehaviour::Kind::kFailing: return "fail";
    case world::HealthBehaviour::Kind::kFlapping: return "flap:" + sim::to_string(h.period);
    case world::HealthBehaviour::Kind::kFailingAfter: return "fail-after:" + sim::to_string(h.after);
  }
  return "ok";
}

// --- Trace events ----------------------------------------------------------------------------------

void LocalProvider::emit_instance(const Group& g, const Instance& i, const std::string& reason) {
  if (trace_ == nullptr) return;
  trace::Event e;
  trace::InstanceChange* c = e.mutable_instance();
  c->set_instance(i.name);
  c->set_server_group(g.name);
  c->set_zone(g.region);
  c->set_state(i.died_at && i.state != "terminated" ? "terminated" : i.state);
  c->set_platform_health(i.died_at || i.state == "terminated" ? "down" : i.state == "booting" ? "starting" : "up");
  c->set_reason(reason);
  trace_->append(loop_.now(), e);
}

void LocalProvider::emit_target(const Group& g, const Instance& i, const std::string& lb, const std::string& health) {
  const_cast<Instance&>(i).targets[lb].health = health;
  if (trace_ == nullptr) return;
  trace::Event e;
  trace::TargetChange* t = e.mutable_target();
  t->set_load_balancer(lb);
  t->set_instance(i.name);
  t->set_server_group(g.name);
  t->set_health(health);
  trace_->append(loop_.now(), e);
}

void LocalProvider::emit_group(const Group& g, const std::string& action) {
  if (trace_ == nullptr) return;
  trace::Event e;
  trace::ServerGroupChange* c = e.mutable_server_group();
  c->set_server_group(g.name);
  c->set_action(action);
  c->set_min(g.capacity.min);
  c->set_desired(g.capacity.desired);
  c->set_max(g.capacity.max);
  c->set_enabled(!g.disabled);
  c->set_version(g.version);
  c->set_region(g.region);
  trace_->append(loop_.now(), e);
}

std::vector<LocalProvider::GroupFigures> LocalProvider::group_figures() const {
  std::vector<GroupFigures> figures;
  for (const auto& g : groups_) {
    GroupFigures f{g->name, g->version, &g->metrics, {}};
    std::map<std::string, int> counts;
    for (const auto& i : g->instances) ++counts[i->died_at && i->state != "terminated" ? "terminated" : i->state];
    for (const auto& [state, n] : counts) f.instances_by_state.emplace_back(state, n);
    figures.push_back(std::move(f));
  }
  return figures;
}

}  // namespace deploysim::providers::local
