// A pipeline engine over the simulated cloud, for tests: a small world, its cloud API, the
// simulated provider (optionally behind a FaultyProvider), and the stage registry.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "providers/faulty_provider.h"
#include "providers/sim/sim_provider.h"
#include "strategies/pipeline/execution.h"
#include "strategies/stages/stages.h"
#include "tests/world/world_test_util.h"

namespace deploysim::strategies::testing {

// Adds a version like the world's first (same service), named `name`, and returns it to adjust.
inline world::VersionProfile& add_version(world::WorldConfig& c, const std::string& name) {
  world::VersionProfile v = c.versions.front();
  v.name = name;
  c.versions.push_back(v);
  return c.versions.back();
}

// Faster load balancer health checks than the defaults (3 passes to go in service), so deploys
// in tests take a minute or two, and the given deregistration delay.
inline void quick_health_checks(world::WorldConfig& c, sim::Duration deregistration) {
  c.load_balancers[0].health_check.healthy_threshold = 3;
  c.load_balancers[0].deregistration_delay = deregistration;
}

struct EngineStack {
  std::unique_ptr<world::testing::WorldRun> world;
  std::unique_ptr<world::CloudApi> api;
  std::unique_ptr<providers::SimProvider> sim_provider;
  std::unique_ptr<providers::FaultyProvider> faulty;
  StageRegistry registry;

  EngineStack(world::WorldConfig config, uint64_t seed, std::vector<providers::FaultRule> faults = {}) {
    world = std::make_unique<world::testing::WorldRun>(std::move(config), seed);
    api = std::make_unique<world::CloudApi>(*world->world, world->loop, seed);
    api->start();
    sim_provider = std::make_unique<providers::SimProvider>(*world->world, *api, world->loop);
    if (!faults.empty()) {
      faulty = std::make_unique<providers::FaultyProvider>(*sim_provider, world->loop,
                                                           sim::Rng::stream(seed, "test-faults"), std::move(faults));
    }
    register_stages(registry);
  }
  providers::CloudProvider& provider() {
    return faulty ? static_cast<providers::CloudProvider&>(*faulty) : *sim_provider;
  }
  PipelineConfig load(const std::string& json) {
    sim::Result<std::vector<PipelineConfig>> loaded =
        load_pipelines(json, "test", [this](const std::string& t) { return registry.supports(t); });
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().message);
    return loaded.ok() ? loaded->front() : PipelineConfig{};
  }
  // Runs an execution until it finishes or `limit` of simulated time has passed.
  void run(Execution& execution, sim::Duration limit = sim::Duration::hours(3)) {
    execution.start();
    while (!execution.finished() && world->loop.now() < sim::TimePoint::start() + limit) {
      if (!world->loop.step()) break;
    }
  }
};

}  // namespace deploysim::strategies::testing
