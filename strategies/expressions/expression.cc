// Evaluating pipeline expressions over JSON values, with the built-in functions and the few pure
// methods pipelines call.
#include "strategies/expressions/expression.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstdint>

#include "strategies/expressions/syntax.h"

namespace deploysim::strategies {
namespace {

using expr::Node;
constexpr size_t kMaxResultBytes = 1 << 20;

// JSON text of a value; bytes that are not UTF-8 (a string literal can hold any) are replaced
// rather than thrown about.
std::string dump(const Json& v) { return v.dump(-1, ' ', false, Json::error_handler_t::replace); }

class Evaluator {
 public:
  Evaluator(const std::string& source, const ExpressionContext& context)
      : source_(source), context_(context) {}

  sim::Result<Json> run(const Node& root) {
    Json v = eval(root);
    if (!error_.empty()) return sim::invalid_argument(error_);
    return v;
  }

 private:
  Json fail(const Node& at, const std::string& what) {
    if (error_.empty()) {
      error_ = "expression \"" + (source_.size() > 200 ? source_.substr(0, 200) + "..." : source_) +
               "\" at position " + std::to_string(at.position) + ": " + what;
    }
    return Json();
  }
  bool failed() const { return !error_.empty(); }

  Json eval(const Node& n) {
    if (failed()) return Json();
    switch (n.kind) {
      case Node::Kind::kLiteral: return n.value;
      case Node::Kind::kVariable: return variable(n);
      case Node::Kind::kFunction: return function(n);
      case Node::Kind::kMember: return member(n, eval(*n.children[0]), Json(n.name));
      case Node::Kind::kIndex: return member(n, eval(*n.children[0]), eval(*n.children[1]));
      case Node::Kind::kMethod: return method(n);
      case Node::Kind::kSelect: return select(n);
      case Node::Kind::kUnary: return unary(n);
      case Node::Kind::kBinary: return binary(n);
      case Node::Kind::kAnd:
      case Node::Kind::kOr: return logical(n);
      case Node::Kind::kTernary: {
        const std::optional<bool> c = boolean(n, eval(*n.children[0]));
        if (!c) return Json();
        return eval(*n.children[*c ? 1 : 2]);
      }
      case Node::Kind::kElvis: {
        Json v = eval(*n.children[0]);
        if (!v.is_null() && !(v.is_string() && v.get<std::string>().empty())) return v;
        return eval(*n.children[1]);
      }
    }
    return Json();
  }

  std::optional<bool> boolean(const Node& at, const Json& v) {
    if (failed()) return std::nullopt;
    const std::optional<bool> b = as_boolean(v);
    if (!b) fail(at, "expected true or false, got " + describe(v));
    return b;
  }

  static std::string describe(const Json& v) {
    if (v.is_null()) return "null";
    std::string text = dump(v);
    return text.size() > 60 ? text.substr(0, 60) + "..." : text;
  }

  // Inside a selection predicate, names are first the element's properties (SpEL evaluates the
  // predicate against each element as its root object).
  Json variable(const Node& n) {
    if (!elements_.empty() && elements_.back()->is_object() && elements_.back()->contains(n.name)) {
      return (*elements_.back())[n.name];
    }
    if (!elements_.empty() && n.name == "this") return *elements_.back();
    const std::optional<Json> v = context_.variable(n.name);
    if (!v) return fail(n, "unknown variable " + n.name);
    return *v;
  }

  Json member(const Node& n, const Json& object, const Json& key) {
    if (failed()) return Json();
    if (object.is_null()) {
      if (n.safe) return Json();
      return fail(n, "cannot read " + describe(key) + " of null (use ?. to allow a missing value)");
    }
    if (object.is_object() && key.is_string()) {
      const auto it = object.find(key.get<std::string>());
      if (it == object.end()) {
        // SpEL on a map answers null for a missing key.
        return Json();
      }
      return *it;
    }
    if (object.is_array() && key.is_number_integer()) {
      const int64_t i = key.get<int64_t>();
      if (i < 0 || static_cast<size_t>(i) >= object.size()) {
        return fail(n, "index " + std::to_string(i) + " is outside a list of " + std::to_string(object.size()));
      }
      return object[static_cast<size_t>(i)];
    }
    if (object.is_string() && key.is_number_integer()) {
      const std::string s = object.get<std::string>();
      const int64_t i = key.get<int64_t>();
      if (i < 0 || static_cast<size_t>(i) >= s.size()) return fail(n, "index outside the string");
      return std::string(1, s[static_cast<size_t>(i)]);
    }
    return fail(n, "cannot read " + describe(key) + " of " + describe(object));
  }

  std::vector<Json> arguments(const Node& n, size_t first) {
    std::vector<Json> args;
    for (size_t i = first; i < n.children.size(); ++i) args.push_back(eval(*n.children[i]));
    return args;
  }

  Json function(const Node& n) {
    std::vector<Json> args = arguments(n, 0);
    if (failed()) return Json();
    if (std::optional<Json> builtin = builtin_function(n, args)) return *builtin;
    if (failed()) return Json();
    const std::optional<sim::Result<Json>> r = context_.function(n.name, args);
    if (!r) return fail(n, "unknown function #" + n.name);
    if (!r->ok()) return fail(n, r->error().message);
    return r->value();
  }

  std::optional<Json> builtin_function(const Node& n, const std::vector<Json>& args) {
    const auto one = [&]() -> const Json* {
      if (args.size() != 1) {
        fail(n, "#" + n.name + " takes one argument, got " + std::to_string(args.size()));
        return nullptr;
      }
      return &args[0];
    };
    if (n.name == "toInt" || n.name == "toFloat") {
      const Json* a = one();
      if (!a) return Json();
      double d = 0;
      if (a->is_number()) {
        d = a->get<double>();
      } else if (a->is_string()) {
        const std::string s = a->get<std::string>();
        char* end = nullptr;
        d = std::strtod(s.c_str(), &end);
        if (s.empty() || *end != '\0') return fail(n, "#" + n.name + ": " + describe(*a) + " is not a number");
      } else {
        return fail(n, "#" + n.name + ": " + describe(*a) + " is not a number");
      }
      if (n.name == "toFloat") return Json(d);
      if (!std::isfinite(d) || std::fabs(d) > 9e15) return fail(n, "#toInt: out of range");
      return Json(static_cast<int64_t>(d));
    }
    if (n.name == "toBoolean") {
      const Json* a = one();
      if (!a) return Json();
      const std::optional<bool> b = as_boolean(*a);
      if (!b) return fail(n, "#toBoolean: " + describe(*a) + " is not true or false");
      return Json(*b);
    }
    if (n.name == "toJson") {
      const Json* a = one();
      if (!a) return Json();
      return Json(dump(*a));
    }
    if (n.name == "alphanumerical") {
      const Json* a = one();
      if (!a) return Json();
      std::string out;
      for (char c : to_text(*a)) {
        if (std::isalnum(static_cast<unsigned char>(c))) out.push_back(c);
      }
      return Json(out);
    }
    return std::nullopt;
  }

  Json select(const Node& n) {
    const Json collection = eval(*n.children[0]);
    if (failed()) return Json();
    if (collection.is_null() && n.safe) return Json();
    if (!collection.is_array()) return fail(n, "selection needs a list, got " + describe(collection));
    Json matches = Json::array();
    for (const Json& element : collection) {
      elements_.push_back(&element);
      const Json verdict = eval(*n.children[1]);
      elements_.pop_back();
      if (failed()) return Json();
      const std::optional<bool> keep = boolean(*n.children[1], verdict);
      if (!keep) return Json();
      if (*keep) matches.push_back(element);
    }
    if (n.name == "?") return matches;
    if (matches.empty()) return Json();
    return n.name == "^" ? matches.front() : matches.back();
  }

  Json method(const Node& n) {
    const Json target = eval(*n.children[0]);
    std::vector<Json> args = arguments(n, 1);
    if (failed()) return Json();
    if (target.is_null() && n.safe) return Json();
    const auto arity = [&](size_t expected) {
      if (args.size() == expected) return true;
      fail(n, n.name + "() takes " + std::to_string(expected) + " argument(s)");
      return false;
    };
    if (n.name == "toString" && arity(0)) return Json(to_text(target));
    if (n.name == "equals" && arity(1)) return Json(equal(target, args[0]));
    if (n.name == "size" && arity(0)) {
      if (target.is_array() || target.is_object()) return Json(target.size());
      return fail(n, "size() needs a list or map");
    }
    if (n.name == "isEmpty" && arity(0)) {
      if (target.is_string()) return Json(target.get<std::string>().empty());
      if (target.is_array() || target.is_object()) return Json(target.empty());
      return fail(n, "isEmpty() needs a string, list or map");
    }
    if (failed()) return Json();
    if (target.is_number() && (n.name == "intValue" || n.name == "longValue") && arity(0)) {
      return Json(static_cast<int64_t>(target.get<double>()));
    }
    if (target.is_number() && n.name == "doubleValue" && arity(0)) return Json(target.get<double>());
    if (failed()) return Json();
    if (!target.is_string()) {
      return fail(n, "method " + n.name + "() is not allowed on " + describe(target) +
                         " (allowed: toString, equals, size, isEmpty, intValue, longValue, doubleValue, and string methods)");
    }
    const std::string s = target.get<std::string>();
    const auto text_arg = [&]() -> std::optional<std::string> {
      if (!arity(1)) return std::nullopt;
      return to_text(args[0]);
    };
    if (n.name == "contains") {
      if (const auto a = text_arg()) return Json(s.find(*a) != std::string::npos);
    } else if (n.name == "startsWith") {
      if (const auto a = text_arg()) return Json(s.rfind(*a, 0) == 0);
    } else if (n.name == "endsWith") {
      if (const auto a = text_arg()) return Json(s.size() >= a->size() && s.compare(s.size() - a->size(), a->size(), *a) == 0);
    } else if (n.name == "toLowerCase" || n.name == "toUpperCase") {
      if (arity(0)) {
        std::string out = s;
        for (char& c : out) c = static_cast<char>(n.name == "toLowerCase" ? std::tolower(static_cast<unsigned char>(c)) : std::toupper(static_cast<unsigned char>(c)));
        return Json(out);
      }
    } else if (n.name == "trim") {
      if (arity(0)) {
        const size_t a = s.find_first_not_of(" \t\r\n");
        const size_t b = s.find_last_not_of(" \t\r\n");
        return Json(a == std::string::npos ? "" : s.substr(a, b - a + 1));
      }
    } else if (n.name == "length") {
      if (arity(0)) return Json(s.size());
    } else {
      return fail(n, "method " + n.name + "() is not allowed (allowed: toString, equals, contains, startsWith, "
                         "endsWith, toLowerCase, toUpperCase, trim, length, isEmpty, size)");
    }
    return Json();
  }

  Json unary(const Node& n) {
    const Json v = eval(*n.children[0]);
    if (failed()) return Json();
    if (n.name == "!") {
      const std::optional<bool> b = boolean(n, v);
      return b ? Json(!*b) : Json();
    }
    if (v.is_number_integer() && v.get<int64_t>() != INT64_MIN) return Json(-v.get<int64_t>());
    if (v.is_number()) return Json(-v.get<double>());
    return fail(n, "cannot negate " + describe(v));
  }

  Json logical(const Node& n) {
    const std::optional<bool> left = boolean(n, eval(*n.children[0]));
    if (!left) return Json();
    // Short-circuit, as SpEL does.
    if (n.kind == Node::Kind::kAnd && !*left) return Json(false);
    if (n.kind == Node::Kind::kOr && *left) return Json(true);
    const std::optional<bool> right = boolean(n, eval(*n.children[1]));
    return right ? Json(*right) : Json();
  }

  static bool equal(const Json& a, const Json& b) {
    if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
    return a == b;
  }

  Json binary(const Node& n) {
    const Json a = eval(*n.children[0]);
    const Json b = eval(*n.children[1]);
    if (failed()) return Json();
    const std::string& op = n.name;
    if (op == "==") return Json(equal(a, b));
    if (op == "!=") return Json(!equal(a, b));
    if (op == "+" && (a.is_string() || b.is_string())) {
      std::string s = to_text(a) + to_text(b);
      if (s.size() > kMaxResultBytes) return fail(n, "the result is longer than 1 MiB");
      return Json(s);
    }
    if (op == "<" || op == "<=" || op == ">" || op == ">=") {
      int c = 0;
      if (a.is_number() && b.is_number()) {
        const double x = a.get<double>(), y = b.get<double>();
        c = x < y ? -1 : (x > y ? 1 : 0);
      } else if (a.is_string() && b.is_string()) {
        c = a.get<std::string>().compare(b.get<std::string>());
      } else {
        return fail(n, "cannot compare " + describe(a) + " with " + describe(b));
      }
      if (op == "<") return Json(c < 0);
      if (op == "<=") return Json(c <= 0);
      if (op == ">") return Json(c > 0);
      return Json(c >= 0);
    }
    if (!a.is_number() || !b.is_number()) return fail(n, "'" + op + "' needs numbers, got " + describe(a) + " and " + describe(b));
    if (a.is_number_integer() && b.is_number_integer()) {
      const int64_t x = a.get<int64_t>(), y = b.get<int64_t>();
      if ((op == "/" || op == "%") && y == 0) return fail(n, "division by zero");
      // Exact in 64-bit integers; past their range the arithmetic continues in doubles.
      int64_t r = 0;
      bool overflow = false;
      if (op == "+") overflow = __builtin_add_overflow(x, y, &r);
      else if (op == "-") overflow = __builtin_sub_overflow(x, y, &r);
      else if (op == "*") overflow = __builtin_mul_overflow(x, y, &r);
      else if (x == INT64_MIN && y == -1) overflow = true;
      else r = op == "/" ? x / y : x % y;
      if (!overflow) return Json(r);
    }
    const double x = a.get<double>(), y = b.get<double>();
    if ((op == "/" || op == "%") && y == 0) return fail(n, "division by zero");
    if (op == "+") return Json(x + y);
    if (op == "-") return Json(x - y);
    if (op == "*") return Json(x * y);
    if (op == "/") return Json(x / y);
    return Json(std::fmod(x, y));
  }

  const std::string& source_;
  const ExpressionContext& context_;
  std::vector<const Json*> elements_;  // the elements selection predicates are evaluated against
  std::string error_;
};

// "${ x }" -> " x ", when the whole text is one expression.
std::optional<std::string> whole_expression(const std::string& text) {
  const size_t a = text.find_first_not_of(" \t\r\n");
  const size_t b = text.find_last_not_of(" \t\r\n");
  if (a == std::string::npos || text.compare(a, 2, "${") != 0 || text[b] != '}') return std::nullopt;
  // The closing brace must be the one matching this opening (no "${a} ${b}").
  const std::string inner = text.substr(a + 2, b - a - 2);
  if (inner.find("${") != std::string::npos) return std::nullopt;
  return inner;
}

}  // namespace

std::optional<bool> as_boolean(const Json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_string()) {
    const std::string s = value.get<std::string>();
    if (s == "true") return true;
    if (s == "false") return false;
  }
  return std::nullopt;
}

std::string to_text(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "null";
  return dump(value);
}

bool has_expression(const std::string& text) { return text.find("${") != std::string::npos; }

sim::Result<Json> evaluate_expression(const std::string& expression, const ExpressionContext& context) {
  const std::string body = whole_expression(expression).value_or(expression);
  sim::Result<std::unique_ptr<Node>> tree = expr::parse(body);
  if (!tree.ok()) {
    const std::string shown = expression.size() > 200 ? expression.substr(0, 200) + "..." : expression;
    return sim::invalid_argument("expression \"" + shown + "\": " + tree.error().message);
  }
  return Evaluator(expression, context).run(**tree);
}

sim::Result<Json> evaluate_template(const std::string& text, const ExpressionContext& context) {
  if (!has_expression(text)) return Json(text);
  if (const std::optional<std::string> whole = whole_expression(text)) {
    return evaluate_expression(*whole, context);
  }
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t open = text.find("${", pos);
    if (open == std::string::npos) {
      out += text.substr(pos);
      break;
    }
    out += text.substr(pos, open - pos);
    const size_t close = text.find('}', open + 2);
    if (close == std::string::npos) {
      return sim::invalid_argument("expression in \"" + text.substr(0, 200) + "\": a ${ is not closed by }");
    }
    sim::Result<Json> part = evaluate_expression(text.substr(open + 2, close - open - 2), context);
    if (!part.ok()) return part.error();
    out += to_text(*part);
    if (out.size() > kMaxResultBytes) return sim::invalid_argument("the result is longer than 1 MiB");
    pos = close + 1;
  }
  return Json(out);
}

}  // namespace deploysim::strategies
