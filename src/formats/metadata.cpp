#include "formats/metadata.h"

#include <cstring>

namespace heft::formats {

std::string_view value_type_name(ValueType t) {
  switch (t) {
    case ValueType::U8: return "UINT8";
    case ValueType::I8: return "INT8";
    case ValueType::U16: return "UINT16";
    case ValueType::I16: return "INT16";
    case ValueType::U32: return "UINT32";
    case ValueType::I32: return "INT32";
    case ValueType::F32: return "FLOAT32";
    case ValueType::Bool: return "BOOL";
    case ValueType::String: return "STRING";
    case ValueType::Array: return "ARRAY";
    case ValueType::U64: return "UINT64";
    case ValueType::I64: return "INT64";
    case ValueType::F64: return "FLOAT64";
  }
  return "?";
}

bool is_valid_value_type(uint32_t t) { return t <= static_cast<uint32_t>(ValueType::F64); }

size_t scalar_size(ValueType t) {
  switch (t) {
    case ValueType::U8: case ValueType::I8: case ValueType::Bool: return 1;
    case ValueType::U16: case ValueType::I16: return 2;
    case ValueType::U32: case ValueType::I32: case ValueType::F32: return 4;
    case ValueType::U64: case ValueType::I64: case ValueType::F64: return 8;
    default: return 0;
  }
}

MetaValue MetaValue::of_uint(ValueType t, uint64_t v) {
  MetaValue m;
  m.type = t;
  m.scalar = v;
  return m;
}
MetaValue MetaValue::of_int(ValueType t, int64_t v) {
  MetaValue m;
  m.type = t;
  m.scalar = v;
  return m;
}
MetaValue MetaValue::of_float(ValueType t, double v) {
  MetaValue m;
  m.type = t;
  m.scalar = t == ValueType::F32 ? static_cast<double>(static_cast<float>(v)) : v;
  return m;
}
MetaValue MetaValue::boolean(bool v) {
  MetaValue m;
  m.type = ValueType::Bool;
  m.scalar = v;
  return m;
}
MetaValue MetaValue::string(std::string v) {
  MetaValue m;
  m.type = ValueType::String;
  m.scalar = std::move(v);
  return m;
}
MetaValue MetaValue::string_array(std::vector<std::string> v) {
  MetaValue m;
  m.type = ValueType::Array;
  m.elem_type = ValueType::String;
  m.count = v.size();
  m.strings = std::move(v);
  return m;
}
MetaValue MetaValue::f32_array(const std::vector<float>& v) {
  MetaValue m;
  m.type = ValueType::Array;
  m.elem_type = ValueType::F32;
  m.count = v.size();
  m.packed.resize(v.size() * 4);
  if (!v.empty()) std::memcpy(m.packed.data(), v.data(), m.packed.size());
  return m;
}
MetaValue MetaValue::i32_array(const std::vector<int32_t>& v) {
  MetaValue m;
  m.type = ValueType::Array;
  m.elem_type = ValueType::I32;
  m.count = v.size();
  m.packed.resize(v.size() * 4);
  if (!v.empty()) std::memcpy(m.packed.data(), v.data(), m.packed.size());
  return m;
}

std::optional<int64_t> MetaValue::as_int() const {
  if (auto* u = std::get_if<uint64_t>(&scalar)) return static_cast<int64_t>(*u);
  if (auto* i = std::get_if<int64_t>(&scalar)) return *i;
  if (auto* b = std::get_if<bool>(&scalar)) return *b ? 1 : 0;
  return std::nullopt;
}
std::optional<double> MetaValue::as_float() const {
  if (auto* d = std::get_if<double>(&scalar)) return *d;
  if (auto i = as_int(); i && type != ValueType::Bool) return static_cast<double>(*i);
  return std::nullopt;
}
std::optional<bool> MetaValue::as_bool() const {
  if (auto* b = std::get_if<bool>(&scalar)) return *b;
  return std::nullopt;
}
const std::string* MetaValue::as_string() const { return std::get_if<std::string>(&scalar); }

namespace {

template <class T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

double MetaValue::float_at(uint64_t i) const {
  size_t sz = scalar_size(elem_type);
  if (sz == 0 || (i + 1) * sz > packed.size()) return 0.0;
  const uint8_t* p = packed.data() + i * sz;
  switch (elem_type) {
    case ValueType::F32: return load<float>(p);
    case ValueType::F64: return load<double>(p);
    default: return static_cast<double>(int_at(i));
  }
}

int64_t MetaValue::int_at(uint64_t i) const {
  size_t sz = scalar_size(elem_type);
  if (sz == 0 || (i + 1) * sz > packed.size()) return 0;
  const uint8_t* p = packed.data() + i * sz;
  switch (elem_type) {
    case ValueType::U8: return load<uint8_t>(p);
    case ValueType::I8: return load<int8_t>(p);
    case ValueType::Bool: return load<uint8_t>(p) != 0;
    case ValueType::U16: return load<uint16_t>(p);
    case ValueType::I16: return load<int16_t>(p);
    case ValueType::U32: return load<uint32_t>(p);
    case ValueType::I32: return load<int32_t>(p);
    case ValueType::U64: return static_cast<int64_t>(load<uint64_t>(p));
    case ValueType::I64: return load<int64_t>(p);
    case ValueType::F32: return static_cast<int64_t>(load<float>(p));
    case ValueType::F64: return static_cast<int64_t>(load<double>(p));
    default: return 0;
  }
}

namespace {

util::Json element_json(const MetaValue& v, uint64_t i) {
  switch (v.elem_type) {
    case ValueType::F32: case ValueType::F64: return util::Json(v.float_at(i));
    case ValueType::Bool: return util::Json(v.int_at(i) != 0);
    case ValueType::U64: {
      uint64_t u;
      std::memcpy(&u, v.packed.data() + i * 8, 8);
      return util::Json(u);
    }
    default: return util::Json(v.int_at(i));
  }
}

}  // namespace

util::Json MetaValue::to_json(int64_t max_array) const {
  if (type != ValueType::Array) {
    return std::visit(
        [&](const auto& s) -> util::Json {
          using S = std::decay_t<decltype(s)>;
          if constexpr (std::is_same_v<S, std::monostate>) return util::Json(nullptr);
          else return util::Json(s);
        },
        scalar);
  }
  if (max_array >= 0 && count > static_cast<uint64_t>(max_array)) {
    util::Json o = util::Json::object();
    o.set("type", util::Json(std::string(value_type_name(elem_type))));
    o.set("length", util::Json(count));
    return o;
  }
  util::Json a = util::Json::array();
  for (uint64_t i = 0; i < count; ++i) {
    if (elem_type == ValueType::String) a.push_back(util::Json(strings[i]));
    else if (elem_type == ValueType::Array) a.push_back(nested[i].to_json(max_array));
    else a.push_back(element_json(*this, i));
  }
  return a;
}

bool Metadata::add(std::string key, MetaValue value) {
  if (index_.contains(key)) return false;
  index_.emplace(key, entries_.size());
  entries_.emplace_back(std::move(key), std::move(value));
  return true;
}

void Metadata::set(const std::string& key, MetaValue value) {
  if (auto it = index_.find(key); it != index_.end()) {
    entries_[it->second].second = std::move(value);
    return;
  }
  add(key, std::move(value));
}

bool Metadata::erase(const std::string& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  entries_.erase(entries_.begin() + static_cast<ptrdiff_t>(it->second));
  index_.clear();
  for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first, i);
  return true;
}

const MetaValue* Metadata::find(std::string_view key) const {
  auto it = index_.find(std::string(key));
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

std::optional<int64_t> Metadata::get_int(std::string_view key) const {
  const MetaValue* v = find(key);
  return v ? v->as_int() : std::nullopt;
}
std::optional<double> Metadata::get_float(std::string_view key) const {
  const MetaValue* v = find(key);
  return v ? v->as_float() : std::nullopt;
}
std::optional<bool> Metadata::get_bool(std::string_view key) const {
  const MetaValue* v = find(key);
  return v ? v->as_bool() : std::nullopt;
}
std::optional<std::string> Metadata::get_string(std::string_view key) const {
  const MetaValue* v = find(key);
  if (!v || !v->as_string()) return std::nullopt;
  return *v->as_string();
}

}  // namespace heft::formats
