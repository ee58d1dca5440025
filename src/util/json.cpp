#include "util/json.h"

#include <fmt/format.h>
#include <simdjson.h>
#include <utf8proc.h>

#include <cmath>
#include <limits>

namespace heft::util {

Json::Json(uint64_t u) {
  if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    v_ = static_cast<int64_t>(u);
  else
    v_ = u;
}

int64_t Json::as_int() const {
  switch (kind()) {
    case Kind::Int: return std::get<int64_t>(v_);
    case Kind::UInt: return std::numeric_limits<int64_t>::max();
    case Kind::Double: {
      double d = std::get<double>(v_);
      if (!(d > -9.2e18 && d < 9.2e18)) return d < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
      return static_cast<int64_t>(d);
    }
    case Kind::Bool: return std::get<bool>(v_) ? 1 : 0;
    default: return 0;
  }
}

uint64_t Json::as_uint() const {
  if (kind() == Kind::UInt) return std::get<uint64_t>(v_);
  int64_t i = as_int();
  return i < 0 ? 0 : static_cast<uint64_t>(i);
}

double Json::as_double() const {
  switch (kind()) {
    case Kind::Int: return static_cast<double>(std::get<int64_t>(v_));
    case Kind::UInt: return static_cast<double>(std::get<uint64_t>(v_));
    case Kind::Double: return std::get<double>(v_);
    case Kind::Bool: return std::get<bool>(v_) ? 1.0 : 0.0;
    default: return 0.0;
  }
}

const Json* Json::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : as_object())
    if (k == key) return &v;
  return nullptr;
}

Json* Json::find(std::string_view key) {
  return const_cast<Json*>(static_cast<const Json*>(this)->find(key));
}

std::string Json::get_string(std::string_view key, std::string fallback) const {
  const Json* v = find(key);
  return v && v->is_string() ? v->as_string() : fallback;
}
int64_t Json::get_int(std::string_view key, int64_t fallback) const {
  const Json* v = find(key);
  return v && v->is_number() ? v->as_int() : fallback;
}
double Json::get_double(std::string_view key, double fallback) const {
  const Json* v = find(key);
  return v && v->is_number() ? v->as_double() : fallback;
}
bool Json::get_bool(std::string_view key, bool fallback) const {
  const Json* v = find(key);
  return v && v->is_bool() ? v->as_bool() : fallback;
}

void Json::set(std::string key, Json v) {
  if (Json* existing = find(key)) {
    *existing = std::move(v);
    return;
  }
  as_object().emplace_back(std::move(key), std::move(v));
}

size_t Json::size() const {
  if (is_array()) return as_array().size();
  if (is_object()) return as_object().size();
  return 0;
}

// ---------------------------------------------------------------- parsing

namespace {

constexpr size_t kMaxDepth = 512;

Result<Json> convert(simdjson::dom::element e, size_t depth, std::string_view source) {
  using simdjson::dom::element_type;
  if (depth > kMaxDepth) return fail("JSON nested too deeply", std::string(source));
  switch (e.type()) {
    case element_type::NULL_VALUE: return Json(nullptr);
    case element_type::BOOL: return Json(bool(e.get_bool().value_unsafe()));
    case element_type::INT64: return Json(int64_t(e.get_int64().value_unsafe()));
    case element_type::UINT64: return Json(uint64_t(e.get_uint64().value_unsafe()));
    case element_type::DOUBLE: return Json(double(e.get_double().value_unsafe()));
    case element_type::STRING: return Json(std::string(e.get_string().value_unsafe()));
    case element_type::ARRAY: {
      simdjson::dom::array a = e.get_array().value_unsafe();
      Json::Array out;
      out.reserve(a.size());
      for (simdjson::dom::element child : a) out.push_back(HEFT_TRY(convert(child, depth + 1, source)));
      return Json(std::move(out));
    }
    case element_type::OBJECT: {
      simdjson::dom::object o = e.get_object().value_unsafe();
      Json::Object out;
      out.reserve(o.size());
      for (auto field : o)
        out.emplace_back(std::string(field.key), HEFT_TRY(convert(field.value, depth + 1, source)));
      return Json(std::move(out));
    }
  }
  return fail("unknown JSON element", std::string(source));
}


}  // namespace

std::string widen_big_integers(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < text.size()) out.push_back(text[++i]);
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      out.push_back(c);
      continue;
    }
    bool starts_number = (c >= '0' && c <= '9') || (c == '-' && i + 1 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '9');
    if (!starts_number) {
      out.push_back(c);
      continue;
    }
    size_t j = i + (c == '-' ? 1 : 0);
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
    bool is_integer = j >= text.size() || (text[j] != '.' && text[j] != 'e' && text[j] != 'E');
    out.append(text.substr(i, j - i));
    if (is_integer && j - i > 19) out += ".0";
    i = j - 1;
  }
  return out;
}

Result<Json> Json::parse(std::string_view text, std::string_view source) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  auto err = parser.parse(simdjson::padded_string(text)).get(root);
  if (err == simdjson::NUMBER_ERROR)
    err = parser.parse(simdjson::padded_string(widen_big_integers(text))).get(root);
  if (err) return fail(std::string("invalid JSON: ") + simdjson::error_message(err), std::string(source));
  return convert(root, 0, source);
}

// ---------------------------------------------------------------- writing

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      // JSON text is UTF-8: copy valid sequences, replace invalid bytes with U+FFFD.
      utf8proc_int32_t cp;
      auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                                static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
      if (n > 0) {
        out.append(s.substr(i, static_cast<size_t>(n)));
        i += static_cast<size_t>(n) - 1;
      } else {
        out += "\xef\xbf\xbd";
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) out += fmt::format("\\u{:04x}", c);
        else out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
}

std::string format_json_double(double d) {
  if (std::isnan(d) || std::isinf(d)) return "null";  // JSON has no NaN/Infinity
  std::string s = fmt::format("{}", d);
  // Keep it recognisably a float, as Python's json does ("10000.0").
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

namespace {

void dump_to(const Json& j, std::string& out, int indent, int level) {
  auto newline = [&](int lvl) {
    if (indent < 0) return;
    out.push_back('\n');
    out.append(static_cast<size_t>(indent * lvl), ' ');
  };
  switch (j.kind()) {
    case Json::Kind::Null: out += "null"; break;
    case Json::Kind::Bool: out += j.as_bool() ? "true" : "false"; break;
    case Json::Kind::Int: out += std::to_string(j.as_int()); break;
    case Json::Kind::UInt: out += std::to_string(j.as_uint()); break;
    case Json::Kind::Double: out += format_json_double(j.as_double()); break;
    case Json::Kind::String: append_json_string(out, j.as_string()); break;
    case Json::Kind::Array: {
      const auto& a = j.as_array();
      out.push_back('[');
      for (size_t i = 0; i < a.size(); ++i) {
        if (i) out.push_back(',');
        newline(level + 1);
        dump_to(a[i], out, indent, level + 1);
      }
      if (!a.empty()) newline(level);
      out.push_back(']');
      break;
    }
    case Json::Kind::Object: {
      const auto& o = j.as_object();
      out.push_back('{');
      for (size_t i = 0; i < o.size(); ++i) {
        if (i) out.push_back(',');
        newline(level + 1);
        append_json_string(out, o[i].first);
        out += indent < 0 ? ":" : ": ";
        dump_to(o[i].second, out, indent, level + 1);
      }
      if (!o.empty()) newline(level);
      out.push_back('}');
      break;
    }
  }
}

}  // namespace

std::string Json::dump(int indent) const {
  std::string out;
  dump_to(*this, out, indent, 0);
  return out;
}

}  // namespace heft::util
