#include "chat/tool_call_grammar.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <vector>

#include "chat/tool_call_args.h"
#include "chat/tool_call_scan.h"
#include "grammar/gbnf_text.h"
#include "grammar/json_schema.h"

namespace heft::chat {

namespace {

using grammar::gbnf_literal;
using util::Json;

bool json_family(ToolFormat f) {
  switch (f) {
    case ToolFormat::Hermes:
    case ToolFormat::Llama3:
    case ToolFormat::MistralJson:
    case ToolFormat::MistralArgs:
    case ToolFormat::FunctionaryV31:
    case ToolFormat::FunctionaryV32: return true;
    default: return false;
  }
}

std::string class_char(char c) {
  auto u = static_cast<unsigned char>(c);
  bool plain = u >= 0x20 && u < 0x7F && c != '\\' && c != ']' && c != '[' && c != '^' && c != '-';
  if (plain) return std::string(1, c);
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", u);
  return buf;
}

// Rule `name` for any text that does not contain `stop`, whose first character
// occurs nowhere else in it (true of every closing tag used here): a '<' may
// start as much of the tag as it likes, as long as it breaks off before the end.
std::string raw_text_rules(const std::string& name, std::string_view stop) {
  std::string c0 = gbnf_literal(stop.substr(0, 1));
  std::string_view tail = stop.substr(1);
  std::string pfx, q;
  for (size_t k = 0; k < tail.size(); ++k) {
    if (k > 0) pfx += std::string(pfx.empty() ? "" : " | ") + gbnf_literal(tail.substr(0, k));
    q += std::string(q.empty() ? "" : " | ") + (k > 0 ? gbnf_literal(tail.substr(0, k)) + " " : "") + "[^" +
         class_char(tail[k]) + class_char(stop[0]) + "]";
  }
  std::string lead = pfx.empty() ? c0 : "(" + c0 + " " + name + "-pfx?)";
  std::string out;
  if (!pfx.empty()) out += name + "-pfx ::= " + pfx + "\n";
  out += name + "-q ::= " + q + "\n";
  out += name + " ::= ([^" + class_char(stop[0]) + "] | " + lead + "* " + c0 + " " + name + "-q)* " + lead + "*\n";
  return out;
}

// How one raw-valued family writes a call and its parameters.
struct RawSyntax {
  std::string_view stop;  // what ends a value
  std::string (*open)(std::string_view name);
  std::string close;
  std::string (*param_open)(std::string_view key);
  std::string param_close;
  bool (*key_ok)(std::string_view key);
};

bool glm_key(std::string_view k) {
  return !k.empty() && k.find("</arg_key>") == std::string_view::npos && detail::trim_space(k) == k;
}
bool minimax_key(std::string_view k) { return k.find('"') == std::string_view::npos && !k.empty(); }
bool xml_key(std::string_view k) { return k.find('>') == std::string_view::npos && detail::trim_space(k) == k && !k.empty(); }

const RawSyntax* raw_syntax(ToolFormat f) {
  static const RawSyntax glm{
      "</arg_value>", [](std::string_view n) { return "<tool_call>" + std::string(n) + "\n"; }, "</tool_call>",
      [](std::string_view k) { return "<arg_key>" + std::string(k) + "</arg_key>\n<arg_value>"; }, "</arg_value>\n",
      glm_key};
  static const RawSyntax minimax{
      "</parameter>", [](std::string_view n) { return "<invoke name=\"" + std::string(n) + "\">\n"; }, "</invoke>\n",
      [](std::string_view k) { return "<parameter name=\"" + std::string(k) + "\">"; }, "</parameter>\n", minimax_key};
  static const RawSyntax qwen{
      "</parameter>", [](std::string_view n) { return "<tool_call>\n<function=" + std::string(n) + ">\n"; },
      "</function>\n</tool_call>", [](std::string_view k) { return "<parameter=" + std::string(k) + ">\n"; },
      "\n</parameter>\n", xml_key};
  static const RawSyntax seed{
      "</parameter>", [](std::string_view n) { return "<seed:tool_call>\n<function=" + std::string(n) + ">\n"; },
      "</function>\n</seed:tool_call>", [](std::string_view k) { return "<parameter=" + std::string(k) + ">"; },
      "</parameter>\n", xml_key};
  switch (f) {
    case ToolFormat::Glm: return &glm;
    case ToolFormat::MiniMax: return &minimax;
    case ToolFormat::QwenXml: return &qwen;
    case ToolFormat::SeedOss: return &seed;
    default: return nullptr;
  }
}

bool is_annotation(std::string_view key) {
  for (std::string_view k : {"description", "title", "default", "examples", "$comment", "deprecated", "readOnly", "writeOnly"})
    if (key == k) return true;
  return false;
}

std::vector<std::string> types_of(const Json& schema) {
  std::vector<std::string> out;
  const Json* t = schema.find("type");
  if (t && t->is_string()) out.push_back(t->as_string());
  if (t && t->is_array())
    for (const Json& e : t->as_array())
      if (e.is_string()) out.push_back(e.as_string());
  return out;
}

// The rule for one raw parameter value, exact under raw_argument()'s reading.
util::Result<std::string> raw_value(const Json& p, const RawSyntax& syn, grammar::SchemaCompiler& compiler,
                                    const std::string& hint, std::string_view where) {
  auto types = types_of(p);
  bool has_string = std::find(types.begin(), types.end(), "string") != types.end();
  const Json* e = p.find("enum");
  const Json* c = p.find("const");
  bool string_enum = e && e->is_array() && !e->as_array().empty() &&
                     std::all_of(e->as_array().begin(), e->as_array().end(), [](const Json& v) { return v.is_string(); });
  bool string_only = (types.size() == 1 && has_string) || (types.empty() && string_enum);
  auto only_keys = [&](std::initializer_list<std::string_view> extra) {
    if (!p.is_object()) return false;
    for (const auto& [k, v] : p.as_object()) {
      (void)v;
      if (is_annotation(k) || std::find(extra.begin(), extra.end(), k) != extra.end()) continue;
      return false;
    }
    return true;
  };
  if (string_only) {
    if (!only_keys({"type", "enum", "const"}))
      return util::fail(std::string(where) + ": string constraints other than enum cannot be held in raw values");
    std::vector<std::string> values;
    if (e) {
      if (!string_enum) return util::fail(std::string(where) + ": enum of a string parameter must list strings");
      for (const Json& v : e->as_array()) values.push_back(v.as_string());
    }
    if (c) {
      if (!c->is_string()) return util::fail(std::string(where) + ": const of a string parameter must be a string");
      values = {c->as_string()};
    }
    if (values.empty()) return std::string("tc-raw");
    std::string alts;
    for (const auto& v : values) {
      if (v.find(syn.stop) != std::string::npos)
        return util::fail(std::string(where) + ": an enum value contains " + std::string(syn.stop));
      alts += (alts.empty() ? "" : " | ") + gbnf_literal(v);
    }
    return "(" + alts + ")";
  }
  if (has_string) {
    // Any text: raw_argument() keeps it a string unless it reads as one of the other listed types.
    if (!only_keys({"type"}))
      return util::fail(std::string(where) + ": a type list with \"string\" and constraints cannot be held in raw values");
    return std::string("tc-raw");
  }
  auto rule = compiler.add(p, hint);
  if (!rule) return util::fail(std::string(where) + ": " + rule.error().message);
  return *rule;
}

// The parameter sequence of one tool, in the order of its properties.
util::Result<std::string> raw_params(const Json* params, const RawSyntax& syn, grammar::SchemaCompiler& compiler,
                                     const std::string& hint, const std::string& tool) {
  if (!params) return std::string();
  if (!params->is_object()) return util::fail("tool '" + tool + "': parameters is not a JSON Schema object");
  for (const auto& [k, v] : params->as_object()) {
    if (k == "type") {
      if (!v.is_string() || v.as_string() != "object")
        return util::fail("tool '" + tool + "': parameters must be of type object");
    } else if (k != "properties" && k != "required" && k != "additionalProperties" && k != "$schema" &&
               k != "$defs" && k != "definitions" && !is_annotation(k)) {
      return util::fail("tool '" + tool + "': parameters use '" + k + "', which raw-valued tool calls cannot hold");
    }
  }
  const Json* props = params->find("properties");
  const Json* req = params->find("required");
  std::vector<std::string> required;
  if (req && req->is_array())
    for (const Json& r : req->as_array())
      if (r.is_string()) required.push_back(r.as_string());
  for (const auto& r : required)
    if (!props || !props->find(r)) return util::fail("tool '" + tool + "': required parameter '" + r + "' has no schema");
  if (!props) return std::string();
  if (!props->is_object()) return util::fail("tool '" + tool + "': properties is not an object");
  std::string seq;
  size_t n = 0;
  for (const auto& [key, schema] : props->as_object()) {
    std::string where = "tool '" + tool + "', parameter '" + key + "'";
    if (!syn.key_ok(key)) return util::fail(where + ": this name cannot be written in the call syntax");
    auto value = raw_value(schema, syn, compiler, hint + "-" + std::to_string(n++), where);
    if (!value) return std::unexpected(value.error());
    bool must = std::find(required.begin(), required.end(), key) != required.end();
    std::string item = gbnf_literal(syn.param_open(key)) + " " + *value + " " + gbnf_literal(syn.param_close);
    seq += (seq.empty() ? "" : " ") + (must ? item : "(" + item + ")?");
  }
  return seq;
}

// Literal text, a rule, literal text.
std::string around(const std::string& open, const std::string& rule, const std::string& close) {
  return gbnf_literal(open) + " " + rule + (close.empty() ? "" : " " + gbnf_literal(close));
}

// The call text around a JSON family's arguments rule.
std::string json_call(ToolFormat f, std::string_view name, const std::string& args) {
  std::string n(name);
  switch (f) {
    case ToolFormat::Hermes:
      return around("<tool_call>\n{\"name\": \"" + n + "\", \"arguments\": ", args, "}\n</tool_call>");
    case ToolFormat::Llama3: return around("{\"name\": \"" + n + "\", \"parameters\": ", args, "}");
    case ToolFormat::MistralJson:
      return around("{\"name\": \"" + n + "\", \"arguments\": ", args, ", \"id\": \"") + " [a-zA-Z0-9]{9} " +
             gbnf_literal("\"}");
    case ToolFormat::MistralArgs: return around("[TOOL_CALLS]" + n + "[ARGS]", args, "");
    case ToolFormat::FunctionaryV31: return around("<function=" + n + ">", args, "</function>");
    case ToolFormat::FunctionaryV32: return around(n + "\n", args, "");
    default: return {};
  }
}

// The whole reply: one call, or several with the family's separator.
std::string root_rule(ToolFormat f, bool parallel) {
  switch (f) {
    case ToolFormat::MistralJson:
      return around("[TOOL_CALLS][", parallel ? "tc-call (" + gbnf_literal(", ") + " tc-call)*" : "tc-call", "]");
    case ToolFormat::MistralArgs: return parallel ? "tc-call+" : "tc-call";
    case ToolFormat::MiniMax:
      return around("<minimax:tool_call>\n", parallel ? "tc-call+" : "tc-call", "</minimax:tool_call>");
    case ToolFormat::FunctionaryV32: return parallel ? "tc-call (" + gbnf_literal(">>>") + " tc-call)*" : "tc-call";
    case ToolFormat::Glm: return parallel ? "tc-call (" + gbnf_literal("\n") + "? tc-call)*" : "tc-call";
    default: return parallel ? "tc-call (" + gbnf_literal("\n") + " tc-call)*" : "tc-call";
  }
}

}  // namespace

util::Result<std::string> tool_call_gbnf(ToolFormat format, const Json& tools, std::optional<std::string> only_name,
                                         bool parallel) {
  if (format == ToolFormat::None) return util::fail("this model's chat template has no tool-call syntax heft can constrain");
  detail::ToolSet set(tools);
  std::vector<const Json*> fns;
  for (const Json* fn : set.functions())
    if (!only_name || fn->find("name")->as_string() == *only_name) fns.push_back(fn);
  if (fns.empty())
    return util::fail(only_name ? "tool_choice names '" + *only_name + "', which is not among the tools"
                                : std::string("tool_choice \"required\" needs at least one tool"));
  parallel = parallel && tool_format_parallel(format);
  const RawSyntax* raw = raw_syntax(format);
  grammar::SchemaCompiler compiler;
  std::string own, alts;
  bool uses_raw = false;
  static const Json any_object = Json(Json::Object{{"type", Json("object")}});
  for (size_t i = 0; i < fns.size(); ++i) {
    const std::string& name = fns[i]->find("name")->as_string();
    if (!detail::is_name(name))  // what the parsers read back as written
      return util::fail("tool name '" + name + "' cannot be written in this model's call syntax");
    const Json* params = fns[i]->find("parameters");
    std::string hint = "tool-" + std::to_string(i) + "-" + grammar::gbnf_name(name);
    std::string call = "tc-call-" + std::to_string(i), body;
    if (json_family(format)) {
      auto args = compiler.add(params ? *params : any_object, hint);
      if (!args) return util::fail("tool '" + name + "': " + args.error().message);
      body = json_call(format, name, *args);
    } else {
      auto seq = raw_params(params, *raw, compiler, hint, name);
      if (!seq) return std::unexpected(seq.error());
      uses_raw |= seq->find("tc-raw") != std::string::npos;
      body = gbnf_literal(raw->open(name)) + (seq->empty() ? "" : " " + *seq) + " " + gbnf_literal(raw->close);
    }
    own += call + " ::= " + body + "\n";
    alts += (alts.empty() ? "" : " | ") + call;
  }
  std::string out = "root ::= " + root_rule(format, parallel) + "\ntc-call ::= " + alts + "\n" + own;
  if (uses_raw) out += raw_text_rules("tc-raw", raw->stop);
  return out + compiler.rules();
}

}  // namespace heft::chat
