// The expression syntax tree and its parser (internal to strategies/expressions). Parsing is
// separate from evaluation so that limits (length, depth) are enforced before anything runs.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/kernel/result.h"
#include "strategies/expressions/expression.h"

namespace deploysim::strategies::expr {

inline constexpr size_t kMaxSourceBytes = 64 * 1024;
// Parser frames; each level of parentheses or a call costs about ten, so this is ~100 levels.
inline constexpr int kMaxDepth = 1000;

struct Node {
  enum class Kind {
    kLiteral,   // value
    kVariable,  // name
    kFunction,  // #name(children...)
    kMember,    // children[0].name (safe: ?.)
    kIndex,     // children[0][children[1]]
    kMethod,    // children[0].name(children[1...])
    kUnary,     // op children[0]: "!" or "-"
    kBinary,    // children[0] op children[1]: == != < <= > >= + - * / %
    kAnd,
    kOr,
    kTernary,   // children[0] ? children[1] : children[2]
    kElvis,     // children[0] ?: children[1]
    kSelect,    // children[0].?[children[1]] (name "?": all matches, "^": the first, "$": the last)
  };
  Kind kind = Kind::kLiteral;
  size_t position = 0;  // byte offset in the expression, for errors
  Json value;
  std::string name;  // variable, function, member or method name; operator for unary/binary
  bool safe = false; // ?. navigation
  std::vector<std::unique_ptr<Node>> children;
};

// Parses one expression. Errors: "position N: <what was expected>".
sim::Result<std::unique_ptr<Node>> parse(std::string_view expression);

}  // namespace deploysim::strategies::expr
