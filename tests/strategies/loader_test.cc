// Pipeline loading: real exported pipelines load; malformed graphs and unknown stage types fail
// with every problem named.
#include "strategies/pipeline/pipeline.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {

namespace fs = std::filesystem;

// A fixed set of stage types, for the loader's own checks.
const std::set<std::string> kEngineTypes = {
    "wait", "manualJudgment", "checkPreconditions", "resizeServerGroup", "enableServerGroup",
    "disableServerGroup", "destroyServerGroup", "cloneServerGroup", "disableCluster",
    "scaleDownCluster", "shrinkCluster", "rollbackCluster", "pipeline", "evaluateVariables",
    "bake", "findImage", "jenkins", "script", "runJob", "webhook", "deploy"};

bool engine_supports(const std::string& type) { return kEngineTypes.count(type) > 0; }

std::string read(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The reference pipelines live in shared/ beside the checkout (CI always has them).
bool have_reference() { return fs::is_directory(DEPLOYSIM_REFERENCE_PIPELINES); }

TEST(PipelineLoader, EveryReferencePipelineLoadsWithEveryStageTypeSupported) {
  StageRegistry registry;
  register_stages(registry);
  const fs::path folder = DEPLOYSIM_REFERENCE_PIPELINES;
  int files = 0;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.path().extension() != ".json") continue;
    ++files;
    const std::string name = entry.path().filename().string();
    sim::Result<std::vector<PipelineConfig>> loaded =
        load_pipelines(read(entry.path()), name, [&](const std::string& type) { return registry.supports(type); });
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_FALSE(loaded->empty()) << name;
  }
  EXPECT_GE(files, 6);
}

TEST(PipelineLoader, TheCopiesAreTheReferenceFilesByteForByte) {
  if (!fs::is_directory(DEPLOYSIM_SHARED_PIPELINES)) GTEST_SKIP() << "no " << DEPLOYSIM_SHARED_PIPELINES;
  int compared = 0;
  for (const auto& entry : fs::directory_iterator(DEPLOYSIM_SHARED_PIPELINES)) {
    const fs::path copy = fs::path(DEPLOYSIM_REFERENCE_PIPELINES) / entry.path().filename();
    ASSERT_TRUE(fs::exists(copy)) << "scenarios/pipelines lacks " << entry.path().filename();
    EXPECT_EQ(read(copy), read(entry.path())) << copy;
    ++compared;
  }
  EXPECT_GE(compared, 7);
}

TEST(PipelineLoader, ReadsTheSeedPipeline) {
  if (!have_reference()) GTEST_SKIP() << "no " << DEPLOYSIM_REFERENCE_PIPELINES;
  sim::Result<std::vector<PipelineConfig>> loaded =
      load_pipelines(read(fs::path(DEPLOYSIM_REFERENCE_PIPELINES) / "seed__rolling-blue-green.json"), "seed", engine_supports);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const PipelineConfig& p = loaded->front();
  EXPECT_EQ(p.application, "myapp");
  EXPECT_TRUE(p.limit_concurrent);
  ASSERT_EQ(p.stages.size(), 10u);
  const StageConfig* judge = p.stage("3");
  ASSERT_NE(judge, nullptr);
  EXPECT_EQ(judge->name, "judge");
  EXPECT_EQ(judge->type, "manualJudgment");
  EXPECT_EQ(judge->requisites, std::vector<std::string>{"2"});
  EXPECT_EQ(judge->context["judgmentInputs"][1]["value"], "rollback");
  EXPECT_FALSE(judge->context.contains("refId")) << "refId, requisites, type and name leave the context";
}

TEST(PipelineLoader, DinghyWrappersLendTheirApplicationAndRefIdsBecomeStrings) {
  const std::string text = R"({"application": "shop", "pipelines": [
    {"name": "p", "stages": [{"refId": 1, "type": "wait", "waitTime": 5},
                             {"refId": 2, "requisiteStageRefIds": [1], "type": "wait"}]}]})";
  sim::Result<std::vector<PipelineConfig>> loaded = load_pipelines(text, "dinghy", engine_supports);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->front().application, "shop");
  EXPECT_EQ(loaded->front().stages[1].requisites, std::vector<std::string>{"1"});
  EXPECT_EQ(loaded->front().stages[0].name, "wait") << "a stage without a name is named by its type";
  EXPECT_FALSE(loaded->front().limit_concurrent) << "Orca's default when the key is missing";
}

struct Bad {
  const char* what;
  const char* text;
  std::vector<const char*> expected;
};

TEST(PipelineLoader, MalformedGraphsNameTheStages) {
  const std::vector<Bad> cases = {
      {"cycle", R"({"name": "p", "stages": [
          {"refId": "a", "requisiteStageRefIds": ["c"], "type": "wait", "name": "A"},
          {"refId": "b", "requisiteStageRefIds": ["a"], "type": "wait", "name": "B"},
          {"refId": "c", "requisiteStageRefIds": ["b"], "type": "wait", "name": "C"},
          {"refId": "d", "type": "wait", "name": "D"}]})",
       {"cycle: refId a \"A\" (wait), refId b \"B\" (wait), refId c \"C\" (wait)"}},
      {"self loop", R"({"name": "p", "stages": [{"refId": "a", "requisiteStageRefIds": ["a"], "type": "wait"}]})",
       {"cycle: refId a \"wait\" (wait)"}},
      {"missing requisite", R"({"name": "p", "stages": [{"refId": "1", "requisiteStageRefIds": ["9"], "type": "wait", "name": "W"}]})",
       {"refId 1 \"W\" (wait) depends on refId 9, which no stage has"}},
      {"duplicate refId", R"({"name": "p", "stages": [{"refId": "1", "type": "wait", "name": "x"},
                                                      {"refId": 1, "type": "bake", "name": "y"}]})",
       {"duplicate refId 1: refId 1 \"x\" (wait) and \"y\" (bake)"}},
      {"unknown types, every one listed", R"({"name": "p", "stages": [
          {"refId": "1", "type": "teleport", "name": "beam"}, {"refId": "2", "type": "wait"},
          {"refId": "3", "type": "kayentaCanary", "name": "canary"}]})",
       {"refId 1 \"beam\" (teleport)", "refId 3 \"canary\" (kayentaCanary)"}},
      {"stage without type", R"({"name": "p", "stages": [{"refId": "1", "name": "n"}]})",
       {"stages[0]: every stage needs a type"}},
      {"stage without refId", R"({"name": "p", "stages": [{"type": "wait", "name": "n"}]})",
       {"stages[0] \"n\": needs a refId"}},
      {"stages not an array", R"({"name": "p", "stages": {}})", {"stages must be an array"}},
      {"bad JSON", "{\"name\": \"p\",\n \"stages\": [}", {"not valid JSON at line 2, column 13"}},
      {"not a pipeline", R"({"hello": 1})", {"expected a pipeline"}},
      {"a Dinghy entry that is not an object", R"({"application": "a", "pipelines": [5]})", {"a pipeline must be a JSON object"}},
      {"problems in two pipelines", R"([{"name": "one", "stages": [{"refId": "1", "type": "nope"}]},
                                         {"name": "two", "stages": [{"refId": "1", "type": "nada"}]}])",
       {"pipeline \"one\"", "(nope)", "pipeline \"two\"", "(nada)"}},
  };
  for (const Bad& c : cases) {
    sim::Result<std::vector<PipelineConfig>> r = load_pipelines(c.text, "bad.json", engine_supports);
    ASSERT_FALSE(r.ok()) << c.what;
    for (const char* fragment : c.expected) {
      EXPECT_NE(r.error().message.find(fragment), std::string::npos)
          << c.what << "\n  expected: " << fragment << "\n  got:      " << r.error().message;
    }
    EXPECT_EQ(r.error().message.rfind("bad.json: ", 0), 0u) << c.what;
  }
}

}  // namespace
}  // namespace deploysim::strategies
