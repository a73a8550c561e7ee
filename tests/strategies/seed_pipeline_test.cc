// The rolling blue-green pipeline of the reference (spinnaker-semantics.md section 8), loaded
// unchanged and run against the simulated cloud: capacities at every stage boundary exactly as the
// walk-through gives them, for both answers of the judgment.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "tests/strategies/engine_fixture.h"

namespace deploysim::strategies {
namespace {

namespace fs = std::filesystem;

// Answers "judge" after a minute and writes down both groups' desired capacity whenever a
// top-level stage ends.
class Recorder : public ExecutionHooks {
 public:
  world::World* world = nullptr;
  std::string choice;
  std::map<std::string, std::pair<int, int>> desired_after;  // stage -> (v000, v001); -1: gone

  void judgment_requested(Execution& e, const Stage& stage) override {
    Execution* ex = &e;
    const std::string name = stage.name, input = choice;
    e.loop().schedule_after(sim::Duration::minutes(1), sim::Action::boxed([ex, name, input] { ex->judge(name, "continue", input); }));
  }
  void stage_changed(const Execution&, const Stage& stage) override {
    if (stage.synthetic() || !is_complete(stage.status) || stage.status == Status::kSkipped) return;
    const auto desired = [&](const char* name) {
      const std::optional<world::ServerGroupId> id = world->find_server_group(name);
      if (!id || world->server_group(*id).destroyed) return -1;
      return world->server_group(*id).capacity.desired;
    };
    desired_after[stage.name] = {desired("myapp-v000"), desired("myapp-v001")};
  }
};

// The seed's world: application myapp, region "default", v000 with 10 instances behind a load
// balancer, light traffic, and the candidate version v2.
world::WorldConfig seed_world() {
  world::WorldConfig c = world::testing::queueing_world(10, 4, 20, sim::Duration::millis(20), world::Algorithm::kRoundRobin);
  c.regions = {{"default", {"default-a", "default-b"}}};
  c.load_balancers[0].region = "default";
  c.load_balancers[0].health_check.healthy_threshold = 3;
  c.server_groups[0].application = "myapp";
  c.server_groups[0].stack = "";
  c.server_groups[0].region = "default";
  world::VersionProfile v2 = c.versions[0];
  v2.name = "v2";
  c.versions.push_back(v2);
  return c;
}

struct SeedRun {
  testing::EngineStack stack{seed_world(), 3};
  Recorder hooks;
  std::unique_ptr<Execution> execution;
  PipelineConfig pipeline;

  explicit SeedRun(const std::string& choice) {
    hooks.world = stack.world->world.get();
    hooks.choice = choice;
    std::ifstream in(fs::path(DEPLOYSIM_REFERENCE_PIPELINES) / "seed__rolling-blue-green.json");
    pipeline = stack.load({std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()});
    stack.world->until(sim::Duration::minutes(1));
    execution = std::make_unique<Execution>("seed", pipeline, Json{{"type", "manual"}, {"artifact", "v2"}},
                                            stack.registry, stack.world->loop, stack.provider(), hooks, &stack.world->trace);
    stack.run(*execution);
  }
  std::string status(const char* name) const { return status_name(execution->find_stage(name)->status); }
};

bool have_reference() { return fs::is_directory(DEPLOYSIM_REFERENCE_PIPELINES); }

TEST(SeedPipeline, RollbackRestoresBlueAndDestroysGreen) {
  if (!have_reference()) GTEST_SKIP() << "no " << DEPLOYSIM_REFERENCE_PIPELINES;
  SeedRun run("rollback");
  EXPECT_EQ(status_name(run.execution->status()), std::string("SUCCEEDED"));
  const auto& d = run.hooks.desired_after;
  EXPECT_EQ(d.at("green1"), std::make_pair(10, 2));
  EXPECT_EQ(d.at("blue1"), std::make_pair(8, 2)) << "v000 10 -20% -> 8";
  EXPECT_EQ(d.at("rblue1"), std::make_pair(10, 2)) << "v000 8 +25% -> 10";
  EXPECT_EQ(d.at("rgreen2"), std::make_pair(10, 0)) << "v001 2 -100% -> 0";
  EXPECT_EQ(d.at("rgreen"), std::make_pair(10, -1)) << "v001 destroyed";
  EXPECT_EQ(run.status("continue"), "STOPPED") << "the branch not taken halts at its precondition";
  EXPECT_EQ(run.status("green2"), "NOT_STARTED");
  EXPECT_EQ(run.status("blue2"), "NOT_STARTED");
}

TEST(SeedPipeline, ContinuePromotesGreenAndEmptiesBlue) {
  if (!have_reference()) GTEST_SKIP() << "no " << DEPLOYSIM_REFERENCE_PIPELINES;
  SeedRun run("continue");
  EXPECT_EQ(status_name(run.execution->status()), std::string("SUCCEEDED"));
  const auto& d = run.hooks.desired_after;
  EXPECT_EQ(d.at("blue1"), std::make_pair(8, 2));
  EXPECT_EQ(d.at("green2"), std::make_pair(8, 10)) << "v001 2 +400% -> 10";
  EXPECT_EQ(d.at("blue2"), std::make_pair(0, 10)) << "v000 -> 0";
  EXPECT_EQ(run.status("rollback"), "STOPPED");
  EXPECT_EQ(run.status("rblue1"), "NOT_STARTED");
}

}  // namespace
}  // namespace deploysim::strategies
