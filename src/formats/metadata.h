#pragma once
// Typed metadata values as GGUF stores them. Every reader produces these (the
// safetensors/HF readers translate into GGUF key names), so the rest of heft
// asks one kind of store. Types are kept exactly so a GGUF round-trips.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "util/json.h"

namespace heft::formats {

enum class ValueType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, Bool = 7,
  String = 8, Array = 9, U64 = 10, I64 = 11, F64 = 12,
};

std::string_view value_type_name(ValueType t);   // "UINT32", "STRING", ...
bool is_valid_value_type(uint32_t t);
size_t scalar_size(ValueType t);                  // bytes of a fixed-size scalar; 0 for String/Array

// One metadata value. Scalars live in `scalar`; arrays keep their element type
// and store numbers packed as in the file (little-endian), strings as strings,
// nested arrays as values.
struct MetaValue {
  ValueType type = ValueType::U32;
  std::variant<std::monostate, uint64_t, int64_t, double, bool, std::string> scalar;

  ValueType elem_type = ValueType::U8;  // arrays only
  uint64_t count = 0;                   // arrays only
  std::vector<uint8_t> packed;          // numeric/bool elements
  std::vector<std::string> strings;     // string elements
  std::vector<MetaValue> nested;        // array elements

  static MetaValue u32(uint32_t v) { return of_uint(ValueType::U32, v); }
  static MetaValue u64(uint64_t v) { return of_uint(ValueType::U64, v); }
  static MetaValue i32(int32_t v) { return of_int(ValueType::I32, v); }
  static MetaValue f32(float v) { return of_float(ValueType::F32, v); }
  static MetaValue boolean(bool v);
  static MetaValue string(std::string v);
  static MetaValue of_uint(ValueType t, uint64_t v);
  static MetaValue of_int(ValueType t, int64_t v);
  static MetaValue of_float(ValueType t, double v);
  static MetaValue string_array(std::vector<std::string> v);
  static MetaValue f32_array(const std::vector<float>& v);
  static MetaValue i32_array(const std::vector<int32_t>& v);

  bool is_array() const { return type == ValueType::Array; }
  // Scalars converted when the conversion is exact enough for hyper-parameters.
  std::optional<int64_t> as_int() const;
  std::optional<double> as_float() const;
  std::optional<bool> as_bool() const;
  const std::string* as_string() const;

  // Array element access (numeric arrays).
  double float_at(uint64_t i) const;
  int64_t int_at(uint64_t i) const;

  // As JSON. Arrays longer than `max_array` (when >= 0) become {"type": T, "length": N}.
  util::Json to_json(int64_t max_array = -1) const;
};

// Metadata in file order, with lookup by key.
class Metadata {
 public:
  // False when the key already exists (the value is not stored).
  bool add(std::string key, MetaValue value);
  void set(const std::string& key, MetaValue value);  // replaces or appends
  bool erase(const std::string& key);
  const MetaValue* find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }

  std::optional<int64_t> get_int(std::string_view key) const;
  std::optional<double> get_float(std::string_view key) const;
  std::optional<bool> get_bool(std::string_view key) const;
  std::optional<std::string> get_string(std::string_view key) const;

  const std::vector<std::pair<std::string, MetaValue>>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }

 private:
  std::vector<std::pair<std::string, MetaValue>> entries_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace heft::formats
