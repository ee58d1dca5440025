#include "chat/tool_call_blocks.h"

#include <cctype>
#include <initializer_list>
#include <optional>

#include "chat/tool_call_scan.h"

namespace heft::chat::detail {

using util::Json;

namespace {

// <tool_call>\n{"name": N, "arguments": {...}}\n</tool_call>
Block parse_hermes(std::string_view s, bool at_end, const ToolSet& tools) {
  Block b;
  Cur c{s, std::string_view("<tool_call>").size()};
  c.ws();
  if (c.eof()) return need(std::move(b), at_end, "<tool_call>");
  if (c.peek() != '{') return invalid("expected a JSON object after <tool_call>");
  Walk w = walk_call(s, c.i, at_end, tools);
  report(b, w);
  if (w.status == BlockStatus::NeedMore) return need(std::move(b), at_end, "<tool_call>");
  if (w.status != BlockStatus::Done) return invalid(w.reason);
  c.i = w.end;
  c.ws();
  if (c.eof() && at_end) return done(std::move(b), c, at_end);  // the closing tag left out at the very end
  switch (take(c, "</tool_call>")) {
    case Lit::Yes: return done(std::move(b), c, at_end);
    case Lit::More: return need(std::move(b), at_end, "<tool_call>");
    case Lit::No: break;
  }
  return invalid("expected </tool_call> after the tool call object");
}

// Python-style keyword arguments of Llama 3.1's built-in tools: name.call(query="...").
std::optional<std::string> python_kwargs(Cur& c) {
  RawArgs args;
  for (bool first = true;; first = false) {
    c.ws();
    if (c.eof()) return std::nullopt;
    if (c.peek() == ')') {
      ++c.i;
      return args.text + "}";
    }
    if (!first) {
      if (c.peek() != ',') return std::nullopt;
      ++c.i;
      c.ws();
    }
    size_t k = c.i;
    while (!c.eof() && (std::isalnum(static_cast<unsigned char>(c.peek())) || c.peek() == '_')) ++c.i;
    std::string_view key = c.s.substr(k, c.i - k);
    c.ws();
    if (key.empty() || take(c, "=") != Lit::Yes) return std::nullopt;
    c.ws();
    if (c.eof()) return std::nullopt;
    char q = c.peek();
    if (q == '"' || q == '\'') {
      std::string value;
      for (++c.i; !c.eof() && c.peek() != q; ++c.i) {
        char ch = c.peek();
        if (ch == '\\' && c.i + 1 < c.s.size()) {
          char e = c.s[++c.i];
          ch = e == 'n' ? '\n' : e == 't' ? '\t' : e;
        }
        value += ch;
      }
      if (c.eof()) return std::nullopt;
      ++c.i;
      args.add(key, string_literal(value));
    } else {
      size_t v = c.i;
      while (!c.eof() && c.peek() != ',' && c.peek() != ')') ++c.i;
      std::string_view word = trim_space(c.s.substr(v, c.i - v));
      if (word == "True" || word == "False") args.add(key, word == "True" ? "true" : "false");
      else if (word == "None") args.add(key, "null");
      else if (auto num = Json::parse(word); num && num->is_number()) args.add(key, word);
      else return std::nullopt;
    }
  }
}

// <|python_tag|> and what follows to the end of the reply: a JSON call, a
// built-in call (brave_search.call(query="...")), or code for the code tool.
Block python_tag(std::string_view s, bool at_end, const ToolSet& tools, std::initializer_list<std::string_view> code_tools) {
  if (!at_end) return Block{};  // the code runs to the end of the reply
  Block b;
  std::string_view tag = "<|python_tag|>";
  std::string_view body = trim_space(s.substr(tag.size()));
  Cur c{s, tag.size()};
  c.ws();
  if (body.starts_with('{')) {
    Walk w = walk_call(s, c.i, at_end, tools);
    if (w.status != BlockStatus::Done) return invalid(w.reason.empty() ? "bad tool call after <|python_tag|>" : w.reason);
    report(b, w);
    Cur after{s, w.end};
    after.ws();
    if (!after.eof()) return invalid("text after the tool call");
    return done(std::move(b), after, at_end);
  }
  size_t name_end = c.i;
  while (name_end < s.size() && (std::isalnum(static_cast<unsigned char>(s[name_end])) || s[name_end] == '_')) ++name_end;
  std::string_view name = s.substr(c.i, name_end - c.i);
  if (!name.empty() && s.substr(name_end).starts_with(".call(")) {
    if (!tools.has(name)) return invalid(unknown_tool(name));
    Cur a{s, name_end + std::string_view(".call(").size()};
    auto args = python_kwargs(a);
    a.ws();
    if (!args || !a.eof()) return invalid("bad arguments in the call of " + std::string(name));
    b.calls.push_back({std::string(name), *args});
    return done(std::move(b), a, at_end);
  }
  for (auto tool : code_tools) {
    if (!tools.has(tool)) continue;
    b.calls.push_back({std::string(tool), "{\"code\":" + string_literal(body) + "}"});
    b.status = BlockStatus::Done;
    b.end = s.size();
    return b;
  }
  return invalid("code after <|python_tag|> but no python or code_interpreter tool");
}

// {"name": N, "parameters": {...}} as the whole reply (after optional whitespace).
Block parse_llama3_start(std::string_view s, bool at_end, const ToolSet& tools) {
  Block b;
  Cur c{s};
  c.ws();
  if (c.eof()) return at_end ? not_call(0) : b;
  if (c.peek() != '{') return not_call(0);
  Walk w = walk_call(s, c.i, at_end, tools, true);
  report(b, w);
  switch (w.status) {
    case BlockStatus::NotCall: return not_call(0);
    case BlockStatus::Invalid: return invalid(w.reason);
    case BlockStatus::NeedMore: return need(std::move(b), at_end, "a tool call");
    case BlockStatus::Done: break;
  }
  c.i = w.end;
  return done(std::move(b), c, at_end);
}

Block parse_llama3_tag(std::string_view s, bool at_end, const ToolSet& tools) {
  return python_tag(s, at_end, tools, {"code_interpreter", "python"});
}

// [TOOL_CALLS]N[CALL_ID]id[ARGS]{...}, or [TOOL_CALLS][{"name": N, "arguments": {...}, "id": ...}, ...]
Block parse_mistral(std::string_view s, bool at_end, const ToolSet& tools) {
  Block b;
  Cur c{s, std::string_view("[TOOL_CALLS]").size()};
  c.ws();
  if (c.eof()) return need(std::move(b), at_end, "[TOOL_CALLS]");
  if (c.peek() == '[') {
    b = call_array(std::move(b), c, at_end, tools);
    return b.status == BlockStatus::Done ? done(std::move(b), c, at_end) : b;
  }
  size_t open = s.find('[', c.i);
  if (open == std::string_view::npos) {
    if (!is_name(c.rest())) return invalid("expected a tool name after [TOOL_CALLS]");
    return need(std::move(b), at_end, "[TOOL_CALLS]");
  }
  std::string_view name = trim_space(s.substr(c.i, open - c.i));
  if (!is_name(name)) return invalid("expected a tool name after [TOOL_CALLS]");
  if (!tools.has(name)) return invalid(unknown_tool(name));
  b.calls.push_back({std::string(name), ""});
  c.i = open;
  switch (take(c, "[CALL_ID]")) {
    case Lit::More: return need(std::move(b), at_end, "[TOOL_CALLS]");
    case Lit::Yes: {
      size_t next = s.find('[', c.i);
      if (next == std::string_view::npos) return need(std::move(b), at_end, "[TOOL_CALLS]");
      c.i = next;
      break;
    }
    case Lit::No: break;
  }
  switch (take(c, "[ARGS]")) {
    case Lit::More: return need(std::move(b), at_end, "[TOOL_CALLS]");
    case Lit::No: return invalid("expected [ARGS] after the tool name");
    case Lit::Yes: break;
  }
  b = json_args_of_last(std::move(b), c, at_end);
  return b.status == BlockStatus::Done ? done(std::move(b), c, at_end) : b;
}

// <tool_call>N\n<arg_key>k</arg_key>\n<arg_value>v</arg_value>\n</tool_call>
Block parse_glm(std::string_view s, bool at_end, const ToolSet& tools) {
  Block b;
  Cur c{s, std::string_view("<tool_call>").size()};
  size_t name_end = s.find_first_of("\n<", c.i);
  if (name_end == std::string_view::npos) return need(std::move(b), at_end, "<tool_call>");
  std::string_view name = trim_space(s.substr(c.i, name_end - c.i));
  if (!is_name(name)) return invalid("expected a tool name after <tool_call>");
  if (!tools.has(name)) return invalid(unknown_tool(name));
  b.calls.push_back({std::string(name), "{"});
  RawArgs args;
  c.i = name_end;
  for (;;) {
    c.ws();
    if (c.eof() && at_end) {  // the closing tag left out at the very end
      b.calls.back().arguments = args.text + "}";
      return done(std::move(b), c, at_end);
    }
    switch (take(c, "</tool_call>")) {
      case Lit::Yes:
        b.calls.back().arguments = args.text + "}";
        return done(std::move(b), c, at_end);
      case Lit::More: return need(std::move(b), at_end, "<tool_call>");
      case Lit::No: break;
    }
    switch (take(c, "<arg_key>")) {
      case Lit::More: return need(std::move(b), at_end, "<tool_call>");
      case Lit::No: return invalid("expected <arg_key> or </tool_call>");
      case Lit::Yes: break;
    }
    size_t key_end = s.find("</arg_key>", c.i);
    if (key_end == std::string_view::npos) return need(std::move(b), at_end, "<arg_key>");
    std::string_view key = trim_space(s.substr(c.i, key_end - c.i));
    c.i = key_end + std::string_view("</arg_key>").size();
    c.ws();
    switch (take(c, "<arg_value>")) {
      case Lit::More: return need(std::move(b), at_end, "<tool_call>");
      case Lit::No: return invalid("expected <arg_value> after </arg_key>");
      case Lit::Yes: break;
    }
    size_t value_end = s.find("</arg_value>", c.i);
    if (value_end == std::string_view::npos) return need(std::move(b), at_end, "<arg_value>");
    std::string reason;
    if (!add_raw(b, args, tools, key, s.substr(c.i, value_end - c.i), reason)) return invalid(reason);
    c.i = value_end + std::string_view("</arg_value>").size();
  }
}

// <minimax:tool_call>\n<invoke name="N">\n<parameter name="k">v</parameter>\n</invoke>\n</minimax:tool_call>
Block parse_minimax(std::string_view s, bool at_end, const ToolSet& tools) {
  Block b;
  Cur c{s, std::string_view("<minimax:tool_call>").size()};
  for (;;) {
    c.ws();
    if (c.eof() && at_end && !b.calls.empty()) return done(std::move(b), c, at_end);  // closing tag left out at the end
    switch (take(c, "</minimax:tool_call>")) {
      case Lit::Yes:
        if (b.calls.empty()) return invalid("no <invoke> in <minimax:tool_call>");
        return done(std::move(b), c, at_end);
      case Lit::More: return need(std::move(b), at_end, "<minimax:tool_call>");
      case Lit::No: break;
    }
    switch (take(c, "<invoke name=\"")) {
      case Lit::More: return need(std::move(b), at_end, "<minimax:tool_call>");
      case Lit::No: return invalid("expected <invoke name=\"...\"> or </minimax:tool_call>");
      case Lit::Yes: break;
    }
    size_t quote = s.find('"', c.i);
    if (quote == std::string_view::npos) return need(std::move(b), at_end, "<invoke>");
    std::string_view name = s.substr(c.i, quote - c.i);
    if (!tools.has(name)) return invalid(unknown_tool(name));
    c.i = quote + 1;
    switch (take(c, ">")) {
      case Lit::More: return need(std::move(b), at_end, "<invoke>");
      case Lit::No: return invalid("expected '>' after the invoke name");
      case Lit::Yes: break;
    }
    b.calls.push_back({std::string(name), "{"});
    RawArgs args;
    for (bool closed = false; !closed;) {
      c.ws();
      switch (take(c, "</invoke>")) {
        case Lit::Yes:
          b.calls.back().arguments = args.text + "}";
          closed = true;
          continue;
        case Lit::More: return need(std::move(b), at_end, "<invoke>");
        case Lit::No: break;
      }
      switch (take(c, "<parameter name=\"")) {
        case Lit::More: return need(std::move(b), at_end, "<invoke>");
        case Lit::No: return invalid("expected <parameter name=\"...\"> or </invoke>");
        case Lit::Yes: break;
      }
      size_t key_end = s.find("\">", c.i);
      if (key_end == std::string_view::npos) return need(std::move(b), at_end, "<parameter>");
      std::string_view key = s.substr(c.i, key_end - c.i);
      c.i = key_end + 2;
      size_t value_end = s.find("</parameter>", c.i);
      if (value_end == std::string_view::npos) return need(std::move(b), at_end, "<parameter>");
      std::string reason;
      if (!add_raw(b, args, tools, key, s.substr(c.i, value_end - c.i), reason)) return invalid(reason);
      c.i = value_end + std::string_view("</parameter>").size();
    }
  }
}

// <open>\n<function=N>\n<parameter=k>\nv\n</parameter>\n</function>\n<close>, one or more functions.
Block xml_functions(std::string_view s, bool at_end, const ToolSet& tools, std::string_view open, std::string_view close,
                    bool value_lines) {
  Block b;
  Cur c{s, open.size()};
  for (;;) {
    c.ws();
    if (c.eof() && at_end && !b.calls.empty()) return done(std::move(b), c, at_end);  // closing tag left out at the end
    switch (take(c, close)) {
      case Lit::Yes:
        if (b.calls.empty()) return invalid("no <function=...> in " + std::string(open));
        return done(std::move(b), c, at_end);
      case Lit::More: return need(std::move(b), at_end, open);
      case Lit::No: break;
    }
    switch (take(c, "<function=")) {
      case Lit::More: return need(std::move(b), at_end, open);
      case Lit::No: return invalid("expected <function=...> or " + std::string(close));
      case Lit::Yes: break;
    }
    size_t gt = s.find('>', c.i);
    if (gt == std::string_view::npos) return need(std::move(b), at_end, "<function=...>");
    std::string_view name = trim_space(s.substr(c.i, gt - c.i));
    if (!tools.has(name)) return invalid(unknown_tool(name));
    b.calls.push_back({std::string(name), "{"});
    RawArgs args;
    c.i = gt + 1;
    for (bool closed = false; !closed;) {
      c.ws();
      switch (take(c, "</function>")) {
        case Lit::Yes:
          b.calls.back().arguments = args.text + "}";
          closed = true;
          continue;
        case Lit::More: return need(std::move(b), at_end, "<function=...>");
        case Lit::No: break;
      }
      switch (take(c, "<parameter=")) {
        case Lit::More: return need(std::move(b), at_end, "<function=...>");
        case Lit::No: return invalid("expected <parameter=...> or </function>");
        case Lit::Yes: break;
      }
      size_t key_end = s.find('>', c.i);
      if (key_end == std::string_view::npos) return need(std::move(b), at_end, "<parameter=...>");
      std::string_view key = trim_space(s.substr(c.i, key_end - c.i));
      c.i = key_end + 1;
      size_t value_end = s.find("</parameter>", c.i);
      if (value_end == std::string_view::npos) return need(std::move(b), at_end, "<parameter=...>");
      // Qwen writes each value on lines of its own; Seed-OSS right between the tags.
      std::string_view raw = s.substr(c.i, value_end - c.i);
      if (value_lines && raw.starts_with('\n')) raw.remove_prefix(1);
      if (value_lines && raw.ends_with('\n')) raw.remove_suffix(1);
      std::string reason;
      if (!add_raw(b, args, tools, key, raw, reason)) return invalid(reason);
      c.i = value_end + std::string_view("</parameter>").size();
    }
  }
}

Block parse_qwen_xml(std::string_view s, bool at_end, const ToolSet& tools) {
  return xml_functions(s, at_end, tools, "<tool_call>", "</tool_call>", true);
}

Block parse_seed_oss(std::string_view s, bool at_end, const ToolSet& tools) {
  return xml_functions(s, at_end, tools, "<seed:tool_call>", "</seed:tool_call>", false);
}

// <function=N>{...}</function>
Block parse_functionary_v31(std::string_view s, bool at_end, const ToolSet& tools) {
  if (s.starts_with("<|python_tag|>")) return python_tag(s, at_end, tools, {"python", "code_interpreter"});
  Block b;
  Cur c{s, std::string_view("<function=").size()};
  size_t gt = s.find('>', c.i);
  if (gt == std::string_view::npos) {
    if (!is_name(c.rest()) && !c.rest().empty()) return invalid("expected a tool name after <function=");
    return need(std::move(b), at_end, "<function=...>");
  }
  std::string_view name = s.substr(c.i, gt - c.i);
  if (!is_name(name)) return invalid("expected a tool name after <function=");
  if (!tools.has(name)) return invalid(unknown_tool(name));
  b.calls.push_back({std::string(name), ""});
  c.i = gt + 1;
  b = json_args_of_last(std::move(b), c, at_end);
  if (b.status != BlockStatus::Done) return b;
  c.ws();
  if (c.eof() && at_end) return done(std::move(b), c, at_end);  // the closing tag left out at the very end
  switch (take(c, "</function>")) {
    case Lit::Yes: return done(std::move(b), c, at_end);
    case Lit::More: return need(std::move(b), at_end, "<function=...>");
    case Lit::No: break;
  }
  return invalid("expected </function> after the arguments");
}

// N\n{...} at the reply's start (the prompt ended with ">>>"), or >>>N\n{...}
// later; "all\n" opens plain text instead. `start`: the block is the reply's start.
Block functionary_v32(std::string_view s, bool at_end, const ToolSet& tools, bool start) {
  Block b;
  Cur c{s};
  size_t lead = 0;
  switch (take(c, ">>>")) {
    case Lit::Yes: lead = 3; break;
    case Lit::More:
      if (!at_end) return b;
      return start ? not_call(0) : invalid("the reply ends inside >>>");
    case Lit::No:
      if (!start) return invalid("expected >>>");
      break;
  }
  size_t nl = s.find('\n', c.i);
  std::string_view recipient = s.substr(c.i, (nl == std::string_view::npos ? s.size() : nl) - c.i);
  bool plausible = recipient.size() <= 64;
  for (char ch : recipient) plausible &= is_name_char(ch);
  if (!plausible || (nl == std::string_view::npos && at_end) || (nl != std::string_view::npos && recipient.empty()))
    return not_call(start ? 0 : lead);
  if (nl == std::string_view::npos) return b;
  if (recipient == "all") {
    b.status = BlockStatus::Done;
    b.end = nl + 1;
    return b;
  }
  if (!tools.has(recipient)) return start ? not_call(0) : invalid(unknown_tool(recipient));
  b.calls.push_back({std::string(recipient), ""});
  c.i = nl + 1;
  Cur peek = c;
  peek.ws();
  if (peek.eof()) return need(std::move(b), at_end, "a tool call");
  if (peek.peek() == '{') {
    b = json_args_of_last(std::move(b), c, at_end);
    return b.status == BlockStatus::Done ? done(std::move(b), c, at_end) : b;
  }
  if (recipient != "python") return invalid("the arguments of " + std::string(recipient) + " are not a JSON object");
  // Raw code for the python tool, up to the next recipient.
  size_t next = s.find(">>>", c.i);
  if (next == std::string_view::npos && !at_end) return b;
  size_t stop = next == std::string_view::npos ? s.size() : next;
  b.calls.back().arguments = "{\"code\":" + string_literal(trim_space(s.substr(c.i, stop - c.i))) + "}";
  b.status = BlockStatus::Done;
  b.end = stop;
  return b;
}

Block parse_functionary_v32(std::string_view s, bool at_end, const ToolSet& tools) {
  return functionary_v32(s, at_end, tools, false);
}

Block parse_functionary_v32_start(std::string_view s, bool at_end, const ToolSet& tools) {
  return functionary_v32(s, at_end, tools, true);
}

}  // namespace

const FamilySyntax& family_syntax(ToolFormat f) {
  static const FamilySyntax none{};
  static const FamilySyntax hermes{{"<tool_call>"}, parse_hermes, nullptr};
  static const FamilySyntax llama3{{"<|python_tag|>"}, parse_llama3_tag, parse_llama3_start};
  static const FamilySyntax mistral{{"[TOOL_CALLS]"}, parse_mistral, nullptr};
  static const FamilySyntax glm{{"<tool_call>"}, parse_glm, nullptr};
  static const FamilySyntax minimax{{"<minimax:tool_call>"}, parse_minimax, nullptr};
  static const FamilySyntax qwen_xml{{"<tool_call>"}, parse_qwen_xml, nullptr};
  static const FamilySyntax seed_oss{{"<seed:tool_call>"}, parse_seed_oss, nullptr};
  static const FamilySyntax functionary_v31{{"<function=", "<|python_tag|>"}, parse_functionary_v31, nullptr};
  static const FamilySyntax functionary_v32{{">>>"}, parse_functionary_v32, parse_functionary_v32_start};
  switch (f) {
    case ToolFormat::None: return none;
    case ToolFormat::Hermes: return hermes;
    case ToolFormat::Llama3: return llama3;
    case ToolFormat::MistralJson:
    case ToolFormat::MistralArgs: return mistral;
    case ToolFormat::Glm: return glm;
    case ToolFormat::MiniMax: return minimax;
    case ToolFormat::QwenXml: return qwen_xml;
    case ToolFormat::SeedOss: return seed_oss;
    case ToolFormat::FunctionaryV31: return functionary_v31;
    case ToolFormat::FunctionaryV32: return functionary_v32;
  }
  return none;
}

}  // namespace heft::chat::detail
