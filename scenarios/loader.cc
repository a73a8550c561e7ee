// Scenario files to world configuration: strict JSON parsing, then one pass over every field that
// converts it and records each problem with its field path.
#include "scenarios/loader.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>
#include <vector>

#include "scenarios/checkers.h"
#include "scenarios/scorecard.h"
#include "scenarios/json_syntax.h"
#include "providers/cloud_provider.h"
#include "providers/kubernetes/kubernetes_cluster.h"
#include "strategies/expressions/expression.h"
#include "strategies/pipeline/cron.h"
#include "strategies/pipeline/pipeline.h"
#include "strategies/pipeline/triggers.h"
#include "strategies/stages/stage_fields.h"
#include "strategies/stages/stages.h"
#include "scenarios/scenario.pb.h"
#include "sim/world/names.h"

namespace deploysim::scenarios {
namespace {

namespace fs = std::filesystem;
namespace pb = deploysim::scenario;
using sim::Duration;
using sim::TimePoint;

std::string field(const std::string& base, const std::string& name) {
  return base.empty() ? name : base + "." + name;
}
std::string item(const std::string& base, const std::string& name, size_t i) {
  return field(base, name) + "[" + std::to_string(i) + "]";
}
std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

// A Struct field as JSON text. (MessageToJsonString appends to its output, so it gets a fresh
// string: a default such as "{}" in front would make the text unreadable.)
template <class Message>
std::string struct_json(const Message& value) {
  std::string out;
  google::protobuf::util::MessageToJsonString(value, &out);
  return out;
}

enum class Bound { kNonNegative, kPositive };

// Converts one parsed scenario, collecting problems rather than stopping at the first.
class Converter {
 public:
  Converter(const pb::Scenario& s, const fs::path& file) : s_(s), file_(file) {}

  LoadedScenario convert() {
    LoadedScenario out;
    out.name = s_.name().empty() ? file_.stem().string() : s_.name();
    out.seed = s_.seed();
    if (const auto d = duration(s_.duration(), "duration", std::nullopt, Bound::kPositive)) {
      out.duration = *d;
    }
    world::WorldConfig& w = out.world;
    convert_world(w);
    convert_versions(w);
    convert_load_balancers(w);
    convert_server_groups(w);
    convert_weights(w);
    convert_traffic(w);
    convert_faults(w);
    convert_api(w);
    if (const auto d = duration(s_.metrics().interval(), "metrics.interval", Duration::seconds(10),
                                Bound::kPositive)) {
      w.metrics_interval = *d;
    }
    convert_pipeline(out);
    convert_checks(out);
    convert_scorecard(out);
    convert_expectations(out);
    for (int i = 0; i < s_.variants_size(); ++i) {
      const std::string& name = s_.variants(i).name();
      const std::string path = item("", "variants", size_t(i));
      if (name.empty()) problem(field(path, "name"), "required: the name `deploysim compare` reports it under");
      if (name == "base") problem(field(path, "name"), "\"base\" names the scenario itself in comparisons; choose another name");
      if (std::find(out.variants.begin(), out.variants.end(), name) != out.variants.end()) {
        problem(field(path, "name"), "another variant is already named " + in_quotes(name));
      }
      out.variants.push_back(name);
    }
    return out;
  }

  const std::vector<std::string>& problems() const { return problems_; }

 private:
  void problem(const std::string& path, const std::string& what) {
    problems_.push_back(file_.string() + ": " + path + ": " + what);
  }

  // A duration field: empty takes `fallback` (an error when there is none).
  std::optional<Duration> duration(const std::string& text, const std::string& path,
                                   std::optional<Duration> fallback, Bound bound) {
    if (text.empty()) {
      if (!fallback) problem(path, "required; expected a duration such as \"90s\" or \"5m\"");
      return fallback;
    }
    sim::Result<Duration> d = sim::parse_duration(text);
    if (!d.ok()) {
      problem(path, d.error().message);
      return std::nullopt;
    }
    if (bound == Bound::kPositive && *d <= Duration::zero()) {
      problem(path, "must be longer than zero, got " + in_quotes(text));
      return std::nullopt;
    }
    return *d;
  }

  std::optional<TimePoint> time(const std::string& text, const std::string& path) {
    const auto d = duration(text, path, std::nullopt, Bound::kNonNegative);
    if (!d) return std::nullopt;
    return TimePoint::start() + *d;
  }

  bool probability(double p, const std::string& path) {
    if (!std::isfinite(p) || p < 0 || p > 1) {
      problem(path, "must be a probability between 0 and 1, got " + std::to_string(p));
      return false;
    }
    return true;
  }

  bool non_negative(double x, const std::string& path) {
    if (!std::isfinite(x) || x < 0) {
      problem(path, "must be a number >= 0, got " + std::to_string(x));
      return false;
    }
    return true;
  }

  int at_least(const std::optional<int>& value, int fallback, int minimum, const std::string& path) {
    if (!value) return fallback;
    if (*value < minimum) {
      problem(path, "must be at least " + std::to_string(minimum) + ", got " + std::to_string(*value));
      return fallback;
    }
    return *value;
  }

  int port(const std::optional<int>& value, const std::string& path) {
    if (value && (*value < 1 || *value > 65535)) {
      problem(path, "must be a port number between 1 and 65535, got " + std::to_string(*value));
      return 7001;
    }
    return value.value_or(7001);
  }

  world::Distribution distribution(const pb::Distribution& d, const std::string& path,
                                   Duration fallback) {
    const auto us = [](Duration x) { return static_cast<double>(x.count_micros()); };
    switch (d.kind_case()) {
      case pb::Distribution::KIND_NOT_SET:
        return world::Distribution::constant(fallback);
      case pb::Distribution::kConstant:
        if (auto v = duration(d.constant(), field(path, "constant"), std::nullopt, Bound::kNonNegative)) {
          return world::Distribution::constant(*v);
        }
        break;
      case pb::Distribution::kExponential:
        if (auto v = duration(d.exponential(), field(path, "exponential"), std::nullopt, Bound::kPositive)) {
          return world::Distribution::exponential(us(*v));
        }
        break;
      case pb::Distribution::kUniform: {
        const auto lo = duration(d.uniform().min(), field(path, "uniform.min"), std::nullopt, Bound::kNonNegative);
        const auto hi = duration(d.uniform().max(), field(path, "uniform.max"), std::nullopt, Bound::kNonNegative);
        if (lo && hi) {
          if (*lo > *hi) {
            problem(field(path, "uniform"), "min must not exceed max");
            break;
          }
          return world::Distribution::uniform(us(*lo), us(*hi));
        }
        break;
      }
      case pb::Distribution::kNormal: {
        const auto mean = duration(d.normal().mean(), field(path, "normal.mean"), std::nullopt, Bound::kNonNegative);
        const auto sd = duration(d.normal().stddev(), field(path, "normal.stddev"), std::nullopt, Bound::kNonNegative);
        if (mean && sd) return world::Distribution::normal(us(*mean), us(*sd));
        break;
      }
      case pb::Distribution::kLognormal: {
        const auto median = duration(d.lognormal().median(), field(path, "lognormal.median"), std::nullopt, Bound::kPositive);
        const auto p99 = duration(d.lognormal().p99(), field(path, "lognormal.p99"), std::nullopt, Bound::kPositive);
        if (median && p99) {
          if (*p99 < *median) {
            problem(field(path, "lognormal"), "p99 must be at least the median");
            break;
          }
          return world::Distribution::lognormal(us(*median), us(*p99));
        }
        break;
      }
      case pb::Distribution::kEmpirical: {
        std::vector<double> samples;
        for (int i = 0; i < d.empirical().samples_size(); ++i) {
          if (auto v = duration(d.empirical().samples(i), item(path, "empirical.samples", size_t(i)),
                                std::nullopt, Bound::kNonNegative)) {
            samples.push_back(us(*v));
          }
        }
        if (d.empirical().samples_size() == 0) {
          problem(field(path, "empirical.samples"), "needs at least one sample");
          break;
        }
        sim::Result<world::Distribution> e = world::Distribution::empirical(samples);
        if (e.ok()) return *e;
        break;
      }
    }
    return world::Distribution::constant(fallback);
  }

  void convert_world(world::WorldConfig& w) {
    std::set<std::string> zones;
    std::set<std::string> regions;
    if (s_.world().regions_size() == 0) problem("world.regions", "needs at least one region");
    for (int i = 0; i < s_.world().regions_size(); ++i) {
      const pb::Region& r = s_.world().regions(i);
      const std::string path = item("world", "regions", size_t(i));
      if (r.name().empty()) problem(field(path, "name"), "required");
      if (!regions.insert(r.name()).second) problem(field(path, "name"), "duplicate region " + in_quotes(r.name()));
      if (r.zones_size() == 0) problem(field(path, "zones"), "needs at least one zone");
      world::RegionConfig region{r.name(), {}};
      for (int z = 0; z < r.zones_size(); ++z) {
        if (!zones.insert(r.zones(z)).second) {
          problem(item(path, "zones", size_t(z)), "duplicate zone " + in_quotes(r.zones(z)));
        }
        region.zones.push_back(r.zones(z));
      }
      w.regions.push_back(region);
    }
    if (auto d = duration(s_.world().launch_delay(), "world.launch_delay", Duration::seconds(5), Bound::kNonNegative)) {
      w.launch_delay = *d;
    }
    if (auto d = duration(s_.world().replace_after(), "world.replace_after", Duration::seconds(60), Bound::kNonNegative)) {
      w.replace_after = *d;
    }
  }

  bool has_region(const world::WorldConfig& w, const std::string& name) const {
    return std::any_of(w.regions.begin(), w.regions.end(), [&](const auto& r) { return r.name == name; });
  }

  void convert_versions(world::WorldConfig& w) {
    if (s_.versions_size() == 0) problem("versions", "needs at least one version");
    std::set<std::string> names;
    for (int i = 0; i < s_.versions_size(); ++i) {
      const pb::Version& v = s_.versions(i);
      const std::string path = item("", "versions", size_t(i));
      world::VersionProfile p;
      p.name = v.name();
      if (v.name().empty()) problem(field(path, "name"), "required");
      if (!names.insert(v.name()).second) problem(field(path, "name"), "duplicate version " + in_quotes(v.name()));
      p.bad = v.bad();
      for (const std::string& image : v.images()) {
        if (image.empty()) problem(field(path, "images"), "an image name must not be empty");
        if (!names.insert(image).second) problem(field(path, "images"), "duplicate version name or image " + in_quotes(image));
        p.images.push_back(image);
      }
      p.boot_time = distribution(v.boot_time(), field(path, "boot_time"), Duration::seconds(30));
      p.service_time = distribution(v.service_time(), field(path, "service_time"), Duration::millis(50));
      p.errors = error_model(v.errors(), field(path, "errors"));
      if (!v.crash_mtbf().empty()) {
        p.crash_mtbf = duration(v.crash_mtbf(), field(path, "crash_mtbf"), std::nullopt, Bound::kPositive);
      }
      p.health = health(v.health(), field(path, "health"));
      if (!v.service_time_scale_csv().empty()) {
        p.service_time_scale = read_csv(v.service_time_scale_csv(), field(path, "service_time_scale_csv"), "multiplier");
      }
      p.workers = at_least(v.has_workers() ? std::optional<int>(v.workers()) : std::nullopt, 8, 1,
                           field(path, "workers"));
      p.queue_limit = at_least(v.has_queue_limit() ? std::optional<int>(v.queue_limit()) : std::nullopt,
                               100, 0, field(path, "queue_limit"));
      w.versions.push_back(std::move(p));
    }
  }

  world::ErrorModel error_model(const pb::ErrorModel& e, const std::string& path) {
    world::ErrorModel m;
    m.probability = e.probability();
    probability(e.probability(), field(path, "probability"));
    switch (e.change_case()) {
      case pb::ErrorModel::CHANGE_NOT_SET:
        break;
      case pb::ErrorModel::kStep:
        m.kind = world::ErrorModel::Kind::kStep;
        m.at = time(e.step().at(), field(path, "step.at")).value_or(TimePoint());
        m.probability_after = e.step().probability();
        probability(e.step().probability(), field(path, "step.probability"));
        break;
      case pb::ErrorModel::kRamp:
        m.kind = world::ErrorModel::Kind::kRamp;
        m.at = time(e.ramp().from(), field(path, "ramp.from")).value_or(TimePoint());
        m.until = time(e.ramp().until(), field(path, "ramp.until")).value_or(TimePoint());
        m.probability_after = e.ramp().probability();
        probability(e.ramp().probability(), field(path, "ramp.probability"));
        if (m.until <= m.at) problem(field(path, "ramp"), "until must be after from");
        break;
      case pb::ErrorModel::kCsv:
        m.kind = world::ErrorModel::Kind::kSeries;
        m.series = read_csv(e.csv(), field(path, "csv"), "probability");
        for (const world::RateProfile::Point& p : m.series) {
          if (p.rate > 1) {
            char value[32];
            std::snprintf(value, sizeof(value), "%g", p.rate);
            problem(field(path, "csv"), e.csv() + ": probability " + value + " at " + sim::to_string(p.at) + " is above 1");
            break;
          }
        }
        break;
      case pb::ErrorModel::kLoad:
        m.kind = world::ErrorModel::Kind::kLoad;
        m.load_knee = e.load().knee();
        m.per_request_above_knee = e.load().per_request_above();
        if (e.load().knee() < 0) problem(field(path, "load.knee"), "must be >= 0");
        probability(e.load().per_request_above(), field(path, "load.per_request_above"));
        break;
    }
    return m;
  }

  world::HealthBehaviour health(const pb::Health& h, const std::string& path) {
    world::HealthBehaviour b;
    const std::string& kind = h.behaviour();
    if (kind.empty() || kind == "ok") {
      b.kind = world::HealthBehaviour::Kind::kOk;
    } else if (kind == "failing") {
      b.kind = world::HealthBehaviour::Kind::kFailing;
    } else if (kind == "flapping") {
      b.kind = world::HealthBehaviour::Kind::kFlapping;
    } else if (kind == "failing_after") {
      b.kind = world::HealthBehaviour::Kind::kFailingAfter;
    } else {
      problem(field(path, "behaviour"), "unknown behaviour " + in_quotes(kind) +
                                            "; expected ok, failing, flapping or failing_after");
    }
    if (auto d = duration(h.period(), field(path, "period"), Duration::seconds(30), Bound::kPositive)) b.period = *d;
    if (auto d = duration(h.after(), field(path, "after"), Duration::minutes(10), Bound::kNonNegative)) b.after = *d;
    return b;
  }

  void convert_load_balancers(world::WorldConfig& w) {
    std::set<std::string> names;
    for (int i = 0; i < s_.world().load_balancers_size(); ++i) {
      const pb::LoadBalancer& l = s_.world().load_balancers(i);
      const std::string path = item("world", "load_balancers", size_t(i));
      world::LoadBalancerConfig c;
      c.name = l.name();
      if (l.name().empty()) problem(field(path, "name"), "required");
      if (!names.insert(l.name()).second) problem(field(path, "name"), "duplicate load balancer " + in_quotes(l.name()));
      c.region = l.region();
      if (!has_region(w, l.region())) {
        problem(field(path, "region"), "unknown region " + in_quotes(l.region()) + "; it must be one of world.regions");
      }
      if (l.algorithm().empty() || l.algorithm() == "round_robin") {
        c.algorithm = world::Algorithm::kRoundRobin;
      } else if (l.algorithm() == "least_outstanding") {
        c.algorithm = world::Algorithm::kLeastOutstanding;
      } else if (l.algorithm() == "random") {
        c.algorithm = world::Algorithm::kRandom;
      } else {
        problem(field(path, "algorithm"), "unknown algorithm " + in_quotes(l.algorithm()) +
                                              "; expected round_robin, least_outstanding or random");
      }
      const pb::HealthCheck& h = l.health_check();
      const std::string hp = field(path, "health_check");
      if (auto d = duration(h.interval(), field(hp, "interval"), Duration::seconds(10), Bound::kPositive)) c.health_check.interval = *d;
      if (auto d = duration(h.timeout(), field(hp, "timeout"), Duration::seconds(5), Bound::kPositive)) c.health_check.timeout = *d;
      if (c.health_check.timeout >= c.health_check.interval) {
        problem(field(hp, "timeout"), "must be shorter than the interval (" +
                                          sim::to_string(c.health_check.interval) + ")");
      }
      c.health_check.healthy_threshold =
          at_least(h.has_healthy_threshold() ? std::optional<int>(h.healthy_threshold()) : std::nullopt, 10, 1,
                   field(hp, "healthy_threshold"));
      c.health_check.unhealthy_threshold =
          at_least(h.has_unhealthy_threshold() ? std::optional<int>(h.unhealthy_threshold()) : std::nullopt, 2, 1,
                   field(hp, "unhealthy_threshold"));
      c.health_check.port = port(h.has_port() ? std::optional<int>(h.port()) : std::nullopt, field(hp, "port"));
      c.traffic_port = port(l.has_traffic_port() ? std::optional<int>(l.traffic_port()) : std::nullopt,
                            field(path, "traffic_port"));
      if (auto d = duration(l.deregistration_delay(), field(path, "deregistration_delay"), Duration::seconds(300), Bound::kNonNegative)) {
        c.deregistration_delay = *d;
      }
      if (auto d = duration(l.request_timeout(), field(path, "request_timeout"), Duration::seconds(60), Bound::kPositive)) {
        c.request_timeout = *d;
      }
      w.load_balancers.push_back(c);
    }
  }

  void convert_server_groups(world::WorldConfig& w) {
    // Names are computed as the world will: each cluster's groups take v000, v001, ... in order.
    std::vector<std::string> clusters;
    for (int i = 0; i < s_.server_groups_size(); ++i) {
      const pb::ServerGroup& g = s_.server_groups(i);
      const std::string path = item("", "server_groups", size_t(i));
      world::ServerGroupConfig c;
      c.application = g.application();
      c.stack = g.stack();
      c.detail = g.detail();
      const world::Moniker moniker{c.application, c.stack, c.detail, std::nullopt};
      if (sim::Status s = world::validate_moniker(moniker); !s.ok()) problem(field(path, "application"), s.error().message);
      c.region = g.region();
      const auto region = std::find_if(w.regions.begin(), w.regions.end(),
                                       [&](const auto& r) { return r.name == g.region(); });
      if (region == w.regions.end()) {
        problem(field(path, "region"), "unknown region " + in_quotes(g.region()) + "; it must be one of world.regions");
      }
      for (int z = 0; z < g.zones_size(); ++z) {
        c.zones.push_back(g.zones(z));
        if (region != w.regions.end() &&
            std::find(region->zones.begin(), region->zones.end(), g.zones(z)) == region->zones.end()) {
          problem(item(path, "zones", size_t(z)), "zone " + in_quotes(g.zones(z)) + " is not in region " + in_quotes(g.region()));
        }
      }
      c.version = g.version();
      const bool known = std::any_of(w.versions.begin(), w.versions.end(),
                                     [&](const auto& v) { return v.name == g.version(); });
      if (!known) problem(field(path, "version"), "unknown version " + in_quotes(g.version()) + "; it must be one of versions[].name");
      const pb::Capacity& cap = g.capacity();
      c.capacity = {cap.min(), cap.desired(), cap.max()};
      if (cap.min() < 0 || cap.min() > cap.desired() || cap.desired() > cap.max()) {
        problem(field(path, "capacity"), "must satisfy 0 <= min <= desired <= max, got min " +
                                             std::to_string(cap.min()) + ", desired " + std::to_string(cap.desired()) +
                                             ", max " + std::to_string(cap.max()));
      }
      c.enabled = g.has_enabled() ? g.enabled() : true;
      for (int l = 0; l < g.load_balancers_size(); ++l) {
        const std::string& name = g.load_balancers(l);
        c.load_balancers.push_back(name);
        const auto lb = std::find_if(w.load_balancers.begin(), w.load_balancers.end(),
                                     [&](const auto& x) { return x.name == name; });
        if (lb == w.load_balancers.end()) {
          problem(item(path, "load_balancers", size_t(l)), "unknown load balancer " + in_quotes(name));
        } else if (lb->region != g.region()) {
          problem(item(path, "load_balancers", size_t(l)), "load balancer " + in_quotes(name) + " is in region " +
                                                                in_quotes(lb->region) + ", not " + in_quotes(g.region()));
        }
      }
      for (int p = 0; p < g.security_group().allowed_ports_size(); ++p) {
        const int port_number = g.security_group().allowed_ports(p);
        if (port_number < 1 || port_number > 65535) {
          problem(item(path, "security_group.allowed_ports", size_t(p)), "must be a port number between 1 and 65535");
        }
        c.security.allowed_ports.push_back(port_number);
      }
      c.start_running = true;
      const std::string cluster = moniker.cluster() + "@" + g.region();
      const int sequence = static_cast<int>(std::count(clusters.begin(), clusters.end(), cluster));
      clusters.push_back(cluster);
      initial_names_.push_back({world::Moniker{c.application, c.stack, c.detail, sequence}.server_group(), c.load_balancers});
      w.server_groups.push_back(c);
    }
  }

  void convert_weights(world::WorldConfig& w) {
    for (int i = 0; i < s_.world().load_balancers_size() && i < int(w.load_balancers.size()); ++i) {
      const pb::LoadBalancer& l = s_.world().load_balancers(i);
      if (l.weights_size() == 0) continue;
      const std::string path = item("world", "load_balancers", size_t(i)) + ".weights";
      double sum = 0;
      for (int k = 0; k < l.weights_size(); ++k) {
        const pb::Weight& weight = l.weights(k);
        const std::string wp = path + "[" + std::to_string(k) + "]";
        non_negative(weight.percent(), wp + ".percent");
        sum += weight.percent();
        const auto initial = std::find_if(initial_names_.begin(), initial_names_.end(),
                                          [&](const auto& n) { return n.first == weight.server_group(); });
        if (initial == initial_names_.end()) {
          problem(wp + ".server_group", "unknown server group " + in_quotes(weight.server_group()) +
                                            "; weights name initial server groups (e.g. app-stack-v000)");
        } else if (std::find(initial->second.begin(), initial->second.end(), l.name()) == initial->second.end()) {
          problem(wp + ".server_group", "server group " + in_quotes(weight.server_group()) + " is not behind " + in_quotes(l.name()));
        }
        w.load_balancers[size_t(i)].initial_weights.emplace_back(weight.server_group(), weight.percent());
      }
      if (std::fabs(sum - 100) > 1e-6) problem(path, "percents must sum to 100, got " + std::to_string(sum));
    }
  }

  void convert_traffic(world::WorldConfig& w) {
    for (int i = 0; i < s_.traffic_size(); ++i) {
      const pb::TrafficSource& t = s_.traffic(i);
      const std::string path = item("", "traffic", size_t(i));
      world::TrafficSourceConfig c;
      c.name = t.name().empty() ? (i == 0 ? "users" : "users-" + std::to_string(i)) : t.name();
      c.load_balancer = t.load_balancer();
      if (std::none_of(w.load_balancers.begin(), w.load_balancers.end(),
                       [&](const auto& l) { return l.name == t.load_balancer(); })) {
        problem(field(path, "load_balancer"), "unknown load balancer " + in_quotes(t.load_balancer()));
      }
      switch (t.rate_case()) {
        case pb::TrafficSource::RATE_NOT_SET:
          problem(path, "needs a rate: one of constant, steps, diurnal or csv");
          break;
        case pb::TrafficSource::kConstant:
          c.rate.kind = world::RateProfile::Kind::kConstant;
          c.rate.base = t.constant();
          non_negative(t.constant(), field(path, "constant"));
          break;
        case pb::TrafficSource::kSteps:
          c.rate.kind = world::RateProfile::Kind::kSteps;
          c.rate.base = t.steps().initial();
          non_negative(t.steps().initial(), field(path, "steps.initial"));
          for (int k = 0; k < t.steps().steps_size(); ++k) {
            const std::string sp = item(path, "steps.steps", size_t(k));
            const auto at = time(t.steps().steps(k).at(), field(sp, "at"));
            non_negative(t.steps().steps(k).rate(), field(sp, "rate"));
            if (at) {
              if (!c.rate.points.empty() && *at < c.rate.points.back().at) problem(field(sp, "at"), "steps must be in time order");
              c.rate.points.push_back({*at, t.steps().steps(k).rate()});
            }
          }
          break;
        case pb::TrafficSource::kDiurnal:
          c.rate.kind = world::RateProfile::Kind::kDiurnal;
          c.rate.base = t.diurnal().mean();
          c.rate.amplitude = t.diurnal().amplitude();
          non_negative(t.diurnal().mean(), field(path, "diurnal.mean"));
          non_negative(t.diurnal().amplitude(), field(path, "diurnal.amplitude"));
          if (auto d = duration(t.diurnal().period(), field(path, "diurnal.period"), Duration::hours(24), Bound::kPositive)) c.rate.period = *d;
          if (auto d = duration(t.diurnal().phase(), field(path, "diurnal.phase"), Duration::zero(), Bound::kNonNegative)) c.rate.phase = *d;
          break;
        case pb::TrafficSource::kCsv:
          c.rate.kind = world::RateProfile::Kind::kSeries;
          c.rate.points = read_csv(t.csv(), field(path, "csv"));
          break;
      }
      for (int k = 0; k < t.spikes_size(); ++k) {
        const std::string sp = item(path, "spikes", size_t(k));
        const pb::Spike& spike = t.spikes(k);
        world::RateProfile::Spike out;
        out.at = time(spike.at(), field(sp, "at")).value_or(TimePoint());
        out.duration = duration(spike.duration(), field(sp, "duration"), std::nullopt, Bound::kPositive).value_or(Duration());
        out.multiplier = spike.multiplier();
        non_negative(spike.multiplier(), field(sp, "multiplier"));
        c.rate.spikes.push_back(out);
      }
      if (t.retries().max() < 0) problem(field(path, "retries.max"), "must be >= 0");
      c.max_retries = std::max(0, t.retries().max());
      c.synthetic = t.synthetic();
      if (auto d = duration(t.retries().backoff(), field(path, "retries.backoff"), Duration::millis(100), Bound::kNonNegative)) {
        c.retry_backoff = *d;
      }
      w.traffic.push_back(c);
    }
  }

  // A "time,<value>" file (a rate per second, a probability, a multiplier): time as a duration
  // ("90s") or plain seconds, the value a number >= 0. A first line that does not parse is taken
  // as a header.
  std::vector<world::RateProfile::Point> read_csv(const std::string& name, const std::string& path, const std::string& noun = "rate") {
    std::vector<world::RateProfile::Point> points;
    if (name.empty()) {
      problem(path, "required: the path of a time," + noun + " file");
      return points;
    }
    const fs::path csv = fs::path(name).is_absolute() ? fs::path(name) : file_.parent_path() / name;
    std::ifstream in(csv);
    if (!in) {
      problem(path, "cannot read " + noun + " file " + csv.string());
      return points;
    }
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      const size_t comma = line.find(',');
      const std::string where = csv.string() + ":" + std::to_string(number);
      std::optional<Duration> at;
      std::optional<double> rate;
      if (comma != std::string::npos) {
        const std::string t = line.substr(0, comma);
        const std::string r = line.substr(comma + 1);
        if (sim::Result<Duration> d = sim::parse_duration(t); d.ok()) {
          at = *d;
        } else {
          char* end = nullptr;
          const double seconds = std::strtod(t.c_str(), &end);
          if (end != t.c_str() && *end == '\0' && seconds >= 0 && std::isfinite(seconds)) {
            at = Duration::micros(static_cast<int64_t>(seconds * 1e6 + 0.5));
          }
        }
        char* end = nullptr;
        const double value = std::strtod(r.c_str(), &end);
        if (end != r.c_str() && std::isfinite(value) && value >= 0) rate = value;
      }
      if (!at || !rate) {
        if (points.empty() && number == 1) continue;  // a header
        problem(path, where + ": expected \"time," + noun + "\" (time like 90s or seconds, " + noun + " >= 0), got " + in_quotes(line));
        continue;
      }
      if (!points.empty() && TimePoint::start() + *at < points.back().at) {
        problem(path, where + ": times must not go backwards");
        continue;
      }
      points.push_back({TimePoint::start() + *at, *rate});
    }
    if (points.empty()) problem(path, noun + " file " + csv.string() + " has no time," + noun + " rows");
    return points;
  }

  void convert_faults(world::WorldConfig& w) {
    for (int i = 0; i < s_.faults_size(); ++i) {
      const pb::Fault& f = s_.faults(i);
      const std::string path = item("", "faults", size_t(i));
      world::FaultConfig c;
      using K = world::FaultConfig::Kind;
      static const std::vector<std::pair<std::string, K>> kKinds = {
          {"crash", K::kCrash}, {"zone_outage", K::kZoneOutage}, {"health_flapping", K::kHealthFlapping},
          {"health_failure", K::kHealthFailure},
          {"slow_boot", K::kSlowBoot}, {"api_errors", K::kApiErrors}, {"metric_gap", K::kMetricGap},
          {"version_change", K::kVersionChange}};
      const auto kind = std::find_if(kKinds.begin(), kKinds.end(), [&](const auto& k) { return k.first == f.kind(); });
      if (kind == kKinds.end()) {
        problem(field(path, "kind"), "unknown fault " + in_quotes(f.kind()) +
                                         "; expected crash, zone_outage, health_flapping, health_failure, slow_boot, api_errors, "
                                         "metric_gap or version_change");
        continue;
      }
      c.kind = kind->second;
      non_negative(f.rate_per_hour(), field(path, "rate_per_hour"));
      c.rate_per_hour = f.rate_per_hour();
      if (f.rate_per_hour() <= 0) {
        c.at = time(f.at(), field(path, "at")).value_or(TimePoint());
      } else if (!f.at().empty()) {
        problem(field(path, "at"), "give either at or rate_per_hour, not both");
      }
      c.server_group = f.server_group();
      c.zone = f.zone();
      c.version = f.version();
      c.count = f.count();
      c.percent = f.percent();
      c.factor = f.factor();
      c.probability = f.probability();
      const bool lasts = c.kind != K::kCrash && c.kind != K::kVersionChange;
      if (lasts) {
        const Duration fallback = c.kind == K::kSlowBoot || c.kind == K::kHealthFlapping || c.kind == K::kHealthFailure ? Duration::zero() : Duration();
        const bool required = c.kind == K::kZoneOutage || c.kind == K::kApiErrors || c.kind == K::kMetricGap;
        c.duration = duration(f.duration(), field(path, "duration"),
                              required ? std::nullopt : std::optional<Duration>(fallback),
                              required ? Bound::kPositive : Bound::kNonNegative)
                         .value_or(Duration());
      }
      if (auto d = duration(f.period(), field(path, "period"), Duration::seconds(20), Bound::kPositive)) c.period = *d;
      const auto need_group = [&] {
        if (f.server_group().empty()) problem(field(path, "server_group"), "required for a " + f.kind() + " fault");
      };
      switch (c.kind) {
        case K::kCrash:
          need_group();
          if (f.count() < 0) problem(field(path, "count"), "must be >= 0");
          if (f.percent() < 0 || f.percent() > 100) problem(field(path, "percent"), "must be between 0 and 100");
          if (f.count() <= 0 && f.percent() <= 0) problem(path, "a crash needs count > 0 or percent > 0");
          break;
        case K::kZoneOutage: {
          bool known = false;
          for (const auto& r : w.regions) known = known || std::count(r.zones.begin(), r.zones.end(), f.zone()) > 0;
          if (!known) problem(field(path, "zone"), "unknown zone " + in_quotes(f.zone()));
          break;
        }
        case K::kHealthFlapping:
        case K::kHealthFailure:
          need_group();
          break;
        case K::kSlowBoot:
          need_group();
          if (!(f.factor() >= 1)) problem(field(path, "factor"), "must be at least 1 (a boot time multiplier)");
          break;
        case K::kApiErrors:
          probability(f.probability(), field(path, "probability"));
          break;
        case K::kMetricGap:
          break;
        case K::kVersionChange:
          if (std::none_of(w.versions.begin(), w.versions.end(), [&](const auto& v) { return v.name == f.version(); })) {
            problem(field(path, "version"), "unknown version " + in_quotes(f.version()));
          }
          if (f.has_error_probability()) {
            probability(f.error_probability(), field(path, "error_probability"));
            c.error_probability = f.error_probability();
          }
          if (f.has_service_time()) {
            c.service_time = distribution(f.service_time(), field(path, "service_time"), Duration::millis(50));
          }
          if (!f.has_error_probability() && !f.has_service_time()) {
            problem(path, "a version_change needs error_probability or service_time");
          }
          break;
      }
      w.faults.push_back(c);
    }
  }

  void convert_api(world::WorldConfig& w) {
    const pb::CloudApi& a = s_.api();
    w.api.latency = distribution(a.latency(), "api.latency", Duration::millis(200));
    probability(a.failure_probability(), "api.failure_probability");
    w.api.failure_probability = a.failure_probability();
    non_negative(a.rate_limit_per_s(), "api.rate_limit_per_s");
    w.api.rate_limit_per_s = a.rate_limit_per_s();
    w.api.burst = at_least(a.has_burst() ? std::optional<int>(a.burst()) : std::nullopt, 10, 1, "api.burst");
    if (auto d = duration(a.read_lag(), "api.read_lag", Duration::zero(), Bound::kNonNegative)) w.api.read_lag = *d;
  }

  PipelinePlan::Rule judgment_rule(const pb::JudgmentRule& r, const std::string& path) {
    PipelinePlan::Rule rule;
    rule.cluster = r.cluster();
    if (r.cluster().empty()) problem(field(path, "cluster"), "required: the cluster whose server groups are compared");
    rule.region = r.region();
    if (!r.metric().empty()) rule.metric = r.metric();
    static const std::vector<std::string> kMetrics = {"error_rate", "latency_p50", "latency_p90", "latency_p99"};
    if (std::find(kMetrics.begin(), kMetrics.end(), rule.metric) == kMetrics.end()) {
      problem(field(path, "metric"), "unknown metric " + in_quotes(rule.metric) + "; expected error_rate, latency_p50, latency_p90 or latency_p99");
    }
    if (auto d = duration(r.window(), field(path, "window"), Duration::minutes(5), Bound::kPositive)) rule.window = *d;
    if (r.above_ratio() != 0) {
      non_negative(r.above_ratio(), field(path, "above_ratio"));
      rule.above_ratio = r.above_ratio();
    }
    for (const auto& [value, target, name] : {std::tuple{r.candidate(), &rule.candidate, "candidate"},
                                              std::tuple{r.baseline(), &rule.baseline, "baseline"}}) {
      if (value.empty()) continue;
      static const std::vector<std::string> kTargets = {"current_asg_dynamic", "ancestor_asg_dynamic", "oldest_asg_dynamic", "largest_asg_dynamic"};
      if (std::find(kTargets.begin(), kTargets.end(), value) == kTargets.end()) {
        problem(field(path, name), "unknown target " + in_quotes(value));
      }
      *target = value;
    }
    if (!r.then_input().empty()) rule.then_input = r.then_input();
    if (!r.else_input().empty()) rule.else_input = r.else_input();
    return rule;
  }

  PipelinePlan::Trigger trigger_plan(const pb::Trigger& t, const std::string& path, const LoadedScenario& out,
                                     const std::vector<strategies::PipelineConfig>& pipelines) {
    PipelinePlan::Trigger plan;
    if (!t.type().empty()) plan.type = t.type();
    const bool cron = plan.type == "cron";
    if (plan.type == "pipeline") {
      problem(field(path, "type"), "pipeline triggers fire when their upstream pipeline's execution ends; trigger the upstream "
                                   "pipeline instead");
    }
    if (cron) {
      if (!t.at().empty() || t.again_at_size() > 0) {
        problem(field(path, "at"), "a cron trigger fires on its pipelines' schedules; remove at and again_at");
      }
    } else {
      if (auto d = duration(t.at(), field(path, "at"), Duration::minutes(1), Bound::kNonNegative)) plan.at.push_back(*d);
      for (int i = 0; i < t.again_at_size(); ++i) {
        if (auto d = duration(t.again_at(i), item(path, "again_at", size_t(i)), std::nullopt, Bound::kNonNegative)) {
          plan.at.push_back(*d);
        }
      }
    }
    plan.artifact = t.artifact();
    if (!plan.artifact.empty() && std::none_of(out.world.versions.begin(), out.world.versions.end(), [&](const auto& v) {
          return v.name == plan.artifact || std::find(v.images.begin(), v.images.end(), plan.artifact) != v.images.end();
        })) {
      problem(field(path, "artifact"), "unknown version " + in_quotes(plan.artifact) +
                                           "; it must be one of versions[].name or versions[].images");
    }
    if (t.has_parameters()) plan.parameters_json = struct_json(t.parameters());
    if (t.has_event()) plan.event_json = struct_json(t.event());
    if (t.artifacts_size() > 0) {
      std::string list = "[";
      for (int a = 0; a < t.artifacts_size(); ++a) list += (a ? "," : "") + struct_json(t.artifacts(a));
      plan.artifacts_json = list + "]";
    }
    // An event no pipeline listens for is almost always a mistake in the scenario.
    if (plan.type != "manual" && !pipelines.empty()) {
      const bool heard = std::any_of(pipelines.begin(), pipelines.end(), [&](const strategies::PipelineConfig& p) {
        return !strategies::enabled_triggers(p, plan.type).empty();
      });
      if (!heard) problem(field(path, "type"), "no pipeline in the pipeline file has an enabled " + plan.type + " trigger");
    }
    return plan;
  }

  void convert_pipeline(LoadedScenario& out) {
    const bool inline_pipeline = s_.has_pipeline();
    const bool from_file = !s_.pipeline_file().empty();
    if (inline_pipeline && from_file) problem("pipeline_file", "give either pipeline or pipeline_file, not both");
    if (!inline_pipeline && !from_file) {
      if (s_.has_trigger() || s_.triggers_size() > 0 || s_.has_operator_() || s_.external_stages_size() > 0) {
        problem("pipeline", "trigger, triggers, operator and external_stages need a pipeline");
      }
      return;
    }
    PipelinePlan plan;
    if (inline_pipeline) {
      plan.json = struct_json(s_.pipeline());
      plan.source = file_.string() + ": pipeline";
    } else {
      const fs::path path = fs::path(s_.pipeline_file()).is_absolute() ? fs::path(s_.pipeline_file())
                                                                      : file_.parent_path() / s_.pipeline_file();
      std::ifstream in(path);
      if (!in) {
        problem("pipeline_file", "cannot read pipeline file " + path.string());
        return;
      }
      plan.json.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      plan.source = path.string();
    }
    plan.name = s_.pipeline_name();
    // The pipeline must load, with every stage type one the engine runs.
    strategies::StageRegistry registry;
    strategies::register_stages(registry);
    const auto loaded = strategies::load_pipelines(plan.json, plan.source, [&](const std::string& t) { return registry.supports(t); },
                                                   strategies::unsupported_type_reason);
    if (loaded.ok()) {
      for (const strategies::PipelineConfig& p : *loaded) {
        for (std::string& w : strategies::check_stage_fields(p, plan.source)) out.warnings.push_back(std::move(w));
      }
    }
    if (!loaded.ok()) {
      problem("pipeline", loaded.error().message);
    } else if (!plan.name.empty() &&
               std::none_of(loaded->begin(), loaded->end(), [&](const auto& p) { return p.name == plan.name; })) {
      problem("pipeline_name", "no pipeline named " + in_quotes(plan.name) + " in " + plan.source);
    }
    const std::vector<strategies::PipelineConfig> none;
    const std::vector<strategies::PipelineConfig>& pipelines = loaded.ok() ? *loaded : none;
    if (s_.has_trigger() || s_.triggers_size() == 0) {
      plan.triggers.push_back(trigger_plan(s_.trigger(), "trigger", out, pipelines));
    }
    for (int i = 0; i < s_.triggers_size(); ++i) {
      plan.triggers.push_back(trigger_plan(s_.triggers(i), item("", "triggers", size_t(i)), out, pipelines));
    }
    if (!s_.start().empty()) {
      const sim::Result<int64_t> start = strategies::parse_utc_time(s_.start());
      if (start.ok()) plan.start_epoch = *start;
      else problem("start", start.error().message);
    } else {
      plan.start_epoch = *strategies::parse_utc_time("2026-01-05T00:00:00Z");
    }
    if (const auto d = duration(s_.orca().disable_cluster_min_time(), "orca.disable_cluster_min_time",
                                Duration::seconds(90), Bound::kNonNegative)) {
      plan.disable_cluster_min_time = *d;
    }
    for (int i = 0; i < s_.operator_().judgments_size(); ++i) {
      const pb::Judgment& j = s_.operator_().judgments(i);
      const std::string path = item("operator", "judgments", size_t(i));
      PipelinePlan::Judgment out_j;
      out_j.stage = j.stage();
      out_j.input = j.input();
      if (j.stage().empty()) problem(field(path, "stage"), "required: the manual judgment stage's name");
      if (!j.status().empty()) {
        if (j.status() != "continue" && j.status() != "stop") problem(field(path, "status"), "must be continue or stop");
        out_j.status = j.status();
      }
      if (auto d = duration(j.after(), field(path, "after"), Duration::minutes(2), Bound::kNonNegative)) out_j.after = *d;
      if (j.has_rule()) out_j.rule = judgment_rule(j.rule(), field(path, "rule"));
      plan.judgments.push_back(out_j);
    }
    for (int i = 0; i < s_.external_stages_size(); ++i) {
      const pb::ExternalStage& e = s_.external_stages(i);
      const std::string path = item("", "external_stages", size_t(i));
      PipelinePlan::External out_e;
      out_e.stage = e.stage();
      out_e.type = e.type();
      out_e.fails = e.fails();
      if (e.has_outputs()) out_e.outputs_json = struct_json(e.outputs());
      if (e.stage().empty() && e.type().empty()) problem(path, "needs a stage name or a type to match");
      if (auto d = duration(e.duration(), field(path, "duration"), Duration::seconds(30), Bound::kNonNegative)) out_e.duration = *d;
      plan.external.push_back(out_e);
    }
    if (s_.kubernetes().manifests_size() > 0) {
      std::string list = "[";
      for (int m = 0; m < s_.kubernetes().manifests_size(); ++m) {
        const std::string path = item("kubernetes", "manifests", size_t(m));
        const google::protobuf::Struct& manifest = s_.kubernetes().manifests(m);
        const std::string text = struct_json(manifest);
        const std::string wrong = providers::kubernetes::manifest_problem(strategies::Json::parse(text));
        if (!wrong.empty()) problem(path, wrong);
        list += (m ? "," : "") + text;
      }
      plan.kubernetes_manifests_json = list + "]";
    }
    plan.kubernetes_application = s_.kubernetes().application();
    convert_canary_configs(plan);
    check_canary_stages(plan, pipelines);
    out.pipeline = std::move(plan);
  }

  void convert_checks(LoadedScenario& out) {
    const pb::Checks& c = s_.checks();
    if (c.has_healthy_floor()) {
      if (c.healthy_floor() < 0) problem("checks.healthy_floor", "must be >= 0 (0 turns the floor off)");
      out.checks.healthy_floor = c.healthy_floor();
    }
    const std::vector<std::string>& known = checker_names();
    std::string list;
    for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
    const auto names = [&](const google::protobuf::RepeatedPtrField<std::string>& field_values, const char* key,
                           std::vector<std::string>& into) {
      for (int i = 0; i < field_values.size(); ++i) {
        const std::string& n = field_values.Get(i);
        if (std::find(known.begin(), known.end(), n) == known.end()) {
          problem(item("checks", key, size_t(i)), "unknown checker " + in_quotes(n) + " (expected one of " + list + ")");
        }
        into.push_back(n);
      }
    };
    names(c.allow(), "allow", out.checks.allow);
    names(c.expect_violations(), "expect_violations", out.checks.expect_violations);
    for (const std::string& n : out.checks.allow) {
      if (std::find(out.checks.expect_violations.begin(), out.checks.expect_violations.end(), n) != out.checks.expect_violations.end()) {
        problem("checks", in_quotes(n) + " is both allowed and expected to fail; choose one");
      }
    }
  }

  void convert_scorecard(LoadedScenario& out) {
    const auto known_version = [&](const std::string& v) {
      return std::any_of(out.world.versions.begin(), out.world.versions.end(), [&](const auto& p) { return p.name == v; });
    };
    if (!s_.candidate().empty()) {
      out.candidate = s_.candidate();
      if (!known_version(out.candidate)) problem("candidate", "unknown version " + in_quotes(out.candidate) + "; it must be one of versions[].name");
    } else if (out.pipeline) {
      for (const PipelinePlan::Trigger& t : out.pipeline->triggers) {
        if (!t.artifact.empty()) {
          out.candidate = t.artifact;
          break;
        }
      }
      if (out.candidate.empty()) {
        for (auto v = out.world.versions.rbegin(); v != out.world.versions.rend(); ++v) {
          const bool initial = std::any_of(out.world.server_groups.begin(), out.world.server_groups.end(),
                                           [&](const auto& g) { return g.version == v->name; });
          if (!initial) {
            out.candidate = v->name;
            break;
          }
        }
      }
    }
    if (s_.slo().has_availability()) {
      const double a = s_.slo().availability();
      if (!std::isfinite(a) || a <= 0 || a >= 1) problem("slo.availability", "expected a share above 0 and below 1, such as 0.999");
      out.availability = a;
    }
    if (const auto d = duration(s_.slo().latency(), "slo.latency", Duration::zero(), Bound::kNonNegative)) out.world.bad_latency = *d;
  }

  // Bounds on named figures; `known` lists the names allowed.
  void convert_bounds(const google::protobuf::Map<std::string, pb::Bound>& bounds, const std::string& path,
                      const std::vector<std::string>& known, std::vector<LoadedScenario::Bound>& into) {
    std::string list;
    for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
    std::vector<std::string> keys;
    for (const auto& [key, bound] : bounds) keys.push_back(key);
    std::sort(keys.begin(), keys.end());  // protobuf's maps have no order; messages and runs need one
    for (const std::string& key : keys) {
      const pb::Bound& b = bounds.at(key);
      const std::string where = path + "." + key;
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        problem(where, "unknown figure " + in_quotes(key) + " (expected one of " + list + ")");
        continue;
      }
      if (!b.has_min() && !b.has_max()) problem(where, "give min, max or both");
      if ((b.has_min() && !std::isfinite(b.min())) || (b.has_max() && !std::isfinite(b.max()))) problem(where, "bounds must be finite numbers");
      if (b.has_min() && b.has_max() && b.min() > b.max()) problem(where, "min is above max");
      LoadedScenario::Bound out{key, std::nullopt, std::nullopt};
      if (b.has_min()) out.min = b.min();
      if (b.has_max()) out.max = b.max();
      into.push_back(out);
    }
  }

  void convert_expectations(LoadedScenario& out) {
    if (!s_.has_expect()) return;
    out.has_expectations = true;
    const pb::Expect& e = s_.expect();
    LoadedScenario::Expectations& x = out.expect;
    x.outcome = e.outcome();
    const std::vector<std::string>& outcomes = scorecard_outcomes();
    if (!x.outcome.empty() && std::find(outcomes.begin(), outcomes.end(), x.outcome) == outcomes.end()) {
      std::string list;
      for (const std::string& o : outcomes) list += (list.empty() ? "" : ", ") + o;
      problem("expect.outcome", "unknown outcome " + in_quotes(x.outcome) + " (expected one of " + list + ")");
    }
    x.execution_status = e.execution_status();
    static const std::vector<std::string> statuses = {"SUCCEEDED", "TERMINAL", "CANCELED", "STOPPED", "FAILED_CONTINUE", "RUNNING", "PAUSED", "NOT_STARTED"};
    if (!x.execution_status.empty() && std::find(statuses.begin(), statuses.end(), x.execution_status) == statuses.end()) {
      problem("expect.execution_status", "unknown status " + in_quotes(x.execution_status) + " (expected SUCCEEDED, TERMINAL, CANCELED, STOPPED, ...)");
    }
    if (e.has_verdict_correct()) x.verdict_correct = e.verdict_correct();
    if ((!x.outcome.empty() || !x.execution_status.empty() || x.verdict_correct) && !out.pipeline) {
      problem("expect", "outcome, execution_status and verdict_correct need a pipeline");
    }
    if ((x.verdict_correct || (!x.outcome.empty() && x.outcome != "none")) && out.candidate.empty()) {
      problem("expect", "outcomes and verdicts are about a candidate; name it in candidate");
    }
    convert_bounds(e.bounds(), "expect.bounds", scorecard_figure_names(), x.bounds);
    if (e.has_sweep()) {
      x.sweep_seeds = e.sweep().seeds();
      if (x.sweep_seeds < 1 || x.sweep_seeds > 1000000) problem("expect.sweep.seeds", "expected a number of replications from 1 to 1000000");
      std::vector<std::string> known;
      for (const std::string& f : scorecard_figure_names()) {
        for (const std::string& st : sweep_statistics()) known.push_back(f + "." + st);
      }
      for (const std::string& r : sweep_rates()) known.push_back("rate." + r);
      convert_bounds(e.sweep().bounds(), "expect.sweep.bounds", known, x.sweep_bounds);
    }
  }

  void convert_canary_configs(PipelinePlan& plan) {
    for (int i = 0; i < s_.canary_configs_size(); ++i) {
      const pb::CanaryConfig& c = s_.canary_configs(i);
      const std::string path = item("", "canary_configs", size_t(i));
      canary::StoredCanaryConfig stored;
      stored.id = c.id();
      if (c.id().empty()) problem(field(path, "id"), "required: the id kayentaCanary stages name");
      for (const canary::StoredCanaryConfig& earlier : plan.canary_configs) {
        if (!c.id().empty() && earlier.id == c.id()) problem(field(path, "id"), "duplicate id " + in_quotes(c.id()));
      }
      std::string text, source;
      if (c.has_config() == !c.file().empty()) {
        problem(path, "give either config (inline) or file");
        continue;
      }
      if (c.has_config()) {
        text = struct_json(c.config());
        source = file_.string() + ": " + field(path, "config");
      } else {
        const fs::path p = fs::path(c.file()).is_absolute() ? fs::path(c.file()) : file_.parent_path() / c.file();
        std::ifstream in(p);
        if (!in) {
          problem(field(path, "file"), "cannot read canary config file " + p.string());
          continue;
        }
        text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        source = p.string();
      }
      sim::Result<canary::CanaryConfig> parsed = canary::load_canary_config(text, source);
      if (!parsed.ok()) {
        // One line per problem, each naming its own source and field.
        std::istringstream lines(parsed.error().message);
        for (std::string line; std::getline(lines, line);) problems_.push_back(line);
        continue;
      }
      stored.config = std::move(*parsed);
      const std::vector<std::string>& known = providers::known_metrics();
      std::string known_list;
      for (const std::string& k : known) known_list += (known_list.empty() ? "" : ", ") + k;
      for (const auto& [name, series] : c.series()) {
        if (stored.config.metric(name) == nullptr) problem(field(path, "series") + "." + name, "the canary config has no metric " + in_quotes(name));
      }
      for (const canary::MetricConfig& m : stored.config.metrics) {
        const auto mapped = c.series().find(m.name);
        const std::string series = mapped != c.series().end() ? mapped->second
                                   : !m.query_metric_name.empty() ? m.query_metric_name : m.name;
        if (std::find(known.begin(), known.end(), series) == known.end()) {
          const std::string where = mapped != c.series().end() ? field(path, "series") + "." + m.name : field(path, "series");
          problem(where, "metric " + in_quotes(m.name) + " reads series " + in_quotes(series) + ", which the world does not have (expected one of " +
                             known_list + "; map it in series)");
        }
        stored.series[m.name] = series;
      }
      plan.canary_configs.push_back(std::move(stored));
    }
  }

  // Every kayentaCanary stage must name one of the canary configs (unless an expression does).
  void check_canary_stages(const PipelinePlan& plan, const std::vector<strategies::PipelineConfig>& pipelines) {
    for (const strategies::PipelineConfig& p : pipelines) {
      for (const strategies::StageConfig& st : p.stages) {
        if (st.type != "kayentaCanary") continue;
        const strategies::Json cc = st.context.value("canaryConfig", strategies::Json::object());
        if (!cc.is_object()) continue;
        std::string id = cc.value("canaryConfigId", std::string());
        if (id.empty()) id = cc.value("canaryConfigName", std::string());
        if (id.empty() || strategies::has_expression(id)) continue;
        const bool known = std::any_of(plan.canary_configs.begin(), plan.canary_configs.end(),
                                       [&](const canary::StoredCanaryConfig& c) { return c.id == id; });
        if (!known) {
          problem("canary_configs", "stage " + st.ref_id + " (" + st.name + ") of pipeline " + in_quotes(p.name) + " names canary config " +
                                        in_quotes(id) + ", which is not among canary_configs[].id");
        }
      }
    }
  }

  const pb::Scenario& s_;
  const fs::path& file_;
  std::vector<std::string> problems_;
  // The names the initial server groups will get, with their load balancers.
  std::vector<std::pair<std::string, std::vector<std::string>>> initial_names_;
};

// Protobuf's JSON errors, reworded: "(versions[0]) workerz: Cannot find field." becomes
// "versions[0].workerz: unknown field", "(seed): invalid value -1 for type TYPE_UINT64" becomes
// "seed: invalid value -1: expected a whole number >= 0".
std::string describe_protobuf_error(const std::string& message) {
  std::string path;
  std::string rest = message;
  if (!rest.empty() && rest[0] == '(') {
    const size_t close = rest.find(')');
    if (close != std::string::npos) {
      path = rest.substr(1, close - 1);
      rest = rest.substr(close + 1);
      while (!rest.empty() && (rest[0] == ' ' || rest[0] == ':')) rest.erase(0, 1);
    }
  }
  const std::string not_found = ": Cannot find field.";
  if (const size_t at = rest.find(not_found); at != std::string::npos) {
    const std::string key = rest.substr(0, at);
    return field(path, key) + ": unknown field " + in_quotes(key) +
           " (the fields of each object are listed in docs/scenario-format.md)";
  }
  static const std::vector<std::pair<std::string, std::string>> kTypes = {
      {"TYPE_UINT64", "a whole number >= 0"}, {"TYPE_UINT32", "a whole number >= 0"},
      {"TYPE_INT32", "a whole number"},       {"TYPE_INT64", "a whole number"},
      {"TYPE_DOUBLE", "a number"},            {"TYPE_FLOAT", "a number"},
      {"TYPE_STRING", "a string"},            {"TYPE_BOOL", "true or false"}};
  for (const auto& [type, words] : kTypes) {
    const std::string suffix = " for type " + type;
    if (const size_t at = rest.find(suffix); at != std::string::npos) {
      return (path.empty() ? "" : path + ": ") + rest.substr(0, at) + ": expected " + words;
    }
  }
  if (rest.find("Root element must be a message") != std::string::npos) {
    return "the file must hold one JSON object (a scenario), not an array or a value";
  }
  if (const size_t newline = rest.find('\n'); newline != std::string::npos) rest = rest.substr(0, newline);
  return (path.empty() ? "" : path + ": ") + rest;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

// The merge `extends` and variants use: objects key by key; arrays of objects item by item, matched
// by "name", else "id", else "refId" (when every item of both has it); null removes; anything else
// replaces.
bool all_have(const strategies::Json& a, const std::string& key) {
  return a.is_array() && !a.empty() && std::all_of(a.begin(), a.end(), [&](const strategies::Json& i) {
           return i.is_object() && i.contains(key) && i[key].is_string();
         });
}

// The key the patch's items are matched by (the first of name, id, refId that they and the base's
// items all have), or "".
std::string merge_key(const strategies::Json& base, const strategies::Json& patch) {
  for (const char* key : {"name", "id", "refId"}) {
    if (all_have(patch, key) && all_have(base, key)) return key;
  }
  return "";
}

strategies::Json merged(strategies::Json base, const strategies::Json& patch) {
  const std::string key = merge_key(base, patch);
  if (!key.empty()) {
    for (const strategies::Json& p : patch) {
      const auto same = std::find_if(base.begin(), base.end(), [&](const strategies::Json& b) { return b[key] == p[key]; });
      if (same == base.end()) {
        base.push_back(p);
      } else {
        *same = merged(*same, p);
      }
    }
    return base;
  }
  if (!patch.is_object()) return patch;
  if (!base.is_object()) base = strategies::Json::object();
  for (const auto& [k, value] : patch.items()) {
    if (value.is_null()) {
      base.erase(k);
    } else {
      base[k] = merged(base.contains(k) ? base[k] : strategies::Json(), value);
    }
  }
  return base;
}

// Relative paths in a base file name files beside the base; rewritten to stay right from `to`.
void rebase_paths(strategies::Json& scenario, const fs::path& from, const fs::path& to) {
  const auto rebase = [&](strategies::Json& value) {
    if (!value.is_string()) return;
    const fs::path p = value.get<std::string>();
    if (p.empty() || p.is_absolute()) return;
    value = (from / p).lexically_normal().lexically_relative(to.empty() ? fs::path(".") : to).string();
  };
  if (scenario.contains("pipeline_file")) rebase(scenario["pipeline_file"]);
  if (scenario.contains("pipelineFile")) rebase(scenario["pipelineFile"]);
  for (const char* list : {"traffic", "canary_configs", "canaryConfigs"}) {
    if (!scenario.contains(list) || !scenario[list].is_array()) continue;
    for (strategies::Json& entry : scenario[list]) {
      if (!entry.is_object()) continue;
      if (entry.contains("csv")) rebase(entry["csv"]);
      if (entry.contains("file")) rebase(entry["file"]);
    }
  }
  if (scenario.contains("versions") && scenario["versions"].is_array()) {
    for (strategies::Json& v : scenario["versions"]) {
      if (!v.is_object()) continue;
      for (const char* key : {"service_time_scale_csv", "serviceTimeScaleCsv"}) {
        if (v.contains(key)) rebase(v[key]);
      }
      if (v.contains("errors") && v["errors"].is_object() && v["errors"].contains("csv")) rebase(v["errors"]["csv"]);
    }
  }
}

sim::Result<std::string> read_text(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return sim::io_error(path.string() + ": is a directory, not a scenario file");
  // Devices and pipes (/dev/zero, a FIFO) could be read forever.
  if (fs::exists(path, ec) && !fs::is_regular_file(path, ec)) return sim::io_error(path.string() + ": not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return sim::io_error("cannot read scenario file " + path.string() + ": " + std::strerror(errno));
  return std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

sim::Status check_syntax(const std::string& text, const std::string& file) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return sim::invalid_argument(file + ": the file is empty; expected a JSON scenario object");
  }
  if (const std::optional<std::string> syntax = json_syntax_error(text)) {
    return sim::invalid_argument(file + ": not valid JSON: " + *syntax);
  }
  return sim::Status();
}

// The scenario with every file it extends merged under it. `seen` guards against cycles.
sim::Result<strategies::Json> resolve_extends(const std::string& text, const fs::path& path, std::vector<fs::path>& seen) {
  if (sim::Status ok = check_syntax(text, path.string()); !ok.ok()) return ok.error();
  strategies::Json json = strategies::Json::parse(text, nullptr, false);
  if (!json.is_object() || !json.contains("extends")) return json;
  if (!json["extends"].is_string() || json["extends"].get<std::string>().empty()) {
    return sim::invalid_argument(path.string() + ": extends: expected the path of a scenario file, relative to this one");
  }
  const fs::path dir = path.parent_path();
  const fs::path base_path = (dir / json["extends"].get<std::string>()).lexically_normal();
  const fs::path canonical = fs::weakly_canonical(base_path);
  if (std::find(seen.begin(), seen.end(), canonical) != seen.end()) {
    return sim::invalid_argument(path.string() + ": extends: " + base_path.string() + " extends this file again (a cycle)");
  }
  if (seen.size() >= 16) return sim::invalid_argument(path.string() + ": extends: more than 16 files deep");
  seen.push_back(canonical);
  sim::Result<std::string> base_text = read_text(base_path);
  if (!base_text.ok()) return sim::invalid_argument(path.string() + ": extends: " + base_text.error().message);
  sim::Result<strategies::Json> base = resolve_extends(*base_text, base_path, seen);
  if (!base.ok()) return sim::invalid_argument(path.string() + ": extends: " + base.error().message);
  if (!base->is_object()) return sim::invalid_argument(base_path.string() + ": expected a JSON scenario object");
  rebase_paths(*base, base_path.parent_path(), dir);
  json.erase("extends");
  return merged(*base, json);
}

}  // namespace

sim::Result<LoadedScenario> parse_scenario(const std::string& original, const fs::path& path, const std::string& variant) {
  const std::string file = path.string();
  std::vector<fs::path> seen{fs::weakly_canonical(path)};
  sim::Result<strategies::Json> resolved = resolve_extends(original, path, seen);
  if (!resolved.ok()) return resolved.error();
  const bool extends = resolved->is_object() && strategies::Json::parse(original, nullptr, false).contains("extends");
  if (!variant.empty()) {
    const strategies::Json variants = resolved->is_object() ? resolved->value("variants", strategies::Json::array()) : strategies::Json::array();
    std::string names;
    const strategies::Json* chosen = nullptr;
    for (const strategies::Json& v : variants) {
      if (!v.is_object()) continue;
      const std::string name = v.value("name", std::string());
      names += (names.empty() ? "" : ", ") + name;
      if (name == variant) chosen = &v;
    }
    if (chosen == nullptr) {
      return sim::invalid_argument(file + ": variants: no variant named " + in_quotes(variant) +
                                   (names.empty() ? " (the scenario has none)" : " (it has " + names + ")"));
    }
    *resolved = merged(*resolved, chosen->value("patch", strategies::Json::object()));
  }
  // What the run reads and the trace keeps: the file itself, or the whole merged scenario.
  const std::string text = extends || !variant.empty() ? resolved->dump(2) + "\n" : original;
  pb::Scenario message;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(text, &message, options);
  if (!status.ok()) {
    return sim::invalid_argument(file + ": " + describe_protobuf_error(std::string(status.message())));
  }
  Converter converter(message, path);
  LoadedScenario loaded = converter.convert();
  if (!converter.problems().empty()) return sim::invalid_argument(join(converter.problems()));
  loaded.path = path;
  loaded.text = text;
  loaded.variant = variant;
  return loaded;
}

sim::Result<LoadedScenario> load_scenario(const fs::path& path, const std::string& variant) {
  sim::Result<std::string> text = read_text(path);
  if (!text.ok()) return text.error();
  return parse_scenario(*text, path, variant);
}

}  // namespace deploysim::scenarios
