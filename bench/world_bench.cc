// The simulated world at scale: 100 instances behind a round-robin load balancer serving Poisson
// traffic for one simulated hour, at 1,000 and 10,000 requests per second. Prints wall time,
// simulated requests per second, events per second and the peak resident memory of each case
// (each runs in its own process, so the figures do not mix).
//
//   build/bench/world_bench            both cases
//   build/bench/world_bench 1000       one case, by rate
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "sim/kernel/event_loop.h"
#include "sim/kernel/trace.h"
#include "sim/world/world.h"

namespace {

using namespace deploysim;

world::WorldConfig config(double rate) {
  world::WorldConfig c;
  c.regions.push_back({"us-east-1", {"us-east-1a", "us-east-1b", "us-east-1c"}});
  world::VersionProfile v;
  v.name = "v1";
  v.service_time = world::Distribution::lognormal(20'000, 100'000);  // median 20 ms, p99 100 ms
  v.errors.probability = 0.001;
  v.workers = 8;
  v.queue_limit = 200;
  c.versions.push_back(v);
  world::LoadBalancerConfig lb;
  lb.name = "web";
  lb.region = "us-east-1";
  c.load_balancers.push_back(lb);
  world::ServerGroupConfig g;
  g.application = "bench";
  g.region = "us-east-1";
  g.version = "v1";
  g.capacity = {100, 100, 100};
  g.load_balancers = {"web"};
  c.server_groups.push_back(g);
  world::TrafficSourceConfig t;
  t.load_balancer = "web";
  t.rate.base = rate;
  c.traffic.push_back(t);
  return c;
}

void run_case(double rate) {
  const sim::Duration simulated = sim::Duration::hours(1);
  sim::EventLoop loop;
  sim::TraceWriter trace;  // fingerprint only, as sweeps run
  world::World w(config(rate), loop, 1, &trace);
  const auto start = std::chrono::steady_clock::now();
  w.start();
  loop.run_until(sim::TimePoint::start() + simulated);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double requests = static_cast<double>(w.totals().user_requests);
  std::printf("%6.0f req/s x 1h, 100 instances: %9.0f requests  wall %6.3f s  %5.2f M simulated req/s  "
              "%5.2f M events/s  peak RSS %4ld MB\n",
              rate, requests, wall, requests / wall / 1e6,
              static_cast<double>(loop.events_run()) / wall / 1e6, usage.ru_maxrss / 1024);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<double> rates = {1000, 10000};
  if (argc > 1) rates = {std::atof(argv[1])};
  for (double rate : rates) {
    const pid_t child = fork();
    if (child == 0) {
      run_case(rate);
      std::_Exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1;
  }
  return 0;
}
