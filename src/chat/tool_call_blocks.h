#pragma once
// One parser per tool-call family, for one block of call text: from a
// marker ("<tool_call>", "[TOOL_CALLS]"...) or the reply's start, to the end
// of what that marker opened. Each parser reads a prefix of the reply and
// says whether the block is finished, needs more text, was not a call after
// all, or is broken; while unfinished it reports the calls read so far, with
// arguments that only ever grow, so ToolCallStream can stream them.
#include <string>
#include <string_view>
#include <vector>

#include "chat/tool_call_args.h"
#include "chat/tool_call_format.h"

namespace heft::chat::detail {

struct CallText {
  std::string name;       // a tool of the request (checked before a call is reported)
  std::string arguments;  // compact JSON object; a prefix of the final text until the block is Done
};

enum class BlockStatus { NeedMore, Done, NotCall, Invalid };

struct Block {
  BlockStatus status = BlockStatus::NeedMore;
  size_t end = 0;               // Done: bytes of the block, whitespace after it included;
                                // NotCall: leading bytes to pass on as content
  std::vector<CallText> calls;  // reported calls in order; only the last may be unfinished
  std::string reason;           // Invalid: what is wrong, for the warning
};

// text: the reply from the block's first byte to what has arrived; at_end:
// nothing more will arrive (then NeedMore is never returned).
using BlockParser = Block (*)(std::string_view text, bool at_end, const ToolSet& tools);

struct FamilySyntax {
  std::vector<std::string_view> markers;  // a block starts where one of these does
  BlockParser parse = nullptr;            // for a block at a marker
  BlockParser parse_start = nullptr;      // for the reply's start, when the family can begin there unmarked
};

const FamilySyntax& family_syntax(ToolFormat format);

}  // namespace heft::chat::detail
