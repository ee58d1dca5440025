#pragma once
// Code-point level string helpers. Jinja strings are Python `str`: lengths,
// indices, slices, case mapping and whitespace are per code point, while heft
// keeps them as UTF-8. Invalid bytes decode to U+DC80..U+DCFF (Python's
// surrogateescape) and encode back to the same byte, so nothing is lost.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace heft::jinja::unicode {

// Decodes the code point starting at s[i]; advances i.
char32_t next(std::string_view s, size_t& i);
void append(std::string& out, char32_t cp);

std::u32string decode(std::string_view s);
std::string encode(std::u32string_view s);

bool is_ascii(std::string_view s);
size_t length(std::string_view s);  // in code points

// Python str.isspace / str.isprintable / str.isalpha etc. for one code point.
bool is_space(char32_t c);
bool is_printable(char32_t c);
bool is_alpha(char32_t c);
bool is_digit(char32_t c);    // Nd
bool is_numeric(char32_t c);  // N*
bool is_alnum(char32_t c);
bool is_lower(char32_t c);
bool is_upper(char32_t c);
bool is_cased(char32_t c);
char32_t to_upper(char32_t c);
char32_t to_lower(char32_t c);
char32_t to_title(char32_t c);

std::string upper(std::string_view s);
std::string lower(std::string_view s);

}  // namespace heft::jinja::unicode
