#pragma once
// Reading primitives the family parsers (tool_call_blocks.cpp) share: a
// cursor over a block's text, the block results, the {"name", "arguments"}
// call object of the JSON families, and the arguments object that the
// raw-valued families build one parameter at a time.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "chat/tool_call_blocks.h"

namespace heft::chat::detail {

// A read position in the block's text.
struct Cur {
  std::string_view s;
  size_t i = 0;
  bool eof() const { return i >= s.size(); }
  char peek() const { return s[i]; }
  void ws() {
    while (i < s.size() && is_json_space(s[i])) ++i;
  }
  std::string_view rest() const { return s.substr(i); }
};

enum class Lit { Yes, More, No };
// Consumes `lit` when the text goes on with it; More when the text stops inside it.
Lit take(Cur& c, std::string_view lit);

Block invalid(std::string reason);
// The text stopped before the block did: wait for more, or give up at the end.
Block need(Block b, bool at_end, std::string_view inside);
Block not_call(size_t pass_on);
// The block ends at c.i plus any whitespace after it (which may still be growing).
Block done(Block b, Cur c, bool at_end);

std::string string_literal(std::string_view s);  // as a JSON string
bool is_name_char(char c);
bool is_name(std::string_view s);  // a tool name as the call syntaxes write it
std::string unknown_tool(std::string_view name);

// {"name": N, "arguments": {...}} ("parameters" for Llama 3.x; other keys are
// skipped), read as far as the text goes.
struct Walk {
  BlockStatus status = BlockStatus::NeedMore;
  size_t end = 0;                // Done: one past the closing '}'
  std::optional<CallText> call;  // once the name is read and is a tool
  std::string reason;
};
// `llama`: the object is a Llama 3.x bare reply, a call only if it opens with
// "name" (or "type": "function") and goes on to the arguments; anything else
// is NotCall (plain JSON content).
Walk walk_call(std::string_view s, size_t at, bool at_end, const ToolSet& tools, bool llama = false);
// Adds a walk's call (when named) to the block's calls.
void report(Block& b, const Walk& w);
// A JSON array of call objects whose '[' is at c.i; c.i ends after ']'.
Block call_array(Block b, Cur& c, bool at_end, const ToolSet& tools);
// The JSON arguments object at c.i of the call b.calls.back(), streamed as it grows.
Block json_args_of_last(Block b, Cur& c, bool at_end);

// The arguments object of a raw-valued call, one "key": value at a time.
struct RawArgs {
  std::string text = "{";
  void add(std::string_view key, std::string_view json_value);
};
// Appends one raw parameter to the last call; false with `reason` when its
// value does not fit the parameter's schema.
bool add_raw(Block& b, RawArgs& args, const ToolSet& tools, std::string_view key, std::string_view raw,
             std::string& reason);

}  // namespace heft::chat::detail
