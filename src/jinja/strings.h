#pragma once
// Python `str` operations on UTF-8 text, shared by the string methods
// (" x ".strip()) and the filters (|trim, |title, |center...). Indices and
// widths count code points, as Python does.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace heft::jinja::pystr {

// strip/lstrip/rstrip; chars == nullopt strips whitespace.
std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right);
// split/rsplit; sep == nullopt splits on whitespace runs. maxsplit < 0: no limit. sep must not be empty.
std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
std::vector<std::string> rsplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
std::vector<std::string> splitlines(std::string_view s, bool keepends);
std::string replace(std::string_view s, std::string_view old, std::string_view repl, int64_t count);

std::string title(std::string_view s);       // str.title
std::string capitalize(std::string_view s);  // str.capitalize
std::string swapcase(std::string_view s);
bool istitle(std::string_view s);

// Padding to a width in code points.
std::string center(std::string_view s, int64_t width, std::string_view fill);
std::string ljust(std::string_view s, int64_t width, std::string_view fill);
std::string rjust(std::string_view s, int64_t width, std::string_view fill);
std::string zfill(std::string_view s, int64_t width);
std::string expandtabs(std::string_view s, int64_t tabsize);

// find/rfind/count/startswith/endswith within s[start:end] (code point slice bounds; nullopt = open).
int64_t find(std::string_view s, std::string_view sub, std::optional<int64_t> start, std::optional<int64_t> end,
             bool reverse);
int64_t count(std::string_view s, std::string_view sub, std::optional<int64_t> start, std::optional<int64_t> end);
bool starts_with(std::string_view s, std::string_view prefix, std::optional<int64_t> start,
                 std::optional<int64_t> end, bool at_end);

// Every code point satisfies pred (and s is not empty).
template <class Pred>
bool all_chars(std::string_view s, Pred pred);

}  // namespace heft::jinja::pystr

#include "jinja/unicode.h"

namespace heft::jinja::pystr {
template <class Pred>
bool all_chars(std::string_view s, Pred pred) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size();)
    if (!pred(unicode::next(s, i))) return false;
  return true;
}
}  // namespace heft::jinja::pystr
