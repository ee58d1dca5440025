#pragma once
// GBNF, llama.cpp's grammar format (grammars/README.md there), so existing
// .gbnf files work: `name ::= alternatives`, "literals", [classes], [^negated],
// `.`, groups, `*` `+` `?` `{m}` `{m,}` `{m,n}`, # comments, escapes \x \u \U
// \t \n \r \\ \" \[ \], and token references <[id]> / !<[id]> or by the token's
// text, <|python_tag|> / !<[TOOL_CALLS]> (with a vocabulary to look them up in).
// Newlines end a rule except inside parentheses. Errors name the line and column.
#include <cstdint>
#include <functional>
#include <string_view>

#include "grammar/grammar.h"
#include "util/error.h"

namespace heft::grammar {

// A token's id from its text, or -1 when the vocabulary has no such token.
using TokenLookup = std::function<int32_t(std::string_view)>;

// Parses `text`; `root` names the start rule. Undefined rules, left recursion
// and a missing root are errors; so are token references by text without `lookup`.
util::Result<Grammar> parse_gbnf(std::string_view text, std::string_view root = "root", const TokenLookup& lookup = {});

}  // namespace heft::grammar
