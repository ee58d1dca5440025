#pragma once
// Splits a template into text and tag tokens with Jinja2's rules as Hugging
// Face configures them: trim_blocks and lstrip_blocks on, `{%-`/`-%}`
// whitespace control, `{%+` to keep leading whitespace, `+%}` to keep the
// newline, comments dropped, `{% raw %}` passed through, newlines normalised
// to "\n" and one trailing newline removed (keep_trailing_newline off).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace heft::jinja {

enum class Tok : uint8_t {
  Text,        // template data, already whitespace-controlled
  VarBegin,    // {{
  VarEnd,      // }}
  BlockBegin,  // {%
  BlockEnd,    // %}
  Name,
  String,      // text holds the unescaped value
  Integer,     // text holds the digits (underscores removed)
  Float,
  Op,          // text holds the operator ("+", "//", "==", "(", ...)
  End,
};

struct Token {
  Tok kind;
  std::string text;
  uint32_t offset;  // byte offset into the normalised source
};

struct Lexed {
  std::string source;  // the normalised source the offsets refer to
  std::vector<Token> tokens;
};

// Newlines normalised to "\n", one trailing newline removed (what offsets refer to).
std::string normalize_source(std::string_view source);

// Errors carry the byte offset of the problem (into the normalised source).
util::Result<Lexed> lex(std::string_view source);

// "LINE:COL" (1-based, column in code points) of a byte offset.
std::string line_col(std::string_view source, uint64_t offset);

}  // namespace heft::jinja
