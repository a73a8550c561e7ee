// Result<T> and Status: how deploysim reports a failure a caller can act on (bad input, a damaged
// file, an I/O error) without exceptions crossing layer boundaries. Programmer errors are not
// Results: they stop the program with a message saying how to fix the call (see check.h).
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace deploysim::sim {

// Why an operation failed. The set is closed and small: each code asks the caller for a different
// reaction.
enum class ErrorCode {
  kInvalidArgument,  // the input is malformed or out of range: fix the input
  kCorrupt,          // stored data (a trace file) is damaged, truncated or not ours
  kIo,               // the operating system refused to open, read or write a file
};

struct Error {
  ErrorCode code;
  // A complete sentence for a person: names the file, the field or byte offset, and what was
  // expected.
  std::string message;
};

inline Error invalid_argument(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message)};
}
inline Error corrupt(std::string message) { return Error{ErrorCode::kCorrupt, std::move(message)}; }
inline Error io_error(std::string message) { return Error{ErrorCode::kIo, std::move(message)}; }

// A value of type T, or the Error that prevented computing it.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }

  // REQUIRES: ok().
  T& value() & {
    assert(ok() && "Result::value() on an error: check ok() first");
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok() && "Result::value() on an error: check ok() first");
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok() && "Result::value() on an error: check ok() first");
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !ok().
  const Error& error() const {
    assert(!ok() && "Result::error() on a value: check ok() first");
    return std::get<1>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

// Success, or the Error that prevented it.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit on purpose

  bool ok() const { return ok_; }
  // REQUIRES: !ok().
  const Error& error() const {
    assert(!ok_ && "Status::error() on success: check ok() first");
    return error_;
  }

 private:
  Error error_{ErrorCode::kInvalidArgument, {}};
  bool ok_ = true;
};

}  // namespace deploysim::sim
