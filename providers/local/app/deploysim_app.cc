// deploysim-app: the sample HTTP service that the local (real) provider starts as each instance.
//
// One process is one instance. Its flags describe how a version behaves (error rate, service
// time, slow boot, crash, failing health, capacity), so a deployment of a "bad" version is a real
// deployment of processes that really misbehave; the provider injects faults at runtime through
// /admin. GET / is the work, /health is what HAProxy's health check polls, and /metrics is
// Prometheus text that the canary judge reads.
//
// Randomness comes from the project's Rng and distributions, in streams named after the instance,
// so two instances of one version fail on different requests. The process runs on the wall clock,
// so unlike sim/ it reads steady_clock; draws follow request arrival order and are not
// reproducible run to run.
#include <errno.h>
#include <fcntl.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "sim/kernel/distributions.h"
#include "sim/kernel/result.h"
#include "sim/kernel/rng.h"
#include "sim/kernel/time.h"
#include "sim/world/distribution.h"

namespace deploysim::app {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kExitBadUsage = 2;
constexpr int kExitCannotListen = 1;
constexpr int kExitCrash = 70;  // EX_SOFTWARE: what --crash-after looks like to the provider

// Worker threads beyond --capacity, so that /health, /metrics, /admin and the immediate 503s
// still get a thread while `capacity` requests sleep in GET /. httplib serves each connection on
// one thread for its whole keep-alive life, so clients should keep at most capacity + 8
// connections open to one instance; further connections wait for a free thread.
constexpr int kSpareThreads = 8;
// Keep-alive: the load generator and HAProxy reuse connections. After 100 requests a connection
// is closed so that waiting connections get a thread in turn; 5s idle is httplib's own default.
constexpr size_t kKeepAliveMaxRequests = 100;
constexpr time_t kKeepAliveIdleSeconds = 5;
// On SIGTERM, once no request has been active for this long, exit instead of waiting for workers
// idling in keep-alive waits (httplib joins them only after their idle timeout).
constexpr auto kQuietBeforeExit = std::chrono::milliseconds(200);

sim::Duration elapsed(Clock::time_point from, Clock::time_point to) {
  return sim::Duration::micros(
      std::chrono::duration_cast<std::chrono::microseconds>(to - from).count());
}

// --- Parsing values (shared by the command line and /admin) ---------------------------------

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t begin = 0;
  for (size_t end; (end = text.find(separator, begin)) != std::string_view::npos; begin = end + 1) {
    parts.push_back(text.substr(begin, end - begin));
  }
  parts.push_back(text.substr(begin));
  return parts;
}

template <class Integer>
sim::Result<Integer> parse_integer(std::string_view text, Integer lo, Integer hi,
                                   std::string_view expected) {
  Integer value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < lo ||
      value > hi) {
    return sim::invalid_argument("expected " + std::string(expected) + ", got " + quoted(text));
  }
  return value;
}

sim::Result<double> parse_probability(std::string_view text) {
  double p = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), p);
  // Written as !(in range) so that a NaN is rejected too.
  if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
      !(p >= 0 && p <= 1)) {
    return sim::invalid_argument("expected a probability in [0,1], got " + quoted(text));
  }
  return p;
}

// An instance or version name travels in headers, in the GET / body (space separated) and in
// Prometheus labels, so it must be one printable word.
sim::Result<std::string> parse_name(std::string_view text) {
  const bool printable_word = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return c > ' ' && c != '\x7f';
  });
  if (!printable_word) {
    return sim::invalid_argument(
        "expected a non-empty name without spaces or control characters, got " + quoted(text));
  }
  return std::string(text);
}

constexpr std::string_view kLatencySyntax =
    "DUR | exp:MEAN | uniform:LO:HI | normal:MEAN:SD | lognormal:MEDIAN:P99";

// Parses the --latency syntax into a distribution of microseconds.
sim::Result<world::Distribution> parse_latency(std::string_view text) {
  const std::vector<std::string_view> parts = split(text, ':');
  const std::string_view kind = parts.size() > 1 ? parts[0] : std::string_view("constant");
  const size_t arity = kind == "constant" || kind == "exp" ? 1 : 2;
  const bool known = kind == "constant" || kind == "exp" || kind == "uniform" || kind == "normal" ||
                     kind == "lognormal";
  const size_t first_value = kind == "constant" ? 0 : 1;
  if (!known || parts.size() != first_value + arity) {
    return sim::invalid_argument("expected " + std::string(kLatencySyntax) + ", got " +
                                 quoted(text));
  }
  double values[2] = {0, 0};
  for (size_t i = 0; i < arity; ++i) {
    sim::Result<sim::Duration> d = sim::parse_duration(parts[first_value + i]);
    if (!d.ok()) {
      return sim::invalid_argument("expected " + std::string(kLatencySyntax) + " in " +
                                   quoted(text) + ": " + d.error().message);
    }
    values[i] = static_cast<double>(d->count_micros());
  }
  if (kind == "constant") return world::Distribution::constant(values[0]);
  if (kind == "exp") return world::Distribution::exponential(values[0]);
  if (kind == "normal") return world::Distribution::normal(values[0], values[1]);
  if (kind == "uniform") {
    if (values[0] > values[1]) {
      return sim::invalid_argument("expected uniform:LO:HI with LO <= HI, got " + quoted(text));
    }
    return world::Distribution::uniform(values[0], values[1]);
  }
  // Distribution::lognormal requires this (it checks, and would stop the process).
  if (!(values[0] > 0 && values[0] <= values[1])) {
    return sim::invalid_argument("expected lognormal:MEDIAN:P99 with 0 < MEDIAN <= P99, got " +
                                 quoted(text));
  }
  return world::Distribution::lognormal(values[0], values[1]);
}

// --- Health ---------------------------------------------------------------------------------

// What /health answers over time, counted from the mode's start (the port binding, or the
// /admin/health change that set it).
struct HealthMode {
  enum class Kind { kOk, kFail, kFlap, kFailAfter };
  Kind kind = Kind::kOk;
  // kFlap: the length of each healthy and each failing phase (> 0).
  // kFailAfter: how long the instance stays healthy.
  sim::Duration period;

  bool healthy_after(sim::Duration since_start) const {
    switch (kind) {
      case Kind::kOk:
        return true;
      case Kind::kFail:
        return false;
      case Kind::kFlap:
        return (since_start / period) % 2 == 0;  // starts healthy
      case Kind::kFailAfter:
        return since_start < period;
    }
    return true;
  }
};

constexpr std::string_view kHealthSyntax = "ok | fail | flap:PERIOD | fail-after:DUR";

sim::Result<HealthMode> parse_health(std::string_view text) {
  if (text == "ok") return HealthMode{HealthMode::Kind::kOk, {}};
  if (text == "fail") return HealthMode{HealthMode::Kind::kFail, {}};
  const std::vector<std::string_view> parts = split(text, ':');
  const bool timed = parts.size() == 2 && (parts[0] == "flap" || parts[0] == "fail-after");
  if (!timed) {
    return sim::invalid_argument("expected " + std::string(kHealthSyntax) + ", got " +
                                 quoted(text));
  }
  sim::Result<sim::Duration> d = sim::parse_duration(parts[1]);
  if (!d.ok()) {
    return sim::invalid_argument("expected " + std::string(kHealthSyntax) + " in " + quoted(text) +
                                 ": " + d.error().message);
  }
  if (parts[0] == "fail-after") return HealthMode{HealthMode::Kind::kFailAfter, *d};
  if (*d <= sim::Duration::zero()) {
    return sim::invalid_argument("expected flap:PERIOD with PERIOD > 0, got " + quoted(text));
  }
  return HealthMode{HealthMode::Kind::kFlap, *d};
}

// --- Command line -----------------------------------------------------------------------------

constexpr char kUsage[] =
    "usage: deploysim-app --port N [options]\n"
    "The sample HTTP service deploysim's local provider runs as an instance.\n"
    "  --port N              TCP port to listen on (1-65535; required)\n"
    "  --host ADDR           address to bind (default 127.0.0.1)\n"
    "  --version NAME        version this instance runs (default v1)\n"
    "  --instance NAME       instance name; also names the random streams (default HOST:PORT)\n"
    "  --error-rate P        probability in [0,1] that GET / answers 500 (default 0)\n"
    "  --latency SPEC        service time of GET /: DUR | exp:MEAN | uniform:LO:HI |\n"
    "                        normal:MEAN:SD | lognormal:MEDIAN:P99 (default 5ms)\n"
    "  --boot-delay DUR      wait this long before binding the port (default 0s)\n"
    "  --crash-after DUR     exit with status 70 this long after process start (default never)\n"
    "  --health MODE         ok | fail | flap:PERIOD | fail-after:DUR (default ok), timed from\n"
    "                        the port binding\n"
    "  --capacity N          GET / requests served at once; more get 503 (default 8)\n"
    "  --seed N              root seed of the random streams (default 1)\n"
    "  --help                print this and exit\n"
    "Endpoints: GET / (the work), GET /health, GET /metrics (Prometheus text),\n"
    "POST /admin/error-rate?value=P, POST /admin/health?mode=MODE, POST /admin/latency?spec=SPEC.\n"
    "Durations are written like 250ms, 1s, 1m30s. SIGTERM or SIGINT stops gracefully.\n";

struct Options {
  bool help = false;
  std::string host = "127.0.0.1";
  int port = 0;  // required: 0 means not given
  std::string version = "v1";
  std::string instance;  // empty: HOST:PORT
  double error_rate = 0;
  world::Distribution latency = world::Distribution::constant(sim::Duration::millis(5));
  sim::Duration boot_delay;                  // default 0s
  std::optional<sim::Duration> crash_after;  // default never
  HealthMode health;                         // default ok
  int capacity = 8;
  uint64_t seed = 1;
};

// Stores `parsed` in `*out`, or returns its error.
template <class T>
sim::Status assign(sim::Result<T> parsed, T* out) {
  if (!parsed.ok()) return parsed.error();
  *out = std::move(*parsed);
  return {};
}

sim::Status apply_flag(std::string_view flag, std::string_view value, Options* o) {
  if (flag == "--port") {
    return assign(parse_integer(value, 1, 65535, "a TCP port 1-65535"), &o->port);
  }
  if (flag == "--host") return assign(parse_name(value), &o->host);
  if (flag == "--version") return assign(parse_name(value), &o->version);
  if (flag == "--instance") return assign(parse_name(value), &o->instance);
  if (flag == "--error-rate") return assign(parse_probability(value), &o->error_rate);
  if (flag == "--latency") return assign(parse_latency(value), &o->latency);
  if (flag == "--boot-delay") return assign(sim::parse_duration(value), &o->boot_delay);
  if (flag == "--health") return assign(parse_health(value), &o->health);
  if (flag == "--capacity") {
    return assign(parse_integer(value, 1, 4096, "a count 1-4096"), &o->capacity);
  }
  if (flag == "--seed") {
    return assign(parse_integer<uint64_t>(value, 0, UINT64_MAX, "an unsigned 64-bit integer"),
                  &o->seed);
  }
  if (flag == "--crash-after") {
    sim::Result<sim::Duration> d = sim::parse_duration(value);
    if (!d.ok()) return d.error();
    o->crash_after = *d;
    return {};
  }
  return sim::invalid_argument("unknown flag (see --help)");
}

// Reads "--flag VALUE" and "--flag=VALUE". Errors name the flag and what it expects.
sim::Result<Options> parse_command_line(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      options.help = true;
      return options;
    }
    std::optional<std::string_view> value;
    if (const size_t eq = flag.find('='); flag.starts_with("--") && eq != std::string_view::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    }
    if (!value) return sim::invalid_argument(std::string(flag) + ": expected a value after it");
    sim::Status applied = apply_flag(flag, *value, &options);
    if (!applied.ok()) {
      return sim::invalid_argument(std::string(flag) + ": " + applied.error().message);
    }
  }
  if (options.port == 0) return sim::invalid_argument("--port: required (a TCP port 1-65535)");
  if (options.instance.empty()) {
    options.instance = options.host + ":" + std::to_string(options.port);
  }
  return options;
}

// --- Runtime behaviour ----------------------------------------------------------------------

// How the instance behaves now: the flags' settings, which /admin may change while it runs (the
// provider's fault injection). Thread-safe; handlers on every worker thread call it.
class Behaviour {
 public:
  Behaviour(const Options& options, Clock::time_point health_start)
      : error_rate_(options.error_rate),
        latency_(options.latency),
        latency_rng_(streams(options).derive("latency")),
        error_rng_(streams(options).derive("errors")),
        health_(options.health),
        health_start_(health_start) {}

  sim::Duration sample_latency() {
    std::lock_guard<std::mutex> lock(latency_mutex_);
    return latency_.sample_duration(latency_rng_);
  }
  bool sample_error() {
    const double p = error_rate_.load();
    std::lock_guard<std::mutex> lock(error_mutex_);
    return sim::bernoulli(error_rng_, p);
  }
  bool healthy(Clock::time_point now) const {
    std::lock_guard<std::mutex> lock(health_mutex_);
    return health_.healthy_after(elapsed(health_start_, now));
  }

  void set_error_rate(double p) { error_rate_.store(p); }
  void set_latency(const world::Distribution& latency) {
    std::lock_guard<std::mutex> lock(latency_mutex_);
    latency_ = latency;
  }
  // The new mode's clock starts now: flap:10s set at t begins a healthy phase at t.
  void set_health(const HealthMode& mode, Clock::time_point now) {
    std::lock_guard<std::mutex> lock(health_mutex_);
    health_ = mode;
    health_start_ = now;
  }

 private:
  // The instance's root stream: named after the instance, so that instances started with one
  // seed draw independently.
  static sim::Rng streams(const Options& options) {
    return sim::Rng::stream(options.seed, "deploysim-app/" + options.instance);
  }

  std::atomic<double> error_rate_;
  std::mutex latency_mutex_;  // guards latency_ and latency_rng_
  world::Distribution latency_;
  sim::Rng latency_rng_;
  std::mutex error_mutex_;  // guards error_rng_
  sim::Rng error_rng_;
  mutable std::mutex health_mutex_;  // guards health_ and health_start_
  HealthMode health_;
  Clock::time_point health_start_;
};

// --- Metrics ------------------------------------------------------------------------------------

struct LatencyBucket {
  int64_t upper_micros;  // inclusive (Prometheus "le")
  const char* label;     // le exactly as exposed, so that scrapers see stable label values
};
constexpr LatencyBucket kLatencyBuckets[] = {
    {500, "0.0005"},    {1'000, "0.001"},  {1'500, "0.0015"}, {2'000, "0.002"},  {3'000, "0.003"},
    {4'000, "0.004"},   {5'000, "0.005"},  {6'000, "0.006"},  {8'000, "0.008"},  {10'000, "0.01"},
    {12'000, "0.012"},  {15'000, "0.015"}, {20'000, "0.02"},  {25'000, "0.025"}, {30'000, "0.03"},
    {40'000, "0.04"},   {50'000, "0.05"},  {60'000, "0.06"},  {80'000, "0.08"},  {100'000, "0.1"},
    {120'000, "0.12"},  {150'000, "0.15"}, {200'000, "0.2"},  {250'000, "0.25"}, {300'000, "0.3"},
    {400'000, "0.4"},   {500'000, "0.5"},  {600'000, "0.6"},  {800'000, "0.8"},  {1'000'000, "1"},
    {1'500'000, "1.5"}, {2'000'000, "2"},  {3'000'000, "3"},  {5'000'000, "5"},  {10'000'000, "10"},
};
constexpr size_t kBucketCount = std::size(kLatencyBuckets);

// Whole microseconds as decimal seconds, exactly ("1.000250").
std::string seconds_text(int64_t micros) {
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, "%06lld", static_cast<long long>(micros % 1'000'000));
  return std::to_string(micros / 1'000'000) + "." + fraction;
}

// Prometheus label values escape backslash, double quote and newline.
std::string label_value(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

// Counts of GET / answers by status and a histogram of their latencies. One mutex keeps each
// exposition consistent (the +Inf bucket always equals _count and the sum of the status counts).
class RequestMetrics {
 public:
  RequestMetrics() {
    // Present from the start, so that a judge sees 0 errors rather than a missing series.
    for (int status : {200, 500, 503}) by_status_[status] = 0;
  }

  void record(int status, sim::Duration latency) {
    const int64_t micros = latency.count_micros();
    size_t bucket = 0;
    while (bucket < kBucketCount && micros > kLatencyBuckets[bucket].upper_micros) ++bucket;
    std::lock_guard<std::mutex> lock(mutex_);
    ++by_status_[status];
    ++bucket_counts_[bucket];  // bucket == kBucketCount: above the last bound, only in +Inf
    sum_micros_ += micros;
    ++count_;
  }

  std::string exposition(const Options& identity, int in_flight) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out;
    out += "# HELP deploysim_app_requests_total GET / requests answered, by status.\n";
    out += "# TYPE deploysim_app_requests_total counter\n";
    for (const auto& [status, n] : by_status_) {
      out += "deploysim_app_requests_total{status=\"" + std::to_string(status) + "\"} " +
             std::to_string(n) + "\n";
    }
    out += "# HELP deploysim_app_request_duration_seconds GET / time from receipt to response.\n";
    out += "# TYPE deploysim_app_request_duration_seconds histogram\n";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBucketCount; ++i) {
      cumulative += bucket_counts_[i];
      out += std::string("deploysim_app_request_duration_seconds_bucket{le=\"") +
             kLatencyBuckets[i].label + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "deploysim_app_request_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(count_) +
           "\n";
    out += "deploysim_app_request_duration_seconds_sum " + seconds_text(sum_micros_) + "\n";
    out += "deploysim_app_request_duration_seconds_count " + std::to_string(count_) + "\n";
    out += "# HELP deploysim_app_in_flight GET / requests being served now.\n";
    out += "# TYPE deploysim_app_in_flight gauge\n";
    out += "deploysim_app_in_flight " + std::to_string(in_flight) + "\n";
    out += "# HELP deploysim_app_info The version and instance this process runs.\n";
    out += "# TYPE deploysim_app_info gauge\n";
    out += "deploysim_app_info{version=\"" + label_value(identity.version) + "\",instance=\"" +
           label_value(identity.instance) + "\"} 1\n";
    return out;
  }

 private:
  mutable std::mutex mutex_;  // guards everything below
  std::map<int, uint64_t> by_status_;
  uint64_t bucket_counts_[kBucketCount + 1] = {};  // per bucket, not cumulative; last: above 10s
  int64_t sum_micros_ = 0;
  uint64_t count_ = 0;
};

// --- The service --------------------------------------------------------------------------------

// Holds a GET / slot while admitted: at most `capacity` at once, never more even for a moment,
// so the in-flight gauge never reads above capacity.
class CapacitySlot {
 public:
  CapacitySlot(std::atomic<int>& in_flight, int capacity) : in_flight_(in_flight) {
    int current = in_flight_.load();
    while (current < capacity && !in_flight_.compare_exchange_weak(current, current + 1)) {
    }
    admitted_ = current < capacity;
  }
  ~CapacitySlot() {
    if (admitted_) in_flight_.fetch_sub(1);
  }
  CapacitySlot(const CapacitySlot&) = delete;
  CapacitySlot& operator=(const CapacitySlot&) = delete;

  bool admitted() const { return admitted_; }

 private:
  std::atomic<int>& in_flight_;
  bool admitted_ = false;
};

class App {
 public:
  App(Options options, Clock::time_point bound_at)
      : options_(std::move(options)), behaviour_(options_, bound_at) {}

  // Registers the endpoints. Every response, including httplib's own 404s, names the version and
  // instance, so a client behind HAProxy can tell which instance answered.
  void install(httplib::Server& server) {
    server.set_default_headers(
        {{"X-Deploysim-Version", options_.version}, {"X-Deploysim-Instance", options_.instance}});
    server.Get("/", tracked([this](const auto& req, auto& res) { work(req, res); }));
    server.Get("/health", tracked([this](const auto& req, auto& res) { health(req, res); }));
    server.Get("/metrics", tracked([this](const auto& req, auto& res) { metrics(req, res); }));
    admin_routes_ = {
        {"/admin/error-rate",
         tracked([this](const auto& req, auto& res) { admin_error_rate(req, res); })},
        {"/admin/health", tracked([this](const auto& req, auto& res) { admin_health(req, res); })},
        {"/admin/latency",
         tracked([this](const auto& req, auto& res) { admin_latency(req, res); })},
    };
    for (const auto& [path, handler] : admin_routes_) server.Post(path, handler);
    // httplib 0.11 reads the body of a POST that has neither Content-Length nor
    // Transfer-Encoding until the client closes: a 5s stall, then 400. RFC 9112 section 6.3 says
    // such a request has no body, and `curl -X POST` sends exactly that; so answer bodiless admin
    // POSTs here, before httplib would start reading.
    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      const auto route = admin_routes_.find(req.path);
      const bool bodiless =
          !req.has_header("Content-Length") && !req.has_header("Transfer-Encoding");
      if (req.method != "POST" || !bodiless || route == admin_routes_.end()) {
        return httplib::Server::HandlerResponse::Unhandled;
      }
      route->second(req, res);
      return httplib::Server::HandlerResponse::Handled;
    });
  }

  // Requests inside a handler right now (any endpoint): a graceful stop waits for zero.
  int active_requests() const { return active_requests_.load(); }
  const Options& options() const { return options_; }

 private:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  Handler tracked(Handler handler) {
    return
        [this, handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
          active_requests_.fetch_add(1);
          handler(req, res);
          active_requests_.fetch_sub(1);
        };
  }

  void work(const httplib::Request&, httplib::Response& res) {
    const Clock::time_point received = Clock::now();
    {
      CapacitySlot slot(in_flight_, options_.capacity);
      if (!slot.admitted()) {
        res.status = 503;
        res.set_content("over capacity\n", "text/plain");
      } else {
        std::this_thread::sleep_for(
            std::chrono::microseconds(behaviour_.sample_latency().count_micros()));
        if (behaviour_.sample_error()) {
          res.status = 500;
          res.set_content("error " + options_.version + " " + options_.instance + "\n",
                          "text/plain");
        } else {
          res.status = 200;
          res.set_content("ok " + options_.version + " " + options_.instance + "\n", "text/plain");
        }
      }
    }
    metrics_.record(res.status, elapsed(received, Clock::now()));
  }

  void health(const httplib::Request&, httplib::Response& res) {
    const bool healthy = behaviour_.healthy(Clock::now());
    res.status = healthy ? 200 : 503;
    res.set_content(healthy ? "ok" : "failing", "text/plain");
  }

  void metrics(const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.exposition(options_, in_flight_.load()), "text/plain; version=0.0.4");
  }

  // The /admin endpoints: parse one query parameter, apply it, answer 200 "ok" or 400 and why.
  template <class T, class Apply>
  static void admin(const httplib::Request& req, httplib::Response& res, const char* param,
                    sim::Result<T> (*parse)(std::string_view), Apply apply) {
    if (!req.has_param(param)) {
      res.status = 400;
      res.set_content(std::string("missing query parameter ") + param, "text/plain");
      return;
    }
    sim::Result<T> parsed = parse(req.get_param_value(param));
    if (!parsed.ok()) {
      res.status = 400;
      res.set_content(std::string(param) + ": " + parsed.error().message, "text/plain");
      return;
    }
    apply(*parsed);
    res.set_content("ok", "text/plain");
  }
  void admin_error_rate(const httplib::Request& req, httplib::Response& res) {
    admin(req, res, "value", parse_probability, [this](double p) { behaviour_.set_error_rate(p); });
  }
  void admin_health(const httplib::Request& req, httplib::Response& res) {
    admin(req, res, "mode", parse_health,
          [this](const HealthMode& m) { behaviour_.set_health(m, Clock::now()); });
  }
  void admin_latency(const httplib::Request& req, httplib::Response& res) {
    admin(req, res, "spec", parse_latency,
          [this](const world::Distribution& d) { behaviour_.set_latency(d); });
  }

  const Options options_;
  Behaviour behaviour_;
  RequestMetrics metrics_;
  std::atomic<int> in_flight_{0};                // admitted GET / requests
  std::atomic<int> active_requests_{0};          // requests inside any handler
  std::map<std::string, Handler> admin_routes_;  // POST /admin/*, by path
};

// --- Process lifecycle --------------------------------------------------------------------------

// The write end of the self-pipe. A signal handler receives no context, so this one value is
// global; it is set once, before the handlers are installed.
int g_stop_pipe_write = -1;

extern "C" void on_stop_signal(int) {
  // Only async-signal-safe work here: one write(2), errno preserved for the interrupted code.
  const int saved_errno = errno;
  const char byte = 's';
  const ssize_t written = write(g_stop_pipe_write, &byte, 1);
  (void)written;  // a full pipe already holds a pending stop
  errno = saved_errno;
}

// SIGTERM and SIGINT, turned into a byte on a pipe that threads can wait on (the self-pipe trick).
class StopSignal {
 public:
  StopSignal() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
      std::perror("deploysim-app: pipe2");
      std::exit(kExitCannotListen);
    }
    read_fd_ = fds[0];
    g_stop_pipe_write = fds[1];
    struct sigaction action = {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    // A client that hangs up mid-response must not kill the instance.
    signal(SIGPIPE, SIG_IGN);
  }

  // Waits for a stop signal, at most `timeout` (forever if none). True if one arrived.
  bool wait(std::optional<sim::Duration> timeout) const {
    const Clock::time_point deadline =
        Clock::now() + std::chrono::microseconds(timeout ? timeout->count_micros() : 0);
    for (;;) {
      int wait_ms = -1;
      if (timeout) {
        const int64_t left_us = elapsed(Clock::now(), deadline).count_micros();
        if (left_us <= 0) return false;
        wait_ms = static_cast<int>(std::min<int64_t>((left_us + 999) / 1000, 60'000));
      }
      pollfd readable = {read_fd_, POLLIN, 0};
      if (poll(&readable, 1, wait_ms) > 0) {
        char byte;
        while (read(read_fd_, &byte, 1) == 1) {
        }
        return true;
      }
      // 0: this slice of the timeout passed; -1 with EINTR: a signal, whose byte is now readable.
    }
  }

  // Wakes a thread blocked in wait(), as a signal would.
  void notify() const { on_stop_signal(0); }

 private:
  int read_fd_ = -1;
};

// From process start, not from binding: a crash can hit a booting instance too.
void arm_crash_timer(Clock::time_point process_start, sim::Duration after) {
  std::thread([process_start, after] {
    std::this_thread::sleep_until(process_start + std::chrono::microseconds(after.count_micros()));
    std::fprintf(stderr, "deploysim-app: crashing as --crash-after %s asked\n",
                 sim::to_string(after).c_str());
    std::_Exit(kExitCrash);  // abrupt on purpose: no destructors, no flushing, no goodbye
  }).detach();
}

void configure(httplib::Server& server, int capacity) {
  const size_t threads = static_cast<size_t>(capacity + kSpareThreads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_keep_alive_max_count(kKeepAliveMaxRequests);
  server.set_keep_alive_timeout(kKeepAliveIdleSeconds);
  // httplib's default sets SO_REUSEPORT, which lets a second instance bind a port already in use
  // and share its traffic. SO_REUSEADDR alone still allows a quick restart on the same port.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
}

// After a stop signal: stop accepting, let handlers finish, then exit 0. Returns only if the
// server returned from listening first (it was not this thread that stopped it).
void stop_gracefully(httplib::Server& server, const App& app,
                     const std::atomic<bool>& listen_returned) {
  // Server::stop() does nothing until listen_after_bind() has started running.
  while (!server.is_running() && !listen_returned.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server.stop();
  Clock::time_point quiet_since = Clock::now();
  while (!listen_returned.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (app.active_requests() > 0) {
      quiet_since = Clock::now();
    } else if (Clock::now() - quiet_since >= kQuietBeforeExit) {
      std::fflush(nullptr);
      std::_Exit(0);  // the remaining workers only wait for requests on idle connections
    }
  }
}

// Serves until SIGTERM/SIGINT; returns the exit status.
int serve(httplib::Server& server, const App& app, const StopSignal& stop_signal) {
  std::atomic<bool> listen_returned{false};
  std::atomic<bool> stopped_by_signal{false};
  std::thread stopper([&] {
    stop_signal.wait(std::nullopt);
    if (listen_returned.load()) return;  // woken by notify() below, not by a signal
    stopped_by_signal.store(true);
    std::fprintf(stderr, "deploysim-app %s: stopping on signal\n", app.options().instance.c_str());
    stop_gracefully(server, app, listen_returned);
  });
  server.listen_after_bind();
  listen_returned.store(true);
  stop_signal.notify();
  stopper.join();
  if (!stopped_by_signal.load()) {
    std::fprintf(stderr, "deploysim-app %s: the server stopped unexpectedly\n",
                 app.options().instance.c_str());
    return kExitCannotListen;
  }
  return 0;
}

int run(int argc, char** argv) {
  const Clock::time_point process_start = Clock::now();
  sim::Result<Options> parsed = parse_command_line(argc, argv);
  if (!parsed.ok()) {
    std::fprintf(stderr, "deploysim-app: %s\n", parsed.error().message.c_str());
    return kExitBadUsage;
  }
  if (parsed->help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const Options& options = *parsed;
  StopSignal stop_signal;
  if (options.crash_after) arm_crash_timer(process_start, *options.crash_after);
  // Booting: the port stays closed, as a real instance's does until its service is up.
  if (stop_signal.wait(options.boot_delay)) return 0;

  httplib::Server server;
  configure(server, options.capacity);
  errno = 0;
  if (!server.bind_to_port(options.host, options.port)) {
    const int bind_errno = errno;
    std::fprintf(stderr, "deploysim-app: cannot listen on %s port %d: %s\n", options.host.c_str(),
                 options.port, bind_errno != 0 ? std::strerror(bind_errno) : "bind failed");
    return kExitCannotListen;
  }
  App app(options, Clock::now());
  app.install(server);
  std::printf("deploysim-app %s %s listening on %s:%d\n", options.version.c_str(),
              options.instance.c_str(), options.host.c_str(), options.port);
  std::fflush(stdout);
  return serve(server, app, stop_signal);
}

}  // namespace
}  // namespace deploysim::app

int main(int argc, char** argv) { return deploysim::app::run(argc, argv); }
