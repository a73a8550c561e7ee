// Pipeline expressions: what real pipelines write evaluates as Orca would; what SpEL could use to
// escape (types, constructors, methods, beans) and what could exhaust the process (huge or deeply
// nested input) fails cleanly with the position.
#include "strategies/expressions/expression.h"

#include <gtest/gtest.h>

#include <string>

namespace deploysim::strategies {
namespace {

// A pipeline in progress: a judgment "judge" answered "rollback", a stage "Deploy" that succeeded.
class TestContext : public ExpressionContext {
 public:
  std::optional<Json> variable(const std::string& name) const override {
    if (name == "trigger") return Json::parse(R"({"type": "manual", "parameters": {"env": "prod", "count": 3}})");
    if (name == "parameters") return Json::parse(R"({"env": "prod", "count": 3, "flag": "true"})");
    if (name == "execution") return Json::parse(R"({"id": "01H", "name": "rolling-blue-green"})");
    if (name == "cluster") return Json("shop-prod");
    if (name == "nothing") return Json();
    if (name == "big") return Json(std::string(900 * 1024, 'x'));
    return std::nullopt;
  }
  std::optional<sim::Result<Json>> function(const std::string& name, const std::vector<Json>& args) const override {
    if (name == "judgment" || name == "judgement") {
      if (args.size() == 1 && args[0] == "judge") return sim::Result<Json>(Json("rollback"));
      return sim::Result<Json>(sim::invalid_argument("no manual judgment stage named " + args[0].dump()));
    }
    if (name == "stage") {
      if (args.size() == 1 && args[0] == "Deploy") {
        return sim::Result<Json>(Json::parse(R"({"name": "Deploy", "status": "SUCCEEDED", "context": {"capacity": {"desired": 4}}})"));
      }
      return sim::Result<Json>(sim::invalid_argument("no stage named " + args[0].dump()));
    }
    return std::nullopt;
  }
};

Json eval(const std::string& e) {
  sim::Result<Json> r = evaluate_expression(e, TestContext());
  EXPECT_TRUE(r.ok()) << e << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Json("<error>");
}

TEST(Expressions, WhatRealPipelinesWrite) {
  EXPECT_EQ(eval("#judgment('judge') == 'rollback'"), true);
  EXPECT_EQ(eval("${ #judgment('judge') == 'continue' }"), false);
  EXPECT_EQ(eval("${ #judgement(\"judge\") != 'stop' }"), true);
  EXPECT_EQ(eval("#stage('Deploy')['status'].toString() == 'SUCCEEDED'"), true);
  EXPECT_EQ(eval("#stage(\"Deploy\").status == \"SUCCEEDED\""), true);
  EXPECT_EQ(eval("#stage('Deploy')['context']['capacity']['desired'] * 2"), 8);
  EXPECT_EQ(eval("trigger.parameters.env == 'prod' and parameters.count > 2"), true);
  EXPECT_EQ(eval("trigger['parameters']['count'] >= 3 && !(cluster eq 'other')"), true);
  EXPECT_EQ(eval("parameters.flag"), "true");
  EXPECT_EQ(eval("#toBoolean(parameters.flag) or false"), true);
  EXPECT_EQ(eval("parameters.missing"), Json()) << "a missing map key is null, as SpEL answers";
  EXPECT_EQ(eval("nothing?.field"), Json());
  EXPECT_EQ(eval("parameters.missing ?: 'default'"), "default");
  EXPECT_EQ(eval("parameters.env == 'prod' ? 'big' : 'small'"), "big");
}

TEST(Expressions, OperatorsAndPrecedence) {
  EXPECT_EQ(eval("1 + 2 * 3"), 7);
  EXPECT_EQ(eval("(1 + 2) * 3"), 9);
  EXPECT_EQ(eval("7 % 4"), 3);
  EXPECT_EQ(eval("10 / 4"), 2);
  EXPECT_EQ(eval("10.0 / 4"), 2.5);
  EXPECT_EQ(eval("-3 + 5"), 2);
  EXPECT_EQ(eval("1 == 1.0"), true);
  EXPECT_EQ(eval("'1' == 1"), false);
  EXPECT_EQ(eval("'abc' < 'abd'"), true);
  EXPECT_EQ(eval("true or 1/0 == 1"), true) << "or short-circuits";
  EXPECT_EQ(eval("false and 1/0 == 1"), false) << "and short-circuits";
  EXPECT_EQ(eval("not false"), true);
  EXPECT_EQ(eval("'it''s'"), "it's");
  EXPECT_EQ(eval("'v' + 2"), "v2");
  EXPECT_EQ(eval("#toInt('42') + 1"), 43);
  EXPECT_EQ(eval("#alphanumerical('my-app_1.0')"), "myapp10");
  EXPECT_EQ(eval("' Shop '.trim().toLowerCase().startsWith('sho')"), true);
  EXPECT_EQ(eval("cluster.contains('prod') and cluster.length() == 9"), true);
}

TEST(Expressions, Templates) {
  const TestContext ctx;
  EXPECT_EQ(*evaluate_template("shop-${parameters.env}-v${ 1 + 1 }", ctx), "shop-prod-v2");
  EXPECT_EQ(*evaluate_template("${ parameters.count * 10 }", ctx), 30) << "one expression keeps its type";
  EXPECT_EQ(*evaluate_template("no expression here", ctx), "no expression here");
  EXPECT_FALSE(evaluate_template("broken ${ parameters.env", ctx).ok());
}

void expect_refused(const std::string& expression, const std::string& fragment) {
  sim::Result<Json> r = evaluate_expression(expression, TestContext());
  ASSERT_FALSE(r.ok()) << expression.substr(0, 80) << " was evaluated";
  EXPECT_NE(r.error().message.find(fragment), std::string::npos)
      << expression.substr(0, 80) << "\n  expected: " << fragment << "\n  got:      " << r.error().message;
  EXPECT_LT(r.error().message.size(), 1000u) << "messages stay short even for huge input";
}

TEST(Expressions, HostileInputIsRefusedCleanly) {
  expect_refused("T(java.lang.Runtime).getRuntime().exec('rm -rf /')", "type references T(...) are not allowed");
  expect_refused("new java.io.File('/etc/passwd')", "constructors (new) are not allowed");
  expect_refused("parameters.getClass().forName('x')", "method getClass() is not allowed");
  expect_refused("cluster.getClass()", "method getClass() is not allowed");
  expect_refused("@environment.getProperty('secret')", "bean references are not allowed");
  expect_refused("exec('ls')", "functions are written #name(...)");
  expect_refused("cluster = 'x'", "assignment is not allowed");
  expect_refused("#judgment('nope') == 'x'", "no manual judgment stage named \"nope\"");
  expect_refused("#fromUrl('http://example.com')", "unknown function #fromUrl");
  expect_refused("nobody == 1", "unknown variable nobody");
  expect_refused("1 and true", "expected true or false, got 1");
  expect_refused("nothing.field", "cannot read \"field\" of null");
  expect_refused("1 +", "position 3: the expression ends where a value was expected");
  expect_refused("'open", "a string is not closed");
  expect_refused("10 % 0", "division by zero");
  expect_refused("{1, 2}", "inline lists and maps are not supported");
  expect_refused(std::string(1 << 20, 'a'), "longer than 64 KiB");
  expect_refused(std::string(10000, '(') + "1" + std::string(10000, ')'), "nested too deeply");
  expect_refused(std::string(10000, '!') + "true", "nested too deeply");
  expect_refused("#toInt(" + std::string(5000, '(') + "1" + std::string(5000, ')') + ")", "nested too deeply");
}

TEST(Expressions, ResultsAreBounded) {
  // Text alone cannot build a huge result (there are no loops), but values can be large.
  EXPECT_EQ(eval("big.length()"), 900 * 1024);
  expect_refused("big + big", "the result is longer than 1 MiB");
  sim::Result<Json> r = evaluate_template("${big}${big}", TestContext());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("longer than 1 MiB"), std::string::npos);
}

TEST(Expressions, BytesThatAreNotUtf8AreHandled) {
  const std::string odd = "'a\x87" "b'";  // a byte that is not UTF-8 inside a string literal
  EXPECT_EQ(eval(odd + ".length()"), 3);
  expect_refused("not " + odd, "expected true or false");
  EXPECT_EQ(eval("#toJson(" + odd + ")"), "\"a\xEF\xBF\xBD" "b\"") << "replaced by U+FFFD, quoted";
}

TEST(Expressions, IntegerOverflowFallsBackToDoubles) {
  EXPECT_EQ(eval("9000000000000000000 * 10"), 9e19);
  EXPECT_EQ(eval("9000000000000000000 + 9000000000000000000"), 1.8e19);
  EXPECT_EQ(eval("-(0 - 9223372036854775807 - 1)"), 9223372036854775808.0);
}

TEST(Expressions, BooleansAsOrcaReadsThem) {
  EXPECT_EQ(as_boolean(Json(true)), true);
  EXPECT_EQ(as_boolean(Json("false")), false);
  EXPECT_EQ(as_boolean(Json("yes")), std::nullopt);
  EXPECT_EQ(as_boolean(Json(1)), std::nullopt);
}

}  // namespace
}  // namespace deploysim::strategies
