#pragma once
// OpenAI tool calls out of a model's reply, in the syntax of the model's
// chat-template family (chat/tool_call_format.h): whole replies
// (parse_tool_calls) and streams (ToolCallStream, which emits the deltas
// OpenAI's streaming API sends). Run the ReasoningSplitter first: thinking
// text is not special here. Decode with special tokens kept, since several
// families mark calls with them ([TOOL_CALLS], <|python_tag|>).
//
// A reply whose call markers do not parse is never an error: the caller
// returns it all as content with finish_reason "stop" and a warning.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chat/tool_call_format.h"
#include "util/json.h"

namespace heft::chat {

struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // compact JSON object text (OpenAI's function.arguments)

  bool operator==(const ToolCall&) const = default;
};

struct ParsedReply {
  std::string content;          // the text outside the calls (all of it when failed)
  std::vector<ToolCall> calls;  // empty when failed
  bool failed = false;          // call markers that did not parse, or a tool not in `tools`
  std::string failure;          // why, for the warning
};

// Makes the id of the call with this index (0, 1, ... in the reply).
using ToolCallIdFn = std::function<std::string(size_t index)>;

// A fresh random id: "call_" + 24 letters and digits, or 9 letters and digits
// for the Mistral families, whose templates refuse any other id.
std::string random_tool_call_id(ToolFormat format);

// Splits a whole reply into content and calls. `tools` is the request's
// OpenAI `tools` array; a call to any other name fails the parse. Without
// `make_id`, ids are random_tool_call_id(format).
ParsedReply parse_tool_calls(ToolFormat format, std::string_view text, const util::Json& tools,
                             const ToolCallIdFn& make_id = {});

// One entry of a streamed delta's tool_calls: id and name on a call's first
// delta only, then argument text to append.
struct ToolCallDelta {
  size_t index = 0;
  std::string id;
  std::string name;
  std::string arguments;

  bool operator==(const ToolCallDelta&) const = default;
};

struct ReplyDelta {
  std::string content;
  std::vector<ToolCallDelta> tool_calls;
  bool empty() const { return content.empty() && tool_calls.empty(); }
};

// Fed the reply piece by piece. Content that cannot be part of a call goes
// out at once; text that may open a call is held until it is known. A call
// goes out as soon as its name is read, its arguments as they grow (JSON
// families: byte by byte, whitespace dropped; raw-valued families: one
// parameter at a time; <|python_tag|> code waits for the end of the reply).
// Appending every delta gives what parse_tool_calls
// returns for the whole text, ids included (same make_id), as long as the
// reply parses. When a call turns out broken, the text held since its marker
// comes back as content and failed() is set; deltas already sent for it (and
// for earlier calls) stay sent.
class ToolCallStream {
 public:
  ToolCallStream(ToolFormat format, util::Json tools, ToolCallIdFn make_id = {});
  ~ToolCallStream();
  ToolCallStream(ToolCallStream&&) noexcept;
  ToolCallStream& operator=(ToolCallStream&&) noexcept;

  ReplyDelta feed(std::string_view piece);
  // The end of the reply: whatever is still held, decided.
  ReplyDelta finish();

  bool failed() const;
  const std::string& failure() const;
  // Calls started so far (finish_reason "tool_calls" when nonzero and not failed).
  size_t call_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace heft::chat
