#include "chat/tool_call_scan.h"

#include <cctype>

namespace heft::chat::detail {

using util::Json;

Lit take(Cur& c, std::string_view lit) {
  std::string_view r = c.rest();
  if (r.starts_with(lit)) {
    c.i += lit.size();
    return Lit::Yes;
  }
  return lit.starts_with(r) ? Lit::More : Lit::No;
}

Block invalid(std::string reason) {
  Block b;
  b.status = BlockStatus::Invalid;
  b.reason = std::move(reason);
  return b;
}

Block need(Block b, bool at_end, std::string_view inside) {
  if (at_end) return invalid("the reply ends inside " + std::string(inside));
  b.status = BlockStatus::NeedMore;
  return b;
}

Block not_call(size_t pass_on) {
  Block b;
  b.status = BlockStatus::NotCall;
  b.end = pass_on;
  return b;
}

Block done(Block b, Cur c, bool at_end) {
  c.ws();
  b.status = c.eof() && !at_end ? BlockStatus::NeedMore : BlockStatus::Done;
  b.end = c.i;
  return b;
}

std::string string_literal(std::string_view s) {
  std::string out;
  util::append_json_string(out, s);
  return out;
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == ':';
}

bool is_name(std::string_view s) {
  if (s.empty() || s.size() > 256) return false;
  for (char c : s)
    if (!is_name_char(c)) return false;
  return true;
}

std::string unknown_tool(std::string_view name) { return "unknown tool '" + std::string(name) + "'"; }

// ---------------------------------------------- {"name": N, "arguments": {...}}

Walk walk_call(std::string_view s, size_t at, bool at_end, const ToolSet& tools, bool llama) {
  Walk w;
  Cur c{s, at + 1};
  bool first = true, have_args = false, established = !llama;
  std::optional<std::string> unknown_name;
  std::string early_args;  // arguments read before the name
  auto stop = [&](BlockStatus st, std::string reason = {}) {
    w.status = st;
    w.reason = std::move(reason);
    return w;
  };
  auto more = [&]() {
    if (!at_end) return stop(BlockStatus::NeedMore);
    return established ? stop(BlockStatus::Invalid, "the reply ends inside a tool call") : stop(BlockStatus::NotCall);
  };
  auto bad = [&](std::string reason) {
    return established ? stop(BlockStatus::Invalid, std::move(reason)) : stop(BlockStatus::NotCall);
  };
  for (;;) {
    c.ws();
    if (c.eof()) return more();
    if (c.peek() == '}') {
      ++c.i;
      break;
    }
    if (!first) {
      if (c.peek() != ',') return bad("expected ',' or '}' in the tool call object");
      ++c.i;
      c.ws();
      if (c.eof()) return more();
    }
    if (c.peek() != '"') return bad("expected a key in the tool call object");
    JsonSpan ks = scan_json(s, c.i, at_end);
    if (ks.status == Scan::NeedMore) return more();
    if (ks.status == Scan::Bad) return bad("bad key in the tool call object");
    auto key_json = Json::parse(s.substr(c.i, ks.end - c.i));
    if (!key_json || !key_json->is_string()) return bad("bad key in the tool call object");
    std::string key = key_json->as_string();
    c.i = ks.end;
    c.ws();
    if (c.eof()) return more();
    if (c.peek() != ':') return bad("expected ':' in the tool call object");
    ++c.i;
    c.ws();
    if (c.eof()) return more();
    size_t v = c.i;
    if (llama && first && key != "name" && key != "type") return stop(BlockStatus::NotCall);
    first = false;
    bool is_args = key == "arguments" || key == "parameters";
    JsonSpan vs = scan_json(s, v, at_end);
    if (is_args) {
      if (llama && unknown_name) return stop(BlockStatus::Invalid, unknown_tool(*unknown_name));
      if (llama && !w.call) return stop(BlockStatus::NotCall);
      if (vs.status == Scan::NeedMore) {
        if (w.call && s[v] == '{') w.call->arguments = compact_json(s.substr(v));
        return more();
      }
      if (vs.status == Scan::Bad) return bad("the tool call's arguments are not valid JSON");
      auto args = json_arguments(s.substr(v, vs.end - v));
      if (!args) return bad(args.error().message);
      have_args = true;
      if (w.call) w.call->arguments = *args;
      else early_args = *args;
    } else {
      if (vs.status == Scan::NeedMore) return more();
      if (vs.status == Scan::Bad) return bad("a value in the tool call object is not valid JSON");
      auto value = Json::parse(s.substr(v, vs.end - v));
      if (!value) return bad("a value in the tool call object is not valid JSON");
      if (key == "name") {
        if (!value->is_string()) return bad("the tool call's name is not a string");
        const std::string& name = value->as_string();
        if (tools.has(name)) {
          w.call = CallText{name, early_args};
          established = true;
        } else if (llama) {
          unknown_name = name;
        } else {
          return stop(BlockStatus::Invalid, unknown_tool(name));
        }
      } else if (llama) {
        if (key != "type" || !value->is_string() || value->as_string() != "function")
          return bad("unexpected key '" + key + "' in the tool call");
      }
    }
    c.i = vs.end;
  }
  if (!w.call) return bad("the tool call has no name");
  if (!have_args) w.call->arguments = "{}";
  w.end = c.i;
  return stop(BlockStatus::Done);
}

void report(Block& b, const Walk& w) {
  if (w.call) b.calls.push_back(*w.call);
}

Block call_array(Block b, Cur& c, bool at_end, const ToolSet& tools) {
  ++c.i;
  for (bool first = true;; first = false) {
    c.ws();
    if (c.eof()) return need(std::move(b), at_end, "a tool call list");
    if (c.peek() == ']') {
      ++c.i;
      if (b.calls.empty()) return invalid("empty tool call list");
      b.status = BlockStatus::Done;
      return b;
    }
    if (!first) {
      if (c.peek() != ',') return invalid("expected ',' or ']' in the tool call list");
      ++c.i;
      c.ws();
      if (c.eof()) return need(std::move(b), at_end, "a tool call list");
    }
    if (c.peek() != '{') return invalid("expected a tool call object in the list");
    Walk w = walk_call(c.s, c.i, at_end, tools);
    report(b, w);
    if (w.status == BlockStatus::NeedMore) return need(std::move(b), at_end, "a tool call");
    if (w.status != BlockStatus::Done) return invalid(w.reason);
    c.i = w.end;
  }
}

Block json_args_of_last(Block b, Cur& c, bool at_end) {
  c.ws();
  if (c.eof()) return need(std::move(b), at_end, "a tool call's arguments");
  JsonSpan vs = scan_json(c.s, c.i, at_end);
  if (vs.status == Scan::NeedMore) {
    if (c.peek() == '{') b.calls.back().arguments = compact_json(c.rest());
    return need(std::move(b), at_end, "a tool call's arguments");
  }
  if (vs.status == Scan::Bad) return invalid("the tool call's arguments are not valid JSON");
  auto args = json_arguments(c.s.substr(c.i, vs.end - c.i));
  if (!args) return invalid(args.error().message);
  b.calls.back().arguments = *args;
  c.i = vs.end;
  b.status = BlockStatus::Done;
  return b;
}

// ------------------------------------------------- raw-valued parameters

void RawArgs::add(std::string_view key, std::string_view json_value) {
  if (text.size() > 1) text += ',';
  text += string_literal(key);
  text += ':';
  text += json_value;
}

bool add_raw(Block& b, RawArgs& args, const ToolSet& tools, std::string_view key, std::string_view raw,
             std::string& reason) {
  auto value = raw_argument(raw, tools.parameter_schema(b.calls.back().name, key));
  if (!value) {
    reason = "parameter '" + std::string(key) + "' of " + b.calls.back().name + ": " + value.error().message;
    return false;
  }
  args.add(key, *value);
  b.calls.back().arguments = args.text;
  return true;
}

}  // namespace heft::chat::detail
