#pragma once
// Errors from untrusted input are values: what went wrong, in which file, at
// which byte. Parsers return Result<T>; the CLI prints Error::to_string().
#include <cstdint>
#include <expected>
#include <optional>
#include <string>

namespace heft::util {

struct Error {
  Error() = default;
  Error(std::string msg, std::string path = {}, std::optional<uint64_t> at = std::nullopt)
      : message(std::move(msg)), file(std::move(path)), offset(at) {}

  std::string message;              // what is wrong, in words a user can act on
  std::string file;                 // the file (or other source) it came from; may be empty
  std::optional<uint64_t> offset;   // byte offset inside `file`, when one applies

  // "FILE: at byte N: MESSAGE" (parts omitted when unknown).
  std::string to_string() const;

  // Adds context when an error passes up through a caller that knows more.
  Error& in_file(std::string path) & {
    if (file.empty()) file = std::move(path);
    return *this;
  }
  Error&& in_file(std::string path) && { return std::move(in_file(std::move(path))); }
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(std::string message, std::string file = {},
                                   std::optional<uint64_t> offset = std::nullopt) {
  return std::unexpected(Error{std::move(message), std::move(file), offset});
}

namespace detail {
// Any error type (util::Error, serve::ApiError...): HEFT_TRY passes the error on as it is.
template <class T, class E>
T unwrap(std::expected<T, E>&& r) { return std::move(*r); }
template <class E>
void unwrap(std::expected<void, E>&&) {}
}  // namespace detail

}  // namespace heft::util

// Propagates the error of an expression returning Result<T>, otherwise yields its value.
// Usage: auto v = HEFT_TRY(parse(x)); or HEFT_TRY(write(y)); for Result<void>.  (GNU statement expression; g++ and clang support it)
#define HEFT_TRY(expr)                                                 \
  ({                                                                   \
    auto heft_try_result_ = (expr);                                    \
    if (!heft_try_result_) return std::unexpected(std::move(heft_try_result_.error())); \
    ::heft::util::detail::unwrap(std::move(heft_try_result_));         \
  })
