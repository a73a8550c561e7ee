// A recursive-descent JSON recogniser that keeps the position of the first error.
#include "scenarios/json_syntax.h"

#include <cstddef>

namespace deploysim::scenarios {
namespace {

class Checker {
 public:
  explicit Checker(std::string_view text) : text_(text) {}

  std::optional<std::string> run() {
    skip_space();
    if (!value(0)) return error_;
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the JSON value");
    return error_;
  }

 private:
  bool fail(const std::string& what) {
    if (error_) return false;
    size_t line = 1, column = 1;
    for (size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    error_ = "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + what;
    return false;
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  void skip_space() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++pos_;
  }

  bool value(int depth) {
    if (depth > 512) return fail("nested too deeply");
    switch (peek()) {
      case '{': return object(depth);
      case '[': return array(depth);
      case '"': return string();
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return number();
        return fail(at_end() ? "the text ends where a value was expected"
                             : "expected a value (object, array, string, number, true, false or null)");
    }
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return fail("expected a value; did you mean " + std::string(word) + "?");
    pos_ += word.size();
    return true;
  }

  bool digits() {
    const size_t start = pos_;
    while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
    return pos_ > start;
  }

  bool number() {
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
    } else if (!digits()) {
      return fail("expected digits in a number");
    }
    if (peek() == '.') {
      ++pos_;
      if (!digits()) return fail("expected digits after the decimal point");
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!digits()) return fail("expected digits in the exponent");
    }
    return true;
  }

  bool string() {
    ++pos_;  // the opening quote
    while (true) {
      if (at_end()) return fail("the text ends inside a string (a closing '\"' is missing)");
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return fail("a control character (e.g. a line break) inside a string");
      if (c == '\\') {
        ++pos_;
        const char e = peek();
        if (e == 'u') {
          for (int i = 1; i <= 4; ++i) {
            const char h = pos_ + i < text_.size() ? text_[pos_ + i] : '\0';
            const bool hex = (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F');
            if (!hex) return fail("expected four hex digits after \\u");
          }
          pos_ += 4;
        } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
          return fail("unknown escape in a string");
        }
      }
      ++pos_;
    }
  }

  bool array(int depth) {
    ++pos_;
    skip_space();
    if (peek() == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      skip_space();
      if (!value(depth + 1)) return false;
      skip_space();
      if (peek() == ',') {
        ++pos_;
        skip_space();
        if (peek() == ']') return fail("a trailing ',' before ']' (JSON allows none)");
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or ']' after an array element");
    }
  }

  bool object(int depth) {
    ++pos_;
    skip_space();
    if (peek() == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      skip_space();
      if (peek() != '"') return fail("expected a member name in double quotes");
      if (!string()) return false;
      skip_space();
      if (peek() != ':') return fail("expected ':' after a member name");
      ++pos_;
      skip_space();
      if (!value(depth + 1)) return false;
      skip_space();
      if (peek() == ',') {
        ++pos_;
        skip_space();
        if (peek() == '}') return fail("a trailing ',' before '}' (JSON allows none)");
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or '}' after an object member");
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::optional<std::string> error_;
};

}  // namespace

std::optional<std::string> json_syntax_error(std::string_view text) { return Checker(text).run(); }

}  // namespace deploysim::scenarios
