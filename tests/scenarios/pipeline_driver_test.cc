// The scenario's triggers as a user writes them: outside events start the pipelines whose enabled
// triggers match, cron triggers fire on their schedules from the scenario's start time, and a
// pipeline trigger starts a pipeline when its upstream's execution ends the way it listens for.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "scenarios/loader.h"
#include "scenarios/world_run.h"

namespace deploysim::scenarios {
namespace {

namespace fs = std::filesystem;

const char* kPipelines = R"({"application": "shop", "pipelines": [
  {"name": "build-deploy", "id": "p-build",
   "triggers": [{"type": "docker", "enabled": true, "repository": "shop/web", "tag": "v2.*"}],
   "stages": [{"refId": "1", "type": "wait", "name": "settle", "waitTime": "${ parameters.settle }"}]},
  {"name": "nightly", "id": "p-nightly",
   "triggers": [{"type": "cron", "enabled": true, "cronExpression": "0 0/12 * * * ?"},
                {"type": "cron", "enabled": false, "cronExpression": "0 * * * * ?"}],
   "stages": [{"refId": "1", "type": "wait", "name": "soak", "waitTime": 10}]},
  {"name": "smoke", "id": "p-smoke",
   "triggers": [{"type": "pipeline", "enabled": true, "pipeline": "p-build", "status": ["successful"]}],
   "stages": [{"refId": "1", "type": "wait", "name": "probe", "waitTime": "${ trigger.parentExecution.status == 'SUCCEEDED' ? 5 : 500 }"}]}
]})";

std::string scenario(const std::string& triggers, const std::string& start) {
  return R"({"name": "triggers", "seed": 3, "duration": "30m",)" + start + R"(
    "world": {"regions": [{"name": "r1", "zones": ["r1a"]}],
              "load_balancers": [{"name": "web", "region": "r1"}]},
    "versions": [{"name": "v1"}],
    "server_groups": [{"application": "shop", "region": "r1", "version": "v1",
                       "capacity": {"min": 1, "desired": 1, "max": 1}, "load_balancers": ["web"]}],
    "traffic": [{"load_balancer": "web", "constant": 5}],
    "pipeline_file": "pipelines.json",
    "triggers": )" + triggers + "}";
}

class Triggers : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("deploysim-triggers-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "pipelines.json") << kPipelines;
  }
  void TearDown() override { fs::remove_all(dir_); }

  sim::Result<LoadedScenario> load(const std::string& text) {
    std::ofstream(dir_ / "scenario.json") << text;
    return load_scenario(dir_ / "scenario.json");
  }

  // "pipeline@run-time/status" for each execution, in start order.
  std::vector<std::string> run(const std::string& text) {
    sim::Result<LoadedScenario> s = load(text);
    EXPECT_TRUE(s.ok()) << s.error().message;
    if (!s.ok()) return {};
    sim::Result<WorldRunSummary> r = run_world(*s, {});
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (!r.ok() || !r->pipeline) return {};
    std::vector<std::string> out;
    for (const auto& x : r->pipeline->executions) {
      out.push_back(x.pipeline + "@" + sim::to_string(x.start) + "/" + x.trigger_type + "/" + x.status);
    }
    return out;
  }

  fs::path dir_;
};

TEST_F(Triggers, EventsSchedulesAndPipelineTriggersStartTheRightPipelines) {
  const std::vector<std::string> got = run(scenario(R"([
      {"type": "docker", "at": "2m", "event": {"repository": "shop/web", "tag": "v2.1"}, "parameters": {"settle": 45}},
      {"type": "docker", "at": "3m", "event": {"repository": "shop/web", "tag": "v1.9"}},
      {"type": "docker", "at": "4m", "event": {"repository": "shop/api", "tag": "v2.1"}},
      {"type": "cron"}])", ""));
  // The v1.9 tag does not match "v2.*" and shop/api is another repository: neither starts
  // anything. The build waits the 45 s its trigger's parameters say, and its success starts the
  // smoke pipeline at once. The run starts at 00:00 of the default start day, a fire time itself
  // (Quartz's first fire time is the first at or after the start), then 00:12 and 00:24; the
  // disabled every-minute trigger never fires.
  EXPECT_EQ(got, (std::vector<std::string>{
                     "nightly@T+0s/cron/SUCCEEDED",
                     "build-deploy@T+2m/docker/SUCCEEDED",
                     "smoke@T+2m45s/pipeline/SUCCEEDED",
                     "nightly@T+12m/cron/SUCCEEDED",
                     "nightly@T+24m/cron/SUCCEEDED",
                 }));
}

TEST_F(Triggers, CronSchedulesCountFromTheScenarioStart) {
  // 00:05 UTC: the next fires are 00:12 and 00:24, 7 and 19 minutes into the run.
  const std::vector<std::string> got = run(scenario(R"([{"type": "cron"}])", R"("start": "2026-03-02T00:05:00Z",)"));
  EXPECT_EQ(got, (std::vector<std::string>{"nightly@T+7m/cron/SUCCEEDED", "nightly@T+19m/cron/SUCCEEDED"}));
}

TEST_F(Triggers, ScenarioMistakesAreNamed) {
  const auto problem = [&](const std::string& triggers, const std::string& start = "") {
    sim::Result<LoadedScenario> s = load(scenario(triggers, start));
    return s.ok() ? std::string("loaded") : s.error().message;
  };
  EXPECT_NE(problem(R"([{"type": "jenkins", "at": "1m"}])").find("triggers[0].type: no pipeline in the pipeline file has an enabled jenkins trigger"),
            std::string::npos)
      << problem(R"([{"type": "jenkins", "at": "1m"}])");
  EXPECT_NE(problem(R"([{"type": "cron", "at": "1m"}])").find("triggers[0].at: a cron trigger fires on its pipelines' schedules"),
            std::string::npos);
  EXPECT_NE(problem(R"([{"type": "pipeline", "at": "1m"}])").find("trigger the upstream pipeline instead"), std::string::npos);
  EXPECT_NE(problem(R"([{"type": "cron"}])", R"("start": "2026-02-30T00:00:00Z",)").find("start: "), std::string::npos)
      << problem(R"([{"type": "cron"}])", R"("start": "2026-02-30T00:00:00Z",)");
}

}  // namespace
}  // namespace deploysim::scenarios
