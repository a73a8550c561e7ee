// The stage field table against the registry and the docs: every type deploysim runs has its row,
// no refused type runs, docs/stages.md is the table's Markdown, and the checker warns about
// unknown and unmodelled fields while the loader refuses unknown and legacy types with a reason.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "strategies/stages/stage_fields.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {

TEST(StageFields, TheTableAndTheRegistryAgree) {
  StageRegistry registry;
  register_stages(registry);
  for (const std::string& type : registry.types()) {
    const StageFields* f = stage_fields(type);
    ASSERT_NE(f, nullptr) << type << " runs but has no row in strategies/stages/stage_fields.cc";
    EXPECT_TRUE(f->refusal.empty()) << type;
  }
  for (const StageFields& f : stage_field_table()) {
    EXPECT_EQ(registry.supports(f.type), f.refusal.empty()) << f.type;
  }
  for (const char* legacy : {"canary", "deployCanary", "monitorCanary"}) {
    ASSERT_NE(stage_fields(legacy), nullptr) << legacy;
    EXPECT_FALSE(stage_fields(legacy)->refusal.empty()) << legacy;
  }
}

TEST(StageFields, DocsStagesMdIsTheTable) {
  std::ifstream in(std::filesystem::path(DEPLOYSIM_DOCS) / "stages.md");
  ASSERT_TRUE(in) << "docs/stages.md";
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), stages_markdown()) << "regenerate it: deploysim stages --markdown > docs/stages.md";
}

TEST(StageFields, UnknownAndUnmodelledFieldsAreWarningsNamingTheStage) {
  StageRegistry registry;
  register_stages(registry);
  const auto loaded = load_pipelines(R"({"application": "a", "name": "p", "stages": [
      {"refId": "1", "type": "wait", "name": "pause", "waitTim": 30, "comments": "fine", "stageTimeoutMs": 1000},
      {"refId": "2", "type": "deployManifest", "name": "Deploy", "manifests": [], "labelSelectors": {}, "account": "k"}]})",
                                     "p.json", [&](const std::string& t) { return registry.supports(t); });
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const std::vector<std::string> w = check_stage_fields(loaded->front(), "p.json");
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0], "p.json: pipeline \"p\": stage refId 1 \"pause\" (wait): unknown field \"waitTim\" (a typo? the fields of "
                  "wait are listed in docs/stages.md)");
  EXPECT_NE(w[1].find("stage refId 2 \"Deploy\" (deployManifest): field \"labelSelectors\" is not modelled"), std::string::npos) << w[1];
}

TEST(StageFields, UnknownAndLegacyTypesAreErrorsWithTheirReason) {
  StageRegistry registry;
  register_stages(registry);
  const auto loaded = load_pipelines(R"({"application": "a", "name": "p", "stages": [
      {"refId": "1", "type": "monitorCanary", "name": "Old"}, {"refId": "2", "type": "deplyManifest", "name": "Typo"}]})",
                                     "p.json", [&](const std::string& t) { return registry.supports(t); },
                                     unsupported_type_reason);
  ASSERT_FALSE(loaded.ok());
  const std::string& m = loaded.error().message;
  EXPECT_NE(m.find("p.json: pipeline \"p\": refId 1 \"Old\" (monitorCanary): stage type \"monitorCanary\" is refused: "),
            std::string::npos) << m;
  EXPECT_NE(m.find("use kayentaCanary"), std::string::npos) << m;
  EXPECT_NE(m.find("refId 2 \"Typo\" (deplyManifest): stage type \"deplyManifest\" is unknown to deploysim"), std::string::npos) << m;
}

}  // namespace
}  // namespace deploysim::strategies
