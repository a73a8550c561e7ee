// Cron schedules against times computed independently (Python's datetime gave the epoch seconds
// and weekdays below), and Echo's trigger matching rules.
#include <gtest/gtest.h>

#include "strategies/pipeline/cron.h"
#include "strategies/pipeline/triggers.h"

namespace deploysim::strategies {
namespace {

int64_t utc(const char* text) {
  const sim::Result<int64_t> t = parse_utc_time(text);
  EXPECT_TRUE(t.ok()) << text;
  return t.ok() ? *t : -1;
}

TEST(UtcTime, ReadsAndWritesIsoTimes) {
  EXPECT_EQ(utc("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(utc("2026-01-05T00:00:00Z"), 1767571200);
  EXPECT_EQ(utc("2026-01-05T09:30Z"), 1767605400);
  EXPECT_EQ(utc("2028-02-29T00:00:00"), 1835395200);
  EXPECT_EQ(utc("2024-12-31T23:59:59Z"), 1735689599);
  EXPECT_EQ(utc("2099-12-31T23:59:59Z"), 4102444799);
  EXPECT_EQ(format_utc_time(1835395200), "2028-02-29T00:00:00Z");
  EXPECT_EQ(format_utc_time(1735689599), "2024-12-31T23:59:59Z");
  for (const char* bad : {"", "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-05", "2026-01-05T24:00:00Z",
                          "1969-12-31T23:59:59Z", "2026-01-05T09:30:00+02:00", "tomorrow"}) {
    EXPECT_FALSE(parse_utc_time(bad).ok()) << bad;
  }
}

std::vector<std::string> fires(const char* expression, const char* from, int count) {
  const sim::Result<CronSchedule> cron = CronSchedule::parse(expression);
  EXPECT_TRUE(cron.ok()) << (cron.ok() ? "" : cron.error().message);
  std::vector<std::string> out;
  if (!cron.ok()) return out;
  int64_t t = utc(from);
  for (int i = 0; i < count; ++i) {
    const std::optional<int64_t> next = cron->next_after(t);
    if (!next) break;
    out.push_back(format_utc_time(*next));
    t = *next;
  }
  return out;
}

TEST(Cron, FindsTheNextFireTimes) {
  // The reference pipeline's schedule: every 12 minutes; the start itself is not "after".
  EXPECT_EQ(fires("0 0/12 * * * ?", "2026-01-05T00:00:00Z", 3),
            (std::vector<std::string>{"2026-01-05T00:12:00Z", "2026-01-05T00:24:00Z", "2026-01-05T00:36:00Z"}));
  // Weekdays at 09:30: from Saturday 2026-01-03 the next is Monday 2026-01-05.
  EXPECT_EQ(fires("0 30 9 ? * MON-FRI", "2026-01-03T10:00:00Z", 2),
            (std::vector<std::string>{"2026-01-05T09:30:00Z", "2026-01-06T09:30:00Z"}));
  // Quartz numbers weekdays from Sunday = 1: 2 is Monday.
  EXPECT_EQ(fires("0 30 9 ? * 2", "2026-01-03T10:00:00Z", 1), (std::vector<std::string>{"2026-01-05T09:30:00Z"}));
  // The next 29 February after March 2026 is in 2028 (a Tuesday).
  EXPECT_EQ(fires("0 0 0 29 2 ?", "2026-03-01T00:00:00Z", 1), (std::vector<std::string>{"2028-02-29T00:00:00Z"}));
  // Lists, ranges with steps, names, and a year field.
  EXPECT_EQ(fires("15,45 0 8-12/2 1 jan,Jul ? 2027", "2026-01-05T00:00:00Z", 4),
            (std::vector<std::string>{"2027-01-01T08:00:15Z", "2027-01-01T08:00:45Z", "2027-01-01T10:00:15Z",
                                      "2027-01-01T10:00:45Z"}));
  EXPECT_EQ(fires("0 0 0 31 12 ? 2099", "2099-12-31T00:00:00Z", 1), (std::vector<std::string>{})) << "nothing after 2099";
  EXPECT_EQ(fires("0 0 0 31 2 ?", "2026-01-01T00:00:00Z", 1), (std::vector<std::string>{})) << "31 February never comes";
}

TEST(Cron, ErrorsNameTheFieldAndWhatWasExpected) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"* * * * *", "expected 6 or 7 fields"},
      {"0 0 25 * * ?", "hours: 25 is out of range 0-23"},
      {"0 0 12 * * *", "exactly one of day-of-month and day-of-week must be ?"},
      {"0 0 12 ? * ?", "exactly one of day-of-month and day-of-week must be ?"},
      {"0 15 10 ? * 6#3", "day-of-week: '#'"},
      {"0 15 10 L * ?", "day-of-month: 'L'"},
      {"0 0 ? * * MON", "hours: ? is only allowed"},
      {"0 0 5-2 * * ?", "hours: range 5-2 runs backwards"},
      {"0 0/0 * * * ?", "minutes: 0 is out of range 1-60"},
      {"0 0 0 1 FOO ?", "month: expected a number, got \"FOO\""},
      {"0 0 0 1,,2 * ?", "day-of-month: empty list item"},
  };
  for (const auto& [expression, expected] : cases) {
    const sim::Result<CronSchedule> cron = CronSchedule::parse(expression);
    ASSERT_FALSE(cron.ok()) << expression;
    EXPECT_NE(cron.error().message.find(expected), std::string::npos) << expression << ": " << cron.error().message;
    EXPECT_NE(cron.error().message.find(expression), std::string::npos) << "names the expression";
  }
}

PipelineConfig with_triggers(const char* triggers_json, bool disabled = false) {
  PipelineConfig p;
  p.id = "deploy-id";
  p.name = "deploy";
  p.application = "shop";
  p.triggers = Json::parse(triggers_json);
  p.disabled = disabled;
  return p;
}

TEST(Triggers, MatchEventsAsEchoDoes) {
  const PipelineConfig p = with_triggers(R"([
    {"type": "docker", "enabled": true, "account": "hub", "repository": "shop/web", "tag": "^v[0-9]+\\.[0-9]+$"},
    {"type": "jenkins", "enabled": true, "master": "ci", "job": "shop-build"},
    {"type": "jenkins", "master": "ci", "job": "never-enabled"},
    {"type": "git", "enabled": true, "source": "github", "project": "acme", "slug": "shop", "branch": "main|release-.*"},
    {"type": "webhook", "enabled": true, "source": "cihook", "payloadConstraints": {"env": "prod.*"}},
    {"type": "pubsub", "enabled": true, "pubsubSystem": "google", "subscriptionName": "builds"}])");
  const auto count = [&](const char* type, const char* fields) {
    return matching_triggers(p, TriggerEvent{type, Json::parse(fields)}).size();
  };
  EXPECT_EQ(count("docker", R"({"account": "hub", "repository": "shop/web", "tag": "v1.2"})"), 1u);
  EXPECT_EQ(count("docker", R"({"account": "hub", "repository": "shop/web", "tag": "v1.2-rc"})"), 0u) << "the whole tag must match";
  EXPECT_EQ(count("docker", R"({"account": "hub", "repository": "shop/api", "tag": "v1.2"})"), 0u);
  EXPECT_EQ(count("jenkins", R"({"master": "ci", "job": "shop-build", "buildNumber": 7})"), 1u);
  EXPECT_EQ(count("jenkins", R"({"master": "ci", "job": "shop-build", "result": "FAILURE"})"), 0u) << "only a successful build";
  EXPECT_EQ(count("jenkins", R"({"master": "ci", "job": "never-enabled"})"), 0u) << "a trigger without enabled is off";
  EXPECT_EQ(count("git", R"({"source": "github", "project": "acme", "slug": "shop", "branch": "release-2"})"), 1u);
  EXPECT_EQ(count("git", R"({"source": "github", "project": "acme", "slug": "shop", "branch": "feature-x"})"), 0u);
  EXPECT_EQ(count("webhook", R"({"source": "cihook", "payload": {"env": "production"}})"), 1u);
  EXPECT_EQ(count("webhook", R"({"source": "cihook", "payload": {"env": "staging"}})"), 0u);
  EXPECT_EQ(count("webhook", R"({"source": "cihook"})"), 0u) << "a constrained key must be present";
  EXPECT_EQ(count("pubsub", R"({"pubsubSystem": "google", "subscriptionName": "builds"})"), 1u);
  EXPECT_EQ(count("pubsub", R"({"pubsubSystem": "google", "subscriptionName": "other"})"), 0u);
  EXPECT_EQ(count("manual", R"({})"), 0u);

  const PipelineConfig off = with_triggers(R"([{"type": "docker", "enabled": true}])", true);
  EXPECT_TRUE(matching_triggers(off, TriggerEvent{"docker", Json::object()}).empty()) << "a disabled pipeline";

  const Json object = trigger_object(p.triggers[0], TriggerEvent{"docker", Json{{"tag", "v1.2"}}});
  EXPECT_EQ(object["repository"], "shop/web");
  EXPECT_EQ(object["tag"], "v1.2") << "the event's fields win";
  EXPECT_EQ(object["type"], "docker");
}

TEST(Triggers, PipelineTriggersFollowTheUpstreamOutcome) {
  PipelineConfig upstream;
  upstream.id = "build-id";
  upstream.name = "build";
  upstream.application = "shop";
  const PipelineConfig p = with_triggers(R"([
    {"type": "pipeline", "enabled": true, "application": "shop", "pipeline": "build-id", "status": ["successful"]},
    {"type": "pipeline", "enabled": true, "pipeline": "build-id", "status": ["failed", "canceled"]},
    {"type": "pipeline", "enabled": true, "application": "other", "pipeline": "build-id", "status": ["successful"]}])");
  EXPECT_EQ(pipeline_triggered(p, upstream, Status::kSucceeded).size(), 1u);
  EXPECT_EQ(pipeline_triggered(p, upstream, Status::kTerminal).size(), 1u);
  EXPECT_EQ(pipeline_triggered(p, upstream, Status::kCanceled).size(), 1u);
  EXPECT_EQ(pipeline_triggered(p, upstream, Status::kStopped).size(), 0u);
  PipelineConfig unrelated = upstream;
  unrelated.id = "other-id";
  EXPECT_TRUE(pipeline_triggered(p, unrelated, Status::kSucceeded).empty());
}

TEST(Triggers, TheLoaderChecksEnabledCronAndPatternTriggers) {
  const std::string text = R"({"name": "p", "stages": [{"refId": "1", "type": "wait", "waitTime": 1}], "triggers": [
    {"type": "cron", "enabled": true, "cronExpression": "0 0 25 * * ?"},
    {"type": "cron", "enabled": false, "cronExpression": "nonsense"},
    {"type": "docker", "enabled": true, "tag": "v[0-9"}]})";
  const auto loaded = load_pipelines(text, "p.json", [](const std::string&) { return true; });
  ASSERT_FALSE(loaded.ok());
  const std::string& m = loaded.error().message;
  EXPECT_NE(m.find("triggers[0].cronExpression: cron \"0 0 25 * * ?\": hours: 25 is out of range"), std::string::npos) << m;
  EXPECT_EQ(m.find("triggers[1]"), std::string::npos) << "a disabled trigger is not checked: " << m;
  EXPECT_NE(m.find("triggers[2].tag: \"v[0-9\" is not a valid regular expression"), std::string::npos) << m;
}

}  // namespace
}  // namespace deploysim::strategies
