#pragma once
// The ECMA-262 regular expressions JSON Schema's `pattern` uses, as far as
// they describe a regular language over code points (the `u` flag's view):
// literals, classes (with \d \w \s and negation), `.`, groups (capturing,
// (?:...) and named), alternation, ? * + {m} {m,} {m,n} (lazy forms mean the
// same language) and ^ $ anywhere. Lookaround, backreferences, \b \B and
// Unicode property escapes are refused with an error that says which.
#include <cstdint>
#include <string_view>
#include <vector>

#include "grammar/char_set.h"
#include "util/error.h"

namespace heft::grammar {

struct Regex {
  enum class Kind : uint8_t { Empty, Chars, Concat, Alt, Repeat, LineStart, LineEnd };
  static constexpr uint32_t kUnbounded = UINT32_MAX;
  static constexpr uint32_t kMaxCount = 1000;  // larger {m,n} counts are refused

  Kind kind = Kind::Empty;
  CharSet chars;               // Chars
  std::vector<Regex> items;    // Concat, Alt; Repeat: the one repeated item
  uint32_t min = 0, max = 0;   // Repeat (max kUnbounded for * and +)
};

util::Result<Regex> parse_ecma_regex(std::string_view pattern);

// \s as ECMA-262 defines it (WhiteSpace and LineTerminator).
CharSet ecma_space();

}  // namespace heft::grammar
