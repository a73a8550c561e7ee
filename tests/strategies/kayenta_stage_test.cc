// The kayentaCanary stage's planning and decisions against Orca's own test vectors:
// RunCanaryIntervalsStageTest's windows, AggregateCanaryResultsTaskTest's and
// GenerateCanaryAnalysisResultTaskTest's final decisions (canary-judges.md §1.7), and scopes written
// as expressions over deployedServerGroups, as real pipelines write them.
#include <gtest/gtest.h>

#include "strategies/canary/canary_config.h"
#include "strategies/stages/kayenta_canary.h"
#include "tests/strategies/engine_fixture.h"

namespace deploysim::strategies {
namespace {

class ConfigHooks : public ExecutionHooks {
 public:
  canary::StoredCanaryConfig config;
  ConfigHooks() {
    config.id = "c";
    config.config = *canary::load_canary_config(R"({"name": "c", "metrics": [{"name": "error_rate", "groups": ["g"]}]})", "c");
  }
  const canary::StoredCanaryConfig* canary_config(const std::string& id) override { return id == "c" ? &config : nullptr; }
};

// The windows (minutes from the stage's start) a kayentaCanary stage plans, as "(from,to)".
std::vector<std::string> windows(const std::string& canary_config) {
  testing::EngineStack stack(world::testing::queueing_world(1, 1, 0, sim::Duration::millis(10), world::Algorithm::kRoundRobin), 1);
  ConfigHooks hooks;
  const PipelineConfig p = stack.load(R"({"name": "p", "stages": [{"refId": "1", "type": "kayentaCanary", "name": "k",
      "canaryConfig": {"canaryConfigId": "c", "scopes": [{"controlScope": "shop-prod-v000", "experimentScope": "shop-prod-v000"}], )" +
                                      canary_config + "}}]}");
  Execution e("e", p, Json::object(), stack.registry, stack.world->loop, stack.provider(), hooks, nullptr);
  e.start();
  std::vector<std::string> out;
  const Stage& k = *e.find_stage("k");
  const int64_t start = k.start_time.micros_since_start();
  for (const auto& b : k.before) {
    if (b->type != "runCanary") continue;
    const auto at = [&](const char* key) { return std::to_string((b->context[key].get<int64_t>() - start) / 60000000); };
    out.push_back("(" + at("experimentStartMicros") + "," + at("experimentEndMicros") + ")");
    EXPECT_EQ(b->context["controlStartMicros"], b->context["experimentStartMicros"]);
  }
  e.cancel("done");
  return out;
}

using Windows = std::vector<std::string>;

TEST(KayentaStage, IntervalWindowsAsOrcaPlansThem) {
  // RunCanaryIntervalsStageTest, a four-hour canary.
  EXPECT_EQ(windows(R"("lifetimeDuration": "PT4H", "canaryAnalysisIntervalMins": 60)"),
            (Windows{"(0,60)", "(0,120)", "(0,180)", "(0,240)"}));
  EXPECT_EQ(windows(R"("lifetimeDuration": "PT4H", "canaryAnalysisIntervalMins": 60, "lookbackMins": 60)"),
            (Windows{"(0,60)", "(60,120)", "(120,180)", "(180,240)"}));
  EXPECT_EQ(windows(R"("lifetimeDuration": "PT4H", "lookbackMins": 60)"), (Windows{"(180,240)"}));
  EXPECT_EQ(windows(R"("lifetimeDuration": "PT4H", "canaryAnalysisIntervalMins": 300)"), (Windows{"(0,240)"}));
  // Deck writes numbers as strings and leaves fields empty; the warm-up shifts every window.
  EXPECT_EQ(windows(R"("lifetimeHours": "1", "canaryAnalysisIntervalMins": "25", "beginCanaryAnalysisAfterMins": "10",
                       "baselineAnalysisOffsetInMins": "")"),
            (Windows{"(10,35)", "(10,60)"})) << "floor(60 / 25) = 2 intervals";
}

TEST(KayentaStage, TheLastIntervalDecides) {
  // AggregateCanaryResultsTaskTest: the last of [10.5, 40, 60.5] against pass 60.5 and 70; [65]
  // against marginal 68.
  EXPECT_FALSE(final_canary_failure(60.5, std::nullopt, 60.5).has_value());
  EXPECT_TRUE(final_canary_failure(60.5, std::nullopt, 70).has_value());
  EXPECT_TRUE(final_canary_failure(65, 68, std::nullopt).has_value());
  // GenerateCanaryAnalysisResultTaskTest: (final, marginal, pass) -> passed.
  EXPECT_FALSE(final_canary_failure(95, std::nullopt, std::nullopt).has_value());
  EXPECT_TRUE(final_canary_failure(60, 75, 95).has_value());
  EXPECT_FALSE(final_canary_failure(85, 75, std::nullopt).has_value());
  EXPECT_TRUE(final_canary_failure(85, 75, 95).has_value());
  EXPECT_FALSE(final_canary_failure(97, 75, 95).has_value());
  // At marginal exactly fails (Orca compares with <=), at pass exactly passes.
  EXPECT_EQ(*final_canary_failure(50, 50, 75), "final canary score 50.00 is not above the marginal score threshold 50.00");
  EXPECT_FALSE(final_canary_failure(75, 50, 75).has_value());
}

TEST(KayentaStage, ThresholdsDefaultOnlyWhenAbsent) {
  testing::EngineStack stack(world::testing::queueing_world(1, 1, 0, sim::Duration::millis(10), world::Algorithm::kRoundRobin), 1);
  ConfigHooks hooks;
  const auto thresholds = [&](const std::string& extra) {
    const PipelineConfig p = stack.load(R"({"name": "p", "stages": [{"refId": "1", "type": "kayentaCanary", "name": "k",
        "canaryConfig": {"canaryConfigId": "c", "lifetimeDuration": "PT5M", "scopes": [{"controlScope": "a-v000", "experimentScope": "a-v000"}])" +
                                        extra + "}}]}");
    Execution e("e", p, Json::object(), stack.registry, stack.world->loop, stack.provider(), hooks, nullptr);
    e.start();
    const Json& ctx = e.find_stage("k")->context;
    const std::string out = ctx["pass"].dump() + "/" + ctx["marginal"].dump();
    e.cancel("done");
    return out;
  };
  EXPECT_EQ(thresholds(""), "75.0/50.0") << "KayentaCanaryContext's defaults";
  EXPECT_EQ(thresholds(R"(, "scoreThresholds": {"marginal": 5})"), "null/5.0") << "a threshold left out is none";
  EXPECT_EQ(thresholds(R"(, "scoreThresholds": {})"), "null/null");
  EXPECT_EQ(thresholds(R"(, "scoreThresholds": {"pass": "95", "marginal": "75"})"), "95.0/75.0");
}

TEST(KayentaStage, SettingsMistakesAreNamed) {
  testing::EngineStack stack(world::testing::queueing_world(1, 1, 0, sim::Duration::millis(10), world::Algorithm::kRoundRobin), 1);
  ConfigHooks hooks;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"canaryConfigId": "c", "lifetimeDuration": "5 minutes", "scopes": [{"controlScope": "a", "experimentScope": "b"}]})",
       "lifetimeDuration: expected an ISO-8601 duration"},
      {R"({"canaryConfigId": "c", "scopes": [{"controlScope": "a", "experimentScope": "b"}]})", "lifetimeDuration (or lifetimeHours) is required"},
      {R"({"canaryConfigId": "c", "lifetimeDuration": "PT5M"})", "canaryConfig.scopes needs one scope"},
      {R"({"canaryConfigId": "nope", "lifetimeDuration": "PT5M", "scopes": [{"controlScope": "a", "experimentScope": "b"}]})",
       "no canary config \"nope\""},
  };
  for (const auto& [cc, expected] : cases) {
    const PipelineConfig p = stack.load(R"({"name": "p", "stages": [{"refId": "1", "type": "kayentaCanary", "name": "k", "canaryConfig": )" + cc + "}]}");
    Execution e("e", p, Json::object(), stack.registry, stack.world->loop, stack.provider(), hooks, nullptr);
    e.start();
    EXPECT_EQ(e.status(), Status::kTerminal) << cc;
    EXPECT_NE(e.find_stage("k")->message.find(expected), std::string::npos) << e.find_stage("k")->message;
  }
}

TEST(KayentaStage, ScopesFromDeployedServerGroups) {
  // The deck fixture's pattern: experimentScope "${ deployedServerGroups[0].serverGroup }".
  testing::EngineStack stack(world::testing::queueing_world(2, 4, 10, sim::Duration::millis(20), world::Algorithm::kRoundRobin), 3);
  ConfigHooks hooks;
  stack.world->until(sim::Duration::minutes(1));
  const PipelineConfig p = stack.load(R"({"application": "shop", "name": "p", "stages": [
    {"refId": "1", "type": "deploy", "name": "deploy", "clusters": [{"application": "shop", "stack": "prod", "region": "us-east-1",
      "capacity": {"min": 1, "desired": 1, "max": 1}, "loadBalancers": ["web"]}]},
    {"refId": "2", "requisiteStageRefIds": ["1"], "type": "kayentaCanary", "name": "k", "canaryConfig": {"canaryConfigId": "c",
      "lifetimeDuration": "PT2M", "scopes": [{"controlScope": "${ #stage('Deploy in us-east-1')['context']['source']['serverGroupName'] }",
      "experimentScope": "${ deployedServerGroups[0].serverGroup }", "experimentLocation": "${ deployedServerGroups[0].region }"}]}}]})");
  Execution e("e", p, Json{{"artifact", "v1"}}, stack.registry, stack.world->loop, stack.provider(), hooks, nullptr);
  stack.run(e);
  const Stage& run = *e.find_stage("Run Canary #1");
  EXPECT_EQ(run.outputs["controlScope"], "shop-prod-v000");
  EXPECT_EQ(run.outputs["experimentScope"], "shop-prod-v001");
  EXPECT_EQ(e.find_stage("k")->context["canaryConfig"]["scopes"][0]["experimentLocation"], "us-east-1");
}

}  // namespace
}  // namespace deploysim::strategies
