#pragma once
// Jinja2's grammar (the subset chat templates use, which is nearly all of it
// except template inheritance and imports) turned into the tree in ast.h.
#include <string>
#include <string_view>

#include "jinja/ast.h"
#include "util/error.h"

namespace heft::jinja {

struct Program {
  std::string source;  // normalised source; node offsets point into it
  Body body;
};

// Nesting deeper than this (expressions or blocks) is refused, so neither the
// parser nor the interpreter can run out of stack on hostile input.
constexpr int kMaxParseDepth = 256;
constexpr int kMaxExprDepth = 512;  // height of one expression tree (long `a ~ b ~ c` chains)

// Errors carry the byte offset into the normalised source (see lexer.h).
util::Result<Program> parse(std::string_view source);

}  // namespace heft::jinja
