#pragma once
// A JSON value with ordered objects (key order is kept as read, which
// tokenizer.json, chat templates and `--json` output all depend on).
// Parsing goes through simdjson; serialization is ours.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "util/error.h"

namespace heft::util {

class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;
  enum class Kind { Null, Bool, Int, UInt, Double, String, Array, Object };

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool b) : v_(b) {}
  Json(int i) : v_(int64_t{i}) {}
  Json(int64_t i) : v_(i) {}
  Json(uint64_t u);
  Json(double d) : v_(d) {}
  Json(const char* s) : v_(std::string(s)) {}
  Json(std::string s) : v_(std::move(s)) {}
  Json(std::string_view s) : v_(std::string(s)) {}
  Json(Array a) : v_(std::move(a)) {}
  Json(Object o) : v_(std::move(o)) {}
  static Json array() { return Json(Array{}); }
  static Json object() { return Json(Object{}); }

  // Parses UTF-8 JSON text. `source` names the input in errors.
  static Result<Json> parse(std::string_view text, std::string_view source = {});

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return kind() == Kind::Null; }
  bool is_bool() const { return kind() == Kind::Bool; }
  bool is_number() const { return kind() == Kind::Int || kind() == Kind::UInt || kind() == Kind::Double; }
  bool is_integer() const { return kind() == Kind::Int || kind() == Kind::UInt; }
  bool is_string() const { return kind() == Kind::String; }
  bool is_array() const { return kind() == Kind::Array; }
  bool is_object() const { return kind() == Kind::Object; }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const;     // integers (UInt clamps), doubles truncated
  double as_double() const;   // any number
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  Array& as_array() { return std::get<Array>(v_); }
  const Object& as_object() const { return std::get<Object>(v_); }
  Object& as_object() { return std::get<Object>(v_); }
  uint64_t as_uint() const;

  // Object lookup: first member with this key, or nullptr (also when not an object).
  const Json* find(std::string_view key) const;
  Json* find(std::string_view key);
  // Typed lookups that fall back when the member is missing or of another kind.
  std::string get_string(std::string_view key, std::string fallback = {}) const;
  int64_t get_int(std::string_view key, int64_t fallback) const;
  double get_double(std::string_view key, double fallback) const;
  bool get_bool(std::string_view key, bool fallback) const;

  // Appends to an array / sets (replacing the first equal key) in an object.
  void push_back(Json v) { as_array().push_back(std::move(v)); }
  void set(std::string key, Json v);
  size_t size() const;

  // Serializes. indent < 0: compact ("a":1,"b":2); otherwise pretty-printed.
  // Non-ASCII is written as UTF-8; control characters as \uXXXX.
  std::string dump(int indent = -1) const;

  bool operator==(const Json& other) const = default;

 private:
  std::variant<std::nullptr_t, bool, int64_t, uint64_t, double, std::string, Array, Object> v_ = nullptr;
};

// simdjson refuses integer literals beyond 64 bits (tokenizer_config.json's
// model_max_length is often 1e30 written out); this rewrites them, outside
// strings, as floats, which is what JavaScript readers of these files see.
std::string widen_big_integers(std::string_view text);

// Appends `s` as a JSON string literal (with quotes) to `out`.
void append_json_string(std::string& out, std::string_view s);
// Shortest text that reads back as the same double ("0.1", "1e-06", "10000.0" is written "10000.0").
std::string format_json_double(double d);

}  // namespace heft::util
