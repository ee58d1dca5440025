#include "chat/tool_call_args.h"

#include <algorithm>
#include <cctype>

namespace heft::chat::detail {

using util::Json;

bool is_json_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

std::string_view trim_space(std::string_view s) {
  while (!s.empty() && is_json_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_json_space(s.back())) s.remove_suffix(1);
  return s;
}

// ------------------------------------------------------------------ tools

ToolSet::ToolSet(const Json& tools) {
  if (!tools.is_array()) return;
  for (const Json& t : tools.as_array()) {
    const Json* f = t.find("function");
    if (!f || !f->is_object()) f = &t;  // a bare function object
    const Json* name = f->find("name");
    if (name && name->is_string()) functions_.push_back(f);
  }
}

const Json* ToolSet::find(std::string_view name) const {
  for (const Json* f : functions_)
    if (f->find("name")->as_string() == name) return f;
  return nullptr;
}

const Json* ToolSet::parameter_schema(std::string_view tool, std::string_view param) const {
  const Json* f = find(tool);
  const Json* params = f ? f->find("parameters") : nullptr;
  const Json* props = params ? params->find("properties") : nullptr;
  return props ? props->find(param) : nullptr;
}

// ------------------------------------------------------------ JSON text

JsonSpan scan_json(std::string_view s, size_t at, bool at_end) {
  if (at >= s.size()) return {at_end ? Scan::Bad : Scan::NeedMore, at};
  char c0 = s[at];
  if (c0 != '{' && c0 != '[' && c0 != '"') {
    // A scalar: the run of characters a number or literal can hold.
    size_t i = at;
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '-' || s[i] == '+' || s[i] == '.'))
      ++i;
    if (i == at) return {Scan::Bad, at};
    if (i == s.size() && !at_end) return {Scan::NeedMore, i};
    return {Scan::Done, i};
  }
  std::string closers;  // the brackets still open, innermost last
  bool in_string = false, escaped = false;
  for (size_t i = at; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') {
        in_string = false;
        if (closers.empty()) return {Scan::Done, i + 1};
      }
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '{': closers.push_back('}'); break;
      case '[': closers.push_back(']'); break;
      case '}':
      case ']':
        if (closers.empty() || closers.back() != c) return {Scan::Bad, i};
        closers.pop_back();
        if (closers.empty()) return {Scan::Done, i + 1};
        break;
      default: break;
    }
  }
  return {at_end ? Scan::Bad : Scan::NeedMore, s.size()};
}

std::string compact_json(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool in_string = false, escaped = false;
  for (char c : s) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (is_json_space(c)) {
      continue;
    }
    out.push_back(c);
  }
  return out;
}

util::Result<std::string> json_arguments(std::string_view value) {
  value = trim_space(value);
  auto parsed = Json::parse(value);
  if (!parsed) return util::fail("arguments are not valid JSON");
  if (parsed->is_object()) return compact_json(value);
  if (parsed->is_string()) {
    std::string_view inner = trim_space(parsed->as_string());
    auto again = Json::parse(inner);
    if (again && again->is_object()) return compact_json(inner);
  }
  if (parsed->is_null()) return std::string("{}");
  return util::fail("arguments are not a JSON object");
}

// --------------------------------------------------------- raw values

namespace {

// The schema's "type" as a list ("string", or ["string", "null"]); empty when absent.
std::vector<std::string> schema_types(const Json* schema) {
  std::vector<std::string> out;
  const Json* t = schema ? schema->find("type") : nullptr;
  if (t && t->is_string()) out.push_back(t->as_string());
  if (t && t->is_array())
    for (const Json& e : t->as_array())
      if (e.is_string()) out.push_back(e.as_string());
  if (out.empty() && schema) {
    // enum/const of strings only: a string.
    const Json* e = schema->find("enum");
    if (e && e->is_array() && !e->as_array().empty() &&
        std::all_of(e->as_array().begin(), e->as_array().end(), [](const Json& v) { return v.is_string(); }))
      out.push_back("string");
  }
  return out;
}

bool kind_fits(const Json& v, std::string_view type) {
  if (type == "number" || type == "integer") return v.is_number();
  if (type == "boolean") return v.is_bool();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "null") return v.is_null();
  if (type == "string") return v.is_string();
  return false;
}

std::string string_literal(std::string_view s) {
  std::string out;
  util::append_json_string(out, s);
  return out;
}

}  // namespace

util::Result<std::string> raw_argument(std::string_view raw, const Json* schema) {
  auto types = schema_types(schema);
  auto has_type = [&](std::string_view t) { return std::find(types.begin(), types.end(), t) != types.end(); };
  if (types.size() == 1 && types[0] == "string") return string_literal(raw);
  std::string_view text = trim_space(raw);
  auto parsed = text.empty() ? util::Result<Json>(util::fail("empty")) : Json::parse(text);
  if (types.empty()) return parsed ? compact_json(text) : string_literal(raw);
  auto fits = [&](const std::string& t) { return t != "string" && kind_fits(*parsed, t); };
  if (parsed && std::any_of(types.begin(), types.end(), fits)) return compact_json(text);
  if (has_type("boolean") && (text == "True" || text == "False")) return std::string(text == "True" ? "true" : "false");
  if (has_type("null") && text == "None") return std::string("null");
  if (has_type("string")) return string_literal(raw);
  std::string names;
  for (const auto& t : types) names += (names.empty() ? "" : " or ") + t;
  return util::fail("value is not of type " + names);
}

}  // namespace heft::chat::detail
