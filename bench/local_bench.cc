// local_bench: how fast the real provider is on this machine. Prints three figures (bench/README.md):
//   1. time to bring N instances (default 10) of deploysim-app up and in service behind HAProxy,
//      from the create call to HAProxy reporting every one UP (checks every 200 ms, rise 2);
//   2. the provider's own cost per operation: the wall time each call spends on the loop's thread
//      (starting processes, runtime API commands), and one runtime API round trip;
//   3. the load generator's ceiling: offered against achieved request rate through HAProxy to four
//      instances answering at once, raised until it no longer keeps up.
//
//   local_bench APP [--instances N] [--repeat R] [--rates 1000,2000,...] [--seconds S]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "providers/local/load_generator.h"
#include "providers/local/local_provider.h"
#include "sim/kernel/event_loop.h"
#include "sim/kernel/wall_clock.h"

namespace {

using namespace deploysim;
using Clock = std::chrono::steady_clock;

world::WorldConfig bench_world(sim::Duration latency, int workers) {
  world::WorldConfig w;
  w.regions.push_back({"local", {"local-a"}});
  world::VersionProfile v;
  v.name = "v1";
  v.boot_time = world::Distribution::constant(sim::Duration::zero());
  v.service_time = world::Distribution::constant(latency);
  v.workers = workers;
  w.versions.push_back(v);
  world::LoadBalancerConfig lb;
  lb.name = "web";
  lb.region = "local";
  lb.health_check.interval = sim::Duration::millis(200);
  lb.health_check.timeout = sim::Duration::millis(150);
  lb.health_check.healthy_threshold = 2;
  lb.health_check.unhealthy_threshold = 2;
  lb.deregistration_delay = sim::Duration::millis(500);
  lb.request_timeout = sim::Duration::seconds(5);
  w.load_balancers.push_back(lb);
  w.metrics_interval = sim::Duration::seconds(1);
  return w;
}

providers::ServerGroupSpec spec(int desired) {
  providers::ServerGroupSpec s;
  s.application = "bench";
  s.region = "local";
  s.artifact = "v1";
  s.capacity = {0, desired, std::max(desired, 64)};
  s.load_balancers = {"web"};
  return s;
}

// A started provider over `world`, or the process exits saying why.
std::unique_ptr<providers::local::LocalProvider> started(const std::string& app, world::WorldConfig world,
                                                         sim::EventLoop& loop, sim::Duration poll_every) {
  providers::local::LocalSettings settings;
  settings.world = std::move(world);
  settings.app = app;
  settings.poll_every = poll_every;
  auto created = providers::local::LocalProvider::create(settings, loop, nullptr);
  sim::Status status = created.ok() ? (*created)->start() : sim::Status(created.error());
  if (!status.ok()) {
    std::fprintf(stderr, "local_bench: the provider did not start: %s\n", status.error().message.c_str());
    std::exit(1);
  }
  return std::move(*created);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Runs the loop on the wall clock until `done` says so (checked every 5 ms) or `limit` passes.
template <typename Done>
bool run_until(sim::EventLoop& loop, sim::WallClockDriver& clock, Done done, double limit_s) {
  const auto start = Clock::now();
  while (!done()) {
    if (std::chrono::duration<double>(Clock::now() - start).count() > limit_s) return false;
    clock.run_until(loop.now() + sim::Duration::millis(5));
  }
  return true;
}

// Whether every instance of the group is Up at its load balancer.
bool all_up(providers::local::LocalProvider& p, sim::EventLoop& loop, sim::WallClockDriver& clock,
            const std::string& group, int n) {
  bool answered = false, up = false;
  p.describe_cluster("bench", [&](const providers::OpResult&, const providers::ClusterInfo& info) {
    answered = true;
    for (const providers::ServerGroupInfo& g : info.server_groups) {
      if (g.name != group) continue;
      int count = 0;
      for (const providers::InstanceInfo& i : g.instances) {
        for (const providers::Health& h : i.health) count += h.provider == "LoadBalancer" && h.state == providers::HealthState::kUp;
      }
      up = count == n;
    }
  });
  run_until(loop, clock, [&] { return answered; }, 5);
  return up;
}

void bring_up(const std::string& app, int instances, int repeat) {
  std::printf("1. %d instances up and in service behind HAProxy (checks every 200 ms, rise 2), %d runs\n", instances, repeat);
  std::vector<double> times;
  for (int r = 0; r < repeat; ++r) {
    sim::EventLoop loop;
    const auto provider = started(app, bench_world(sim::Duration::millis(1), 8), loop, sim::Duration::millis(20));
    providers::local::LocalProvider& p = *provider;
    sim::WallClockDriver clock(loop);
    const auto start = Clock::now();
    std::string group;
    p.create_server_group(spec(instances), [&](const providers::OpResult&, const std::string& name) { group = name; });
    run_until(loop, clock, [&] { return !group.empty(); }, 5);
    const bool ok = run_until(loop, clock, [&] { return all_up(p, loop, clock, group, instances); }, 30);
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    if (!ok) std::printf("   run %d: not all up after 30 s\n", r + 1);
    times.push_back(s);
    p.shutdown();
  }
  std::printf("   median %.2f s, min %.2f s, max %.2f s (goal <= 5 s)\n\n", median(times),
              *std::min_element(times.begin(), times.end()), *std::max_element(times.begin(), times.end()));
}

void overhead(const std::string& app) {
  std::printf("2. provider cost per operation (wall time of the call on the loop's thread; medians of 20)\n");
  sim::EventLoop loop;
  const auto provider = started(app, bench_world(sim::Duration::millis(1), 8), loop, sim::Duration::millis(100));
  providers::local::LocalProvider& p = *provider;
  sim::WallClockDriver clock(loop);
  const auto timed = [&](auto call) {
    const auto start = Clock::now();
    call();
    return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
  };
  std::vector<double> create, resize, disable, enable, weights, describe, destroy;
  for (int i = 0; i < 20; ++i) {
    std::string group;
    create.push_back(timed([&] { p.create_server_group(spec(1), [&](const providers::OpResult&, const std::string& n) { group = n; }); }));
    run_until(loop, clock, [&] { return !group.empty(); }, 5);
    resize.push_back(timed([&] { p.resize_server_group(group, {0, 2, 64}, [](const providers::OpResult&) {}); }));
    disable.push_back(timed([&] { p.disable_server_group(group, [](const providers::OpResult&) {}); }));
    enable.push_back(timed([&] { p.enable_server_group(group, [](const providers::OpResult&) {}); }));
    weights.push_back(timed([&] { p.set_traffic_weights("web", {{group, 1.0}}, [](const providers::OpResult&) {}); }));
    describe.push_back(timed([&] { p.describe_cluster("bench", [](const providers::OpResult&, const providers::ClusterInfo&) {}); }));
    destroy.push_back(timed([&] { p.destroy_server_group(group, [](const providers::OpResult&) {}); }));
    clock.run_until(loop.now() + sim::Duration::millis(50));
  }
  const auto row = [](const char* name, const std::vector<double>& v) { std::printf("   %-40s %8.0f us\n", name, median(v)); };
  row("create_server_group (1 instance)", create);
  row("resize_server_group (+1 instance)", resize);
  row("disable_server_group (2 instances)", disable);
  row("enable_server_group (2 instances)", enable);
  row("set_traffic_weights", weights);
  row("describe_cluster", describe);
  row("destroy_server_group (2 instances)", destroy);
  run_until(loop, clock, [] { return false; }, 2);  // let the drains finish
  p.shutdown();
  std::printf("\n");
}

void ceiling(const std::string& app, const std::vector<double>& rates, double seconds) {
  std::printf("3. load generator ceiling: four instances answering at once, through HAProxy, %.0f s per rate\n", seconds);
  std::printf("   %10s %10s %8s %9s %9s %8s\n", "offered/s", "achieved/s", "ratio", "p50", "p99", "errors");
  sim::EventLoop loop;
  world::WorldConfig world = bench_world(sim::Duration::zero(), 256);
  world.server_groups.push_back({"bench", "", "", "local", {}, "v1", {4, 4, 4}, true, {"web"}, {}, true});
  const auto provider = started(app, std::move(world), loop, sim::Duration::millis(100));
  providers::local::LocalProvider& p = *provider;
  sim::WallClockDriver clock(loop);
  for (double rate : rates) {
    world::TrafficSourceConfig t;
    t.name = "users";
    t.load_balancer = "web";
    t.rate.base = rate;
    providers::local::LoadGenerator load({{t, p.frontend_port("web"), sim::Duration::seconds(5)}}, sim::Duration::seconds(1),
                                         sim::Duration::zero(), 1);
    load.start(Clock::now());
    run_until(loop, clock, [] { return false; }, seconds);
    load.stop();
    const world::IntervalStats s = load.client_series("users")->total();
    const double achieved = double(s.requests()) / seconds;
    std::printf("   %10.0f %10.0f %7.0f%% %7.1fms %7.1fms %8llu\n", rate, achieved, 100 * achieved / rate,
                s.latency.quantile(0.5).to_seconds() * 1e3, s.latency.quantile(0.99).to_seconds() * 1e3,
                static_cast<unsigned long long>(s.errors()));
  }
  p.shutdown();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::printf("usage: local_bench APP [--instances N] [--repeat R] [--rates 1000,2000,...] [--seconds S]\n");
    return argc < 2 ? 2 : 0;
  }
  const std::string app = argv[1];
  int instances = 10, repeat = 5;
  double seconds = 5;
  std::vector<double> rates = {1000, 2000, 4000, 8000, 12000, 16000};
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--instances") instances = std::atoi(argv[i + 1]);
    else if (flag == "--repeat") repeat = std::atoi(argv[i + 1]);
    else if (flag == "--seconds") seconds = std::atof(argv[i + 1]);
    else if (flag == "--rates") {
      rates.clear();
      std::istringstream in(argv[i + 1]);
      for (std::string r; std::getline(in, r, ',');) rates.push_back(std::atof(r.c_str()));
    } else {
      std::fprintf(stderr, "local_bench: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  bring_up(app, instances, repeat);
  overhead(app);
  ceiling(app, rates, seconds);
  return 0;
}
