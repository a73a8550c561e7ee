// Scenario loading: a valid file converts field for field, and a table of malformed files each
// fails with its own clear message naming the file and the field.
#include "scenarios/loader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace deploysim::scenarios {
namespace {

// A valid scenario using most features. Each bad case below changes one piece of it.
const std::string kBase = R"({
  "name": "base",
  "seed": 5,
  "duration": "30m",
  "world": {
    "regions": [{"name": "r1", "zones": ["r1a", "r1b"]}],
    "load_balancers": [{
      "name": "web", "region": "r1", "algorithm": "round_robin",
      "health_check": {"interval": "10s", "timeout": "5s", "healthy_threshold": 3, "unhealthy_threshold": 2},
      "weights": [{"server_group": "shop-prod-v000", "percent": 90}, {"server_group": "shop-prod-v001", "percent": 10}]
    }]
  },
  "versions": [
    {"name": "v1", "service_time": {"lognormal": {"median": "20ms", "p99": "100ms"}}, "errors": {"probability": 0.01}},
    {"name": "v2", "bad": true, "errors": {"probability": 0.01, "step": {"at": "10m", "probability": 0.2}},
     "health": {"behaviour": "ok"}}
  ],
  "server_groups": [
    {"application": "shop", "stack": "prod", "region": "r1", "version": "v1",
     "capacity": {"min": 2, "desired": 2, "max": 4}, "load_balancers": ["web"]},
    {"application": "shop", "stack": "prod", "region": "r1", "zones": ["r1a"], "version": "v2",
     "capacity": {"min": 1, "desired": 1, "max": 1}, "load_balancers": ["web"]}
  ],
  "traffic": [{"load_balancer": "web", "constant": 50, "retries": {"max": 1}}],
  "faults": [{"kind": "crash", "at": "12m", "server_group": "shop-prod-v001", "count": 1}]
})";

std::string with(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "test bug: \"" << from << "\" is not in the base scenario";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

const std::filesystem::path kFile = std::filesystem::path(DEPLOYSIM_TEST_DATA) / "scenario.json";

TEST(Loader, ConvertsAValidScenario) {
  sim::Result<LoadedScenario> s = parse_scenario(kBase, kFile);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->name, "base");
  EXPECT_EQ(s->seed, 5u);
  EXPECT_EQ(s->duration, sim::Duration::minutes(30));
  const world::WorldConfig& w = s->world;
  ASSERT_EQ(w.versions.size(), 2u);
  EXPECT_TRUE(w.versions[1].bad);
  EXPECT_EQ(w.versions[1].errors.kind, world::ErrorModel::Kind::kStep);
  EXPECT_DOUBLE_EQ(w.versions[1].errors.probability_after, 0.2);
  EXPECT_EQ(w.versions[0].workers, 8) << "default";
  EXPECT_EQ(w.load_balancers[0].health_check.healthy_threshold, 3);
  EXPECT_EQ(w.load_balancers[0].deregistration_delay, sim::Duration::seconds(300)) << "default";
  ASSERT_EQ(w.load_balancers[0].initial_weights.size(), 2u);
  EXPECT_EQ(w.load_balancers[0].initial_weights[1].first, "shop-prod-v001");
  EXPECT_EQ(w.server_groups[1].zones, std::vector<std::string>{"r1a"});
  EXPECT_EQ(w.traffic[0].name, "users");
  EXPECT_EQ(w.traffic[0].max_retries, 1);
  EXPECT_EQ(w.faults[0].at, sim::TimePoint::start() + sim::Duration::minutes(12));
  EXPECT_EQ(s->text, kBase);
}

TEST(Loader, ReadsACsvRateSeriesRelativeToTheScenario) {
  sim::Result<LoadedScenario> s =
      parse_scenario(with(kBase, R"("constant": 50)", R"("csv": "rates.csv")"), kFile);
  ASSERT_TRUE(s.ok()) << s.error().message;
  const world::RateProfile& rate = s->world.traffic[0].rate;
  ASSERT_EQ(rate.points.size(), 3u);
  EXPECT_DOUBLE_EQ(rate.rate_at(sim::TimePoint::start() + sim::Duration::seconds(150)), 150);
  EXPECT_DOUBLE_EQ(rate.rate_at(sim::TimePoint::start() + sim::Duration::hours(1)), 150);
}

struct BadCase {
  const char* what;
  std::string text;
  const char* expected;  // a fragment of the message
};

std::vector<BadCase> bad_cases() {
  return {
      {"bad JSON", with(kBase, R"("seed": 5,)", R"("seed": 5)"), "not valid JSON: line 4, column 3: expected ',' or '}'"},
      {"unknown key", with(kBase, R"("seed": 5,)", R"("seed": 5, "sead": 6,)"), "sead: unknown field \"sead\""},
      {"unknown nested key", with(kBase, R"("bad": true,)", R"("bad": true, "good": false,)"), "versions[1].good: unknown field"},
      {"empty file", "", "the file is empty"},
      {"whitespace only", "  \n\t ", "the file is empty"},
      {"an array, not an object", "[1, 2]", "must hold one JSON object"},
      {"negative capacity", with(kBase, R"("min": 2, "desired": 2)", R"("min": -2, "desired": 2)"), "server_groups[0].capacity: must satisfy 0 <= min <= desired <= max"},
      {"desired above max", with(kBase, R"("min": 2, "desired": 2, "max": 4)", R"("min": 2, "desired": 5, "max": 4)"), "server_groups[0].capacity"},
      {"error rate 1.5", with(kBase, R"("errors": {"probability": 0.01}})", R"("errors": {"probability": 1.5}})"), "versions[0].errors.probability: must be a probability between 0 and 1"},
      {"unknown algorithm", with(kBase, "round_robin", "fastest"), "world.load_balancers[0].algorithm: unknown algorithm \"fastest\"; expected round_robin"},
      {"unknown version", with(kBase, R"("version": "v1")", R"("version": "v9")"), "server_groups[0].version: unknown version \"v9\""},
      {"duration in words", with(kBase, R"("duration": "30m")", R"("duration": "5 minutes")"), "duration: invalid duration \"5 minutes\""},
      {"negative duration", with(kBase, R"("at": "12m")", R"("at": "-12m")"), "faults[0].at: invalid duration \"-12m\": durations cannot be negative"},
      {"missing duration", with(kBase, R"("duration": "30m",)", ""), "duration: required"},
      {"missing traffic file", with(kBase, R"("constant": 50)", R"("csv": "no-such.csv")"), "traffic[0].csv: cannot read rate file"},
      {"malformed traffic file", with(kBase, R"("constant": 50)", R"("csv": "bad-rates.csv")"), "bad-rates.csv:3: expected \"time,rate\""},
      {"threshold zero", with(kBase, R"("healthy_threshold": 3)", R"("healthy_threshold": 0)"), "health_check.healthy_threshold: must be at least 1, got 0"},
      {"timeout not below interval", with(kBase, R"("timeout": "5s")", R"("timeout": "15s")"), "health_check.timeout: must be shorter than the interval"},
      {"weights not summing to 100", with(kBase, R"("percent": 10)", R"("percent": 20)"), "weights: percents must sum to 100, got 110"},
      {"weight for an unknown group", with(kBase, R"("server_group": "shop-prod-v001", "percent")", R"("server_group": "shop-prod-v007", "percent")"), "weights[1].server_group: unknown server group \"shop-prod-v007\""},
      {"load balancer in an unknown region", with(kBase, R"("name": "web", "region": "r1")", R"("name": "web", "region": "r2")"), "world.load_balancers[0].region: unknown region \"r2\""},
      {"zone outside the region", with(kBase, R"("zones": ["r1a"])", R"("zones": ["r9z"])"), "server_groups[1].zones[0]: zone \"r9z\" is not in region \"r1\""},
      {"duplicate version", with(kBase, R"({"name": "v2")", R"({"name": "v1")"), "versions[1].name: duplicate version \"v1\""},
      {"unknown fault", with(kBase, R"("kind": "crash")", R"("kind": "meteor")"), "faults[0].kind: unknown fault \"meteor\""},
      {"crash of nothing", with(kBase, R"(, "count": 1)", ""), "faults[0]: a crash needs count > 0 or percent > 0"},
      {"outage without duration", with(kBase, R"("kind": "crash", "at": "12m", "server_group": "shop-prod-v001", "count": 1)", R"("kind": "zone_outage", "at": "12m", "zone": "r1a")"), "faults[0].duration: required"},
      {"unknown health behaviour", with(kBase, R"("behaviour": "ok")", R"("behaviour": "sometimes")"), "versions[1].health.behaviour: unknown behaviour \"sometimes\""},
      {"p99 below median", with(kBase, R"("p99": "100ms")", R"("p99": "10ms")"), "versions[0].service_time.lognormal: p99 must be at least the median"},
      {"negative rate", with(kBase, R"("constant": 50)", R"("constant": -50)"), "traffic[0].constant: must be a number >= 0"},
      {"traffic without a rate", with(kBase, R"(, "constant": 50)", ""), "traffic[0]: needs a rate"},
      {"string for a number", with(kBase, R"("count": 1)", R"("count": "one")"), "faults[0].count: invalid value \"one\": expected a whole number"},
      {"bad application name", with(kBase, R"("application": "shop", "stack": "prod", "region": "r1", "version": "v1")", R"("application": "sh op", "stack": "prod", "region": "r1", "version": "v1")"), "server_groups[0].application: application \"sh op\" has the character ' '"},
      {"port out of range", with(kBase, R"("unhealthy_threshold": 2)", R"("unhealthy_threshold": 2, "port": 70000)"), "health_check.port: must be a port number between 1 and 65535"},
      {"duplicate zone", with(kBase, R"(["r1a", "r1b"])", R"(["r1a", "r1a"])"), "world.regions[0].zones[1]: duplicate zone \"r1a\""},
      {"unknown load balancer", with(kBase, R"("load_balancer": "web")", R"("load_balancer": "api")"), "traffic[0].load_balancer: unknown load balancer \"api\""},
  };
}

TEST(Loader, EachMalformedScenarioGetsItsOwnClearMessage) {
  const std::vector<BadCase> cases = bad_cases();
  ASSERT_GE(cases.size(), 20u);
  for (const BadCase& c : cases) {
    sim::Result<LoadedScenario> s = parse_scenario(c.text, kFile);
    ASSERT_FALSE(s.ok()) << c.what << ": loaded, but should have failed";
    EXPECT_EQ(s.error().code, sim::ErrorCode::kInvalidArgument) << c.what;
    EXPECT_NE(s.error().message.find(c.expected), std::string::npos)
        << c.what << "\n  expected: " << c.expected << "\n  got:      " << s.error().message;
    EXPECT_EQ(s.error().message.rfind(kFile.string() + ": ", 0), 0u) << c.what << ": the message must start with the file";
  }
}

TEST(Loader, ReportsEveryProblemAtOnce) {
  std::string text = with(kBase, "round_robin", "fastest");
  text = with(text, R"("probability": 0.01}})", R"("probability": 7}})");
  text = with(text, R"("percent": 10)", R"("percent": 30)");
  sim::Result<LoadedScenario> s = parse_scenario(text, kFile);
  ASSERT_FALSE(s.ok());
  const std::string& m = s.error().message;
  EXPECT_NE(m.find("algorithm"), std::string::npos) << m;
  EXPECT_NE(m.find("errors.probability"), std::string::npos) << m;
  EXPECT_NE(m.find("must sum to 100"), std::string::npos) << m;
  EXPECT_EQ(std::count(m.begin(), m.end(), '\n'), 2) << "one line per problem:\n" << m;
}

TEST(Loader, ReadsAnInlinePipelineWithItsTriggerAndOperator) {
  std::string text = kBase;
  text.insert(text.rfind('}'), R"(, "pipeline": {"name": "p", "stages": [
      {"refId": "1", "type": "manualJudgment", "name": "judge"},
      {"refId": "2", "requisiteStageRefIds": ["1"], "type": "bake", "name": "bake it"}]},
    "trigger": {"at": "2m", "artifact": "v2", "parameters": {"env": "prod"}},
    "operator": {"judgments": [{"stage": "judge", "input": "go", "after": "90s"}]},
    "external_stages": [{"type": "bake", "duration": "4m", "fails": true}])");
  sim::Result<LoadedScenario> s = parse_scenario(text, kFile);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_TRUE(s->pipeline.has_value());
  const PipelinePlan& p = *s->pipeline;
  ASSERT_EQ(p.triggers.size(), 1u);
  EXPECT_EQ(p.triggers[0].type, "manual") << "default";
  EXPECT_EQ(p.triggers[0].at, std::vector<sim::Duration>{sim::Duration::minutes(2)});
  EXPECT_EQ(p.triggers[0].artifact, "v2");
  EXPECT_EQ(p.triggers[0].parameters_json, R"({"env":"prod"})");
  EXPECT_EQ(p.start_epoch, 1767571200) << "2026-01-05T00:00:00Z by default";
  ASSERT_EQ(p.judgments.size(), 1u);
  EXPECT_EQ(p.judgments[0].after, sim::Duration::seconds(90));
  EXPECT_EQ(p.judgments[0].status, "continue") << "default";
  ASSERT_EQ(p.external.size(), 1u);
  EXPECT_TRUE(p.external[0].fails);
  EXPECT_NE(p.json.find("manualJudgment"), std::string::npos);
}

TEST(Loader, PipelineProblemsAreScenarioProblems) {
  const auto with_pipeline = [](const std::string& extra) {
    std::string text = kBase;
    text.insert(text.rfind('}'), extra);
    return text;
  };
  const std::vector<BadCase> cases = {
      {"unknown stage type in the pipeline",
       with_pipeline(R"(, "pipeline": {"name": "p", "stages": [{"refId": "1", "type": "teleport", "name": "beam"}]})"),
       "refId 1 \"beam\" (teleport)"},
      {"a cycle in the pipeline",
       with_pipeline(R"(, "pipeline": {"name": "p", "stages": [{"refId": "1", "requisiteStageRefIds": ["1"], "type": "wait"}]})"),
       "cycle"},
      {"both pipeline and pipeline_file",
       with_pipeline(R"(, "pipeline": {"name": "p", "stages": []}, "pipeline_file": "x.json")"), "give either pipeline or pipeline_file"},
      {"a missing pipeline file", with_pipeline(R"(, "pipeline_file": "no-such-pipeline.json")"), "cannot read pipeline file"},
      {"an operator without a pipeline", with_pipeline(R"(, "operator": {"judgments": [{"stage": "j"}]})"), "need a pipeline"},
      {"deploying an unknown version",
       with_pipeline(R"(, "pipeline": {"name": "p", "stages": []}, "trigger": {"artifact": "v7"})"), "trigger.artifact: unknown version \"v7\""},
      {"a judgment status that is neither continue nor stop",
       with_pipeline(R"(, "pipeline": {"name": "p", "stages": []}, "operator": {"judgments": [{"stage": "j", "status": "maybe"}]})"),
       "operator.judgments[0].status: must be continue or stop"},
      {"a judgment rule over an unknown metric",
       with_pipeline(R"(, "pipeline": {"name": "p", "stages": []}, "operator": {"judgments": [{"stage": "j", "rule": {"cluster": "shop-prod", "metric": "happiness"}}]})"),
       "operator.judgments[0].rule.metric: unknown metric \"happiness\""},
      {"a judgment rule without a cluster",
       with_pipeline(R"(, "pipeline": {"name": "p", "stages": []}, "operator": {"judgments": [{"stage": "j", "rule": {"window": "1m"}}]})"),
       "operator.judgments[0].rule.cluster: required"},
      {"an unknown pipeline name",
       with_pipeline(R"(, "pipeline": {"name": "p", "stages": []}, "pipeline_name": "q")"), "no pipeline named \"q\""},
  };
  for (const BadCase& c : cases) {
    sim::Result<LoadedScenario> s = parse_scenario(c.text, kFile);
    ASSERT_FALSE(s.ok()) << c.what;
    EXPECT_NE(s.error().message.find(c.expected), std::string::npos)
        << c.what << "\n  expected: " << c.expected << "\n  got:      " << s.error().message;
  }
}

TEST(Loader, MissingFileIsAnIoError) {
  sim::Result<LoadedScenario> s = load_scenario("/nonexistent/scenario.json");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, sim::ErrorCode::kIo);
  EXPECT_NE(s.error().message.find("/nonexistent/scenario.json"), std::string::npos);
}

}  // namespace
}  // namespace deploysim::scenarios

namespace deploysim::scenarios {
namespace {

namespace fs = std::filesystem;

// A scratch directory for scenario files that extend each other.
class ExtendsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("deploysim-extends-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "bases");
    write("bases/base.json", kBase);
    write("bases/rates.csv", "time,rate\n0,10\n60,20\n");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  fs::path dir_;
};

TEST_F(ExtendsTest, MergesObjectsByKeyAndNamedItemsByName) {
  write("child.json", R"({"extends": "bases/base.json", "name": "child", "seed": 9,
    "versions": [{"name": "v2", "errors": {"probability": 0.5, "step": null}}, {"name": "v3"}],
    "faults": [], "world": {"launch_delay": "7s"}})");
  const sim::Result<LoadedScenario> s = load_scenario(dir_ / "child.json");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->name, "child");
  EXPECT_EQ(s->seed, 9u);
  EXPECT_EQ(s->duration, sim::Duration::minutes(30));           // from the base
  ASSERT_EQ(s->world.versions.size(), 3u);                      // v1, v2 merged, v3 added
  EXPECT_EQ(s->world.versions[1].name, "v2");
  EXPECT_TRUE(s->world.versions[1].bad);                        // kept from the base's v2
  EXPECT_EQ(s->world.launch_delay, sim::Duration::seconds(7));
  EXPECT_EQ(s->world.regions.size(), 1u);                       // the base's world, merged into
  EXPECT_TRUE(s->world.faults.empty());                         // an unnamed array replaces
  EXPECT_EQ(s->text.find("\"extends\""), std::string::npos);    // the trace keeps the merged scenario
  EXPECT_NE(s->text.find("\"launch_delay\": \"7s\""), std::string::npos);
}

TEST_F(ExtendsTest, PathsInTheBaseStayRelativeToTheBase) {
  write("bases/csv.json", with(kBase, R"("constant": 50)", R"("csv": "rates.csv")"));
  write("child.json", R"({"extends": "bases/csv.json"})");
  const sim::Result<LoadedScenario> s = load_scenario(dir_ / "child.json");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_DOUBLE_EQ(s->world.traffic[0].rate.rate_at(sim::TimePoint::start() + sim::Duration::minutes(5)), 20);
}

TEST_F(ExtendsTest, ReportsMissingBasesCyclesAndErrorsInTheBase) {
  write("missing.json", R"({"extends": "bases/nothing.json"})");
  sim::Result<LoadedScenario> s = load_scenario(dir_ / "missing.json");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("missing.json: extends: cannot read scenario file"), std::string::npos) << s.error().message;
  write("a.json", R"({"extends": "b.json"})");
  write("b.json", R"({"extends": "a.json"})");
  s = load_scenario(dir_ / "a.json");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("(a cycle)"), std::string::npos) << s.error().message;
  write("bases/broken.json", "{\"seed\": 1,}");
  write("child.json", R"({"extends": "bases/broken.json"})");
  s = load_scenario(dir_ / "child.json");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("broken.json: not valid JSON: line 1"), std::string::npos) << s.error().message;
  write("typo.json", R"({"extends": "bases/base.json", "versions": [{"name": "v2", "workerz": 3}]})");
  s = load_scenario(dir_ / "typo.json");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("typo.json: versions[1].workerz: unknown field"), std::string::npos) << s.error().message;
}

TEST_F(ExtendsTest, VariantsPatchTheScenario) {
  write("variants.json", R"({"extends": "bases/base.json", "variants": [
    {"name": "slow", "patch": {"versions": [{"name": "v1", "errors": {"probability": 0.2}}]}},
    {"name": "base", "patch": {}}]})");
  sim::Result<LoadedScenario> s = load_scenario(dir_ / "variants.json", "slow");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("\"base\" names the scenario itself"), std::string::npos) << s.error().message;
  write("variants.json", R"({"extends": "bases/base.json", "variants": [
    {"name": "slow", "patch": {"versions": [{"name": "v1", "errors": {"probability": 0.2}}]}}]})");
  s = load_scenario(dir_ / "variants.json", "slow");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->variant, "slow");
  EXPECT_EQ(s->variants, std::vector<std::string>{"slow"});
  const sim::Result<LoadedScenario> plain = load_scenario(dir_ / "variants.json");
  ASSERT_TRUE(plain.ok());
  EXPECT_NE(s->text, plain->text);
  const sim::Result<LoadedScenario> unknown = load_scenario(dir_ / "variants.json", "fast");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("no variant named \"fast\" (it has slow)"), std::string::npos);
}

TEST(LoaderExpectations, ChecksNamesAndBounds) {
  const auto message = [](const std::string& expect) {
    const sim::Result<LoadedScenario> s = parse_scenario(with(kBase, R"("seed": 5,)", R"("seed": 5, "expect": )" + expect + ","), kFile);
    return s.ok() ? std::string() : s.error().message;
  };
  EXPECT_EQ(message(R"({"bounds": {"failed_requests": {"max": 10}}})"), "");
  EXPECT_NE(message(R"({"bounds": {"failed": {"max": 10}}})").find("expect.bounds.failed: unknown figure \"failed\""), std::string::npos);
  EXPECT_NE(message(R"({"bounds": {"failed_requests": {}}})").find("give min, max or both"), std::string::npos);
  EXPECT_NE(message(R"({"bounds": {"failed_requests": {"min": 5, "max": 1}}})").find("min is above max"), std::string::npos);
  EXPECT_NE(message(R"({"outcome": "won"})").find("expect.outcome: unknown outcome \"won\""), std::string::npos);
  EXPECT_NE(message(R"({"outcome": "promoted"})").find("need a pipeline"), std::string::npos);
  EXPECT_NE(message(R"({"sweep": {"seeds": 0}})").find("expect.sweep.seeds"), std::string::npos);
  EXPECT_NE(message(R"({"sweep": {"seeds": 5, "bounds": {"rate.lucky": {"max": 1}}}})").find("unknown figure \"rate.lucky\""), std::string::npos);
  EXPECT_EQ(message(R"({"sweep": {"seeds": 5, "bounds": {"rate.bad_caught": {"min": 0.9}, "time_to_detect_s.p90": {"max": 600}}}})"), "");
}

}  // namespace
}  // namespace deploysim::scenarios

namespace deploysim::scenarios {
namespace {

// Recorded series replayed: a version's error rate and a latency multiplier over run time.
TEST_F(ExtendsTest, ReplaysRecordedErrorAndLatencySeries) {
  write("bases/errors.csv", "time,probability\n0,0.01\n10m,0.21\n");
  write("bases/latency.csv", "time,multiplier\n0,1\n5m,3\n");
  write("bases/replay.json", with(kBase, R"("errors": {"probability": 0.01}})",
                                   R"("errors": {"csv": "errors.csv"}, "service_time_scale_csv": "latency.csv"})"));
  write("child.json", R"({"extends": "bases/replay.json"})");
  const sim::Result<LoadedScenario> s = load_scenario(dir_ / "child.json");
  ASSERT_TRUE(s.ok()) << s.error().message;
  const world::VersionProfile& v1 = s->world.versions[0];
  const auto at = [](int seconds) { return sim::TimePoint::start() + sim::Duration::seconds(seconds); };
  EXPECT_DOUBLE_EQ(v1.errors.at_time(at(0), 0), 0.01);
  EXPECT_NEAR(v1.errors.at_time(at(300), 0), 0.11, 1e-12);  // halfway between the points
  EXPECT_DOUBLE_EQ(v1.errors.at_time(at(3600), 0), 0.21);   // flat after the last
  EXPECT_NEAR(world::interpolate(v1.service_time_scale, at(150)), 2, 1e-12);

  write("bases/errors.csv", "time,probability\n0,0.01\n10m,1.5\n");
  const sim::Result<LoadedScenario> bad = load_scenario(dir_ / "child.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("versions[0].errors.csv: bases/errors.csv: probability 1.5 at T+10m is above 1"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace deploysim::scenarios
