#pragma once
// A context-free grammar over Unicode code points (and whole tokens), the
// form llama.cpp's GBNF describes: named rules, each a list of alternatives,
// each a sequence of elements. Repetitions and groups are already rewritten
// into generated rules by the parser, so the matcher sees only these four
// kinds of element.
#include <cstdint>
#include <string>
#include <vector>

namespace heft::grammar {

struct CharRange {
  uint32_t lo, hi;  // inclusive code points
};

struct Element {
  enum class Kind : uint8_t {
    Chars,     // one code point in `ranges` (or outside them when negated)
    Rule,      // the rule `index`
    Token,     // the whole token `index` (GBNF <[id]>)
    NotToken,  // any one token but `index` (GBNF !<[id]>)
  };
  Kind kind = Kind::Chars;
  bool negated = false;
  uint32_t index = 0;
  std::vector<CharRange> ranges;  // sorted, disjoint, not adjacent
  uint64_t ascii[2] = {0, 0};     // Chars: which of code points 0..127 match (negation applied)

  bool matches(uint32_t cp) const;
  // Whether some code point in [lo, hi] matches (a UTF-8 prefix seen so far).
  bool matches_any(uint32_t lo, uint32_t hi) const;
};

using Sequence = std::vector<Element>;

struct Rule {
  std::string name;
  std::vector<Sequence> alternatives;
};

struct Grammar {
  std::vector<Rule> rules;
  uint32_t root = 0;
  int32_t find(std::string_view name) const;  // -1 when absent
};

// Builds a Chars element from ranges in any order (merged and sorted here).
Element chars(std::vector<CharRange> ranges, bool negated = false);

}  // namespace heft::grammar
