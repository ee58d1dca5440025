#pragma once
// How values turn into text: Python's str() and repr() (what `{{ x }}` and
// list/dict printing show), json.dumps as transformers' `tojson` calls it,
// HTML escaping (`|escape`, Markup), and the JavaScript spelling
// @huggingface/jinja uses where heft follows it (see docs/jinja.md).
// Writers append to `out` and stop early, returning false, once `out` grows
// past `limit`, so printing a deeply shared structure cannot exhaust memory.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "jinja/value.h"

namespace heft::jinja {

constexpr size_t kNoLimit = static_cast<size_t>(-1);

bool write_str(std::string& out, const Value& v, size_t limit = kNoLimit);
bool write_repr(std::string& out, const Value& v, size_t limit = kNoLimit);
std::string to_str(const Value& v);
std::string to_repr(const Value& v);

std::string float_repr(double d);                 // Python repr(float): 1.0, 0.1, 1e+16, inf
void append_repr_string(std::string& out, std::string_view s);  // Python repr(str)
std::string html_escape(std::string_view s);      // markupsafe.escape

struct JsonOptions {
  bool ensure_ascii = false;
  bool js_numbers = false;                        // JSON.stringify's floats (1.0 -> 1), for the JS-compatible mode
  std::optional<std::string> indent;              // nullopt: one line
  std::string item_sep = ", ";
  std::string key_sep = ": ";
  bool sort_keys = false;
};
// json.dumps; fails on values JSON cannot hold (Undefined, functions, non-string keys it cannot convert).
util::Result<std::string> to_json(const Value& v, const JsonOptions& opt, size_t limit = kNoLimit);

// The spellings of @huggingface/jinja, for the JS-compatible render mode
// (interpreter.h): write_js is the JavaScript String() of the raw value, as its
// `+` and `~` concatenate (a list joins its items with ","; a dict is
// "[object Map]"); write_js_display is how it prints a value with {{ }} (a list
// or dict as JSON, true/false, 1.0).
bool write_js(std::string& out, const Value& v, size_t limit = kNoLimit);
bool write_js_display(std::string& out, const Value& v, size_t limit = kNoLimit);

}  // namespace heft::jinja
