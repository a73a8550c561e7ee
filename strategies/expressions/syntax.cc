// A Pratt-style recursive-descent parser for the SpEL subset, with a depth limit and explicit
// refusals for the parts of SpEL that reach outside the expression (T(), new, @beans).
#include "strategies/expressions/syntax.h"

#include <cctype>
#include <cstdlib>

namespace deploysim::strategies::expr {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  sim::Result<std::unique_ptr<Node>> run() {
    std::unique_ptr<Node> n = ternary(0);
    if (!error_.empty()) return sim::invalid_argument(error_);
    skip_space();
    if (pos_ < s_.size()) {
      fail("unexpected '" + std::string(1, s_[pos_]) + "' after the end of the expression");
      return sim::invalid_argument(error_);
    }
    return n;
  }

 private:
  using NodePtr = std::unique_ptr<Node>;

  NodePtr fail(const std::string& what) {
    if (error_.empty()) error_ = "position " + std::to_string(pos_) + ": " + what;
    return nullptr;
  }
  bool failed() const { return !error_.empty(); }

  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool peek(std::string_view token) {
    skip_space();
    return s_.substr(pos_, token.size()) == token;
  }
  bool accept(std::string_view token) {
    if (!peek(token)) return false;
    pos_ += token.size();
    return true;
  }
  // A keyword operator (and, or, not, eq...) must not run into an identifier.
  bool accept_word(std::string_view word) {
    skip_space();
    if (s_.substr(pos_, word.size()) != word) return false;
    const size_t end = pos_ + word.size();
    if (end < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[end])) || s_[end] == '_')) return false;
    pos_ = end;
    return true;
  }

  NodePtr make(Node::Kind kind, size_t at) {
    auto n = std::make_unique<Node>();
    n->kind = kind;
    n->position = at;
    return n;
  }
  NodePtr binary(Node::Kind kind, const std::string& op, NodePtr left, NodePtr right, size_t at) {
    if (!left || !right) return nullptr;
    NodePtr n = make(kind, at);
    n->name = op;
    n->children.push_back(std::move(left));
    n->children.push_back(std::move(right));
    return n;
  }

  bool deeper(int depth) {
    if (depth > kMaxDepth) {
      fail("the expression is nested too deeply (more than about 100 levels)");
      return false;
    }
    return true;
  }

  NodePtr ternary(int depth) {
    if (!deeper(depth)) return nullptr;
    NodePtr condition = logical_or(depth + 1);
    if (failed()) return nullptr;
    const size_t at = pos_;
    if (accept("?:")) return binary(Node::Kind::kElvis, "?:", std::move(condition), ternary(depth + 1), at);
    if (!peek("?.") && !peek("?[") && accept("?")) {
      NodePtr yes = ternary(depth + 1);
      if (failed()) return nullptr;
      if (!accept(":")) return fail("expected ':' in a ?: conditional");
      NodePtr no = ternary(depth + 1);
      if (failed()) return nullptr;
      NodePtr n = make(Node::Kind::kTernary, at);
      n->children.push_back(std::move(condition));
      n->children.push_back(std::move(yes));
      n->children.push_back(std::move(no));
      return n;
    }
    return condition;
  }

  NodePtr logical_or(int depth) {
    NodePtr left = logical_and(depth + 1);
    while (!failed()) {
      const size_t at = pos_;
      if (!accept("||") && !accept_word("or")) break;
      left = binary(Node::Kind::kOr, "or", std::move(left), logical_and(depth + 1), at);
    }
    return left;
  }

  NodePtr logical_and(int depth) {
    NodePtr left = equality(depth + 1);
    while (!failed()) {
      const size_t at = pos_;
      if (!accept("&&") && !accept_word("and")) break;
      left = binary(Node::Kind::kAnd, "and", std::move(left), equality(depth + 1), at);
    }
    return left;
  }

  NodePtr equality(int depth) {
    NodePtr left = relational(depth + 1);
    while (!failed()) {
      const size_t at = pos_;
      std::string op;
      if (accept("==") || accept_word("eq")) op = "==";
      else if (accept("!=") || accept_word("ne")) op = "!=";
      else break;
      left = binary(Node::Kind::kBinary, op, std::move(left), relational(depth + 1), at);
    }
    return left;
  }

  NodePtr relational(int depth) {
    NodePtr left = additive(depth + 1);
    while (!failed()) {
      const size_t at = pos_;
      std::string op;
      if (accept("<=") || accept_word("le")) op = "<=";
      else if (accept(">=") || accept_word("ge")) op = ">=";
      else if (accept("<") || accept_word("lt")) op = "<";
      else if (accept(">") || accept_word("gt")) op = ">";
      else break;
      left = binary(Node::Kind::kBinary, op, std::move(left), additive(depth + 1), at);
    }
    return left;
  }

  NodePtr additive(int depth) {
    NodePtr left = multiplicative(depth + 1);
    while (!failed()) {
      const size_t at = pos_;
      std::string op;
      if (accept("+")) op = "+";
      else if (accept("-")) op = "-";
      else break;
      left = binary(Node::Kind::kBinary, op, std::move(left), multiplicative(depth + 1), at);
    }
    return left;
  }

  NodePtr multiplicative(int depth) {
    NodePtr left = unary(depth + 1);
    while (!failed()) {
      const size_t at = pos_;
      std::string op;
      if (accept("*")) op = "*";
      else if (accept("/") || accept_word("div")) op = "/";
      else if (accept("%") || accept_word("mod")) op = "%";
      else break;
      left = binary(Node::Kind::kBinary, op, std::move(left), unary(depth + 1), at);
    }
    return left;
  }

  NodePtr unary(int depth) {
    if (!deeper(depth)) return nullptr;
    const size_t at = pos_;
    std::string op;
    if (accept("!") || accept_word("not")) op = "!";
    else if (accept("-")) op = "-";
    if (op.empty()) return postfix(depth + 1);
    NodePtr operand = unary(depth + 1);
    if (!operand) return nullptr;
    NodePtr n = make(Node::Kind::kUnary, at);
    n->name = op;
    n->children.push_back(std::move(operand));
    return n;
  }

  std::string identifier() {
    skip_space();
    const size_t start = pos_;
    if (pos_ < s_.size() && (std::isalpha(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_' || s_[pos_] == '$')) {
      ++pos_;
      while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_' || s_[pos_] == '$')) ++pos_;
    }
    return std::string(s_.substr(start, pos_ - start));
  }

  bool arguments(Node* call, int depth) {
    if (accept(")")) return true;
    while (true) {
      NodePtr arg = ternary(depth + 1);
      if (!arg) return false;
      call->children.push_back(std::move(arg));
      if (accept(")")) return true;
      if (!accept(",")) {
        fail("expected ',' or ')' in an argument list");
        return false;
      }
    }
  }

  NodePtr postfix(int depth) {
    NodePtr n = primary(depth + 1);
    while (n && !failed()) {
      const size_t at = pos_;
      const bool safe = accept("?.");
      if (safe || accept(".")) {
        // SpEL's collection selection: .?[predicate], .^[first match], .$[last match].
        for (const char* op : {"?[", "^[", "$["}) {
          if (!accept(op)) continue;
          NodePtr predicate = ternary(depth + 1);
          if (!predicate) return nullptr;
          if (!accept("]")) return fail("expected ']' after a selection predicate");
          NodePtr select = binary(Node::Kind::kSelect, std::string(1, op[0]), std::move(n), std::move(predicate), at);
          select->safe = safe;
          n = std::move(select);
          break;
        }
        if (n->kind == Node::Kind::kSelect && n->position == at) continue;
        const std::string name = identifier();
        if (name.empty()) return fail("expected a property or method name after '.'");
        if (accept("(")) {
          NodePtr call = make(Node::Kind::kMethod, at);
          call->name = name;
          call->safe = safe;
          call->children.push_back(std::move(n));
          if (!arguments(call.get(), depth)) return nullptr;
          n = std::move(call);
        } else {
          NodePtr member = make(Node::Kind::kMember, at);
          member->name = name;
          member->safe = safe;
          member->children.push_back(std::move(n));
          n = std::move(member);
        }
      } else if (accept("[")) {
        NodePtr index = ternary(depth + 1);
        if (!index) return nullptr;
        if (!accept("]")) return fail("expected ']'");
        n = binary(Node::Kind::kIndex, "[]", std::move(n), std::move(index), at);
      } else {
        break;
      }
    }
    return n;
  }

  NodePtr string_literal(char quote) {
    const size_t at = pos_;
    ++pos_;
    std::string value;
    while (true) {
      if (pos_ >= s_.size()) return fail("a string is not closed (expected " + std::string(1, quote) + ")");
      const char c = s_[pos_++];
      if (c == quote) {
        // SpEL escapes a quote by doubling it.
        if (pos_ < s_.size() && s_[pos_] == quote) {
          value.push_back(quote);
          ++pos_;
          continue;
        }
        break;
      }
      value.push_back(c);
    }
    NodePtr n = make(Node::Kind::kLiteral, at);
    n->value = value;
    return n;
  }

  NodePtr number_literal() {
    const size_t at = pos_;
    const size_t start = pos_;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    bool fractional = false;
    if (pos_ + 1 < s_.size() && s_[pos_] == '.' && std::isdigit(static_cast<unsigned char>(s_[pos_ + 1]))) {
      fractional = true;
      ++pos_;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }
    const std::string text(s_.substr(start, pos_ - start));
    // Java-style suffixes: 10L, 1.5d, 2f.
    if (pos_ < s_.size() && std::string("LlDdFf").find(s_[pos_]) != std::string::npos) ++pos_;
    NodePtr n = make(Node::Kind::kLiteral, at);
    if (fractional || text.size() > 15) {
      n->value = std::strtod(text.c_str(), nullptr);
    } else {
      n->value = std::strtoll(text.c_str(), nullptr, 10);
    }
    return n;
  }

  NodePtr primary(int depth) {
    if (!deeper(depth)) return nullptr;
    skip_space();
    if (pos_ >= s_.size()) return fail("the expression ends where a value was expected");
    const size_t at = pos_;
    const char c = s_[pos_];
    if (c == '\'' || c == '"') return string_literal(c);
    if (std::isdigit(static_cast<unsigned char>(c))) return number_literal();
    if (accept("(")) {
      NodePtr inner = ternary(depth + 1);
      if (!inner) return nullptr;
      if (!accept(")")) return fail("expected ')'");
      return inner;
    }
    if (c == '@' || c == '&') return fail("bean references are not allowed in pipeline expressions");
    if (c == '{' || c == '[') return fail("inline lists and maps are not supported");
    if (accept("#")) {
      const std::string name = identifier();
      if (name.empty()) return fail("expected a function name after '#'");
      if (!accept("(")) return fail("#" + name + " is not a function call; variables other than functions are not supported");
      NodePtr call = make(Node::Kind::kFunction, at);
      call->name = name;
      if (!arguments(call.get(), depth)) return nullptr;
      return call;
    }
    const std::string name = identifier();
    if (name.empty()) return fail("unexpected '" + std::string(1, c) + "'");
    if (name == "T" && peek("(")) return fail("type references T(...) are not allowed in pipeline expressions");
    if (name == "new") return fail("constructors (new) are not allowed in pipeline expressions");
    if (name == "true" || name == "false") {
      NodePtr n = make(Node::Kind::kLiteral, at);
      n->value = name == "true";
      return n;
    }
    if (name == "null") return make(Node::Kind::kLiteral, at);
    if (peek("(")) return fail("calling " + name + "(...) is not allowed; functions are written #name(...)");
    if (peek("=") && !peek("==")) return fail("assignment is not allowed in pipeline expressions");
    NodePtr n = make(Node::Kind::kVariable, at);
    n->name = name;
    return n;
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

sim::Result<std::unique_ptr<Node>> parse(std::string_view expression) {
  if (expression.size() > kMaxSourceBytes) {
    return sim::invalid_argument("the expression is longer than " + std::to_string(kMaxSourceBytes / 1024) + " KiB");
  }
  return Parser(expression).run();
}

}  // namespace deploysim::strategies::expr
