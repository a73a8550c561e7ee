// Pipeline expressions: the subset of Spring Expression Language (SpEL) that Spinnaker pipelines
// use, evaluated safely. "${ #judgment('judge') == 'rollback' }", "${ trigger.parameters.env }",
// "${ #stage('Deploy')['status'].toString() == 'SUCCEEDED' }", "${ a ? 'x' : 'y' }".
//
// What it allows: literals (numbers, 'strings', "strings", true, false, null), root variables the
// context provides (trigger, parameters, execution, stage context keys), property access (.name,
// ?.name, ['name'], [0]), #functions (#judgment, #stage, #stageByRefId, #stageExists, #toInt,
// #toFloat, #toBoolean, #toJson, #alphanumerical and those the context adds), comparisons
// (== != < <= > >= and eq ne lt le gt ge), arithmetic (+ - * / %), and/or/not (&& || !),
// the ternary ?: and the Elvis ?:, and a few pure methods on values (toString, equals, contains,
// startsWith, endsWith, toLowerCase, toUpperCase, trim, length, isEmpty, size).
//
// What it refuses, with an error, never a crash: type references T(...), constructors (new),
// bean references (@name), assignment, any other method, expressions over 64 KiB, nesting deeper
// than about 100 levels, and results over 1 MiB. SpEL in Spinnaker has had injection vulnerabilities; nothing
// here can reach a class, a file or a process. Errors quote the expression and the position.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "sim/kernel/result.h"

namespace deploysim::strategies {

using Json = nlohmann::json;

// What an expression can see: root variables and #functions beyond the built-in ones.
class ExpressionContext {
 public:
  virtual ~ExpressionContext() = default;
  // The value of a root variable, or nullopt when there is none by that name.
  virtual std::optional<Json> variable(const std::string& name) const = 0;
  // Calls #name(args): a value, an error (kInvalidArgument, a sentence saying why: "no stage named
  // 'x'"), or nullopt when the context has no function of that name.
  virtual std::optional<sim::Result<Json>> function(const std::string& name,
                                                    const std::vector<Json>& args) const = 0;
};

// Evaluates a bare expression, as stageEnabled and preconditions hold them ("#judgment('j') ==
// 'go'"); a surrounding ${...} is accepted too.
sim::Result<Json> evaluate_expression(const std::string& expression, const ExpressionContext& context);

// Evaluates a string that may hold ${...} parts: a string that is one expression gives that
// expression's value (a number stays a number); otherwise each part is replaced by its value as
// text. A string without ${ is returned unchanged.
sim::Result<Json> evaluate_template(const std::string& text, const ExpressionContext& context);

// Whether `text` holds a ${...} part.
bool has_expression(const std::string& text);

// SpEL truth: true, false, or the strings "true"/"false"; anything else is not a boolean.
std::optional<bool> as_boolean(const Json& value);

// How a value prints inside a template (strings without quotes, numbers in their shortest form).
std::string to_text(const Json& value);

}  // namespace deploysim::strategies
