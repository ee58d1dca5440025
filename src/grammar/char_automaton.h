#pragma once
// Deterministic automata over code points: what a `pattern`, a `format` or a
// set of excluded property names allows as a string's content. Built from a
// Regex with JSON Schema's search semantics (a pattern matches anywhere unless
// anchored), intersected with each other, run on text, and pruned so every
// remaining state can still reach acceptance.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/char_set.h"
#include "grammar/regex.h"
#include "util/error.h"

namespace heft::grammar {

struct Dfa {
  struct Edge {
    CharSet chars;  // disjoint from the state's other edges
    uint32_t to = 0;
  };
  struct State {
    std::vector<Edge> edges;
    bool accept = false;
  };
  std::vector<State> states;  // states[0] starts; after prune() every state is live (but 0 may not be)

  bool matches(std::string_view utf8) const;
  bool empty() const { return states.empty() || (!states[0].accept && states[0].edges.empty()); }
};

inline constexpr size_t kMaxDfaStates = 4000;

// Strings in which `re` matches somewhere (^ and $ anchor it at the ends).
// Errors when the automaton would exceed kMaxDfaStates.
util::Result<Dfa> regex_dfa(const Regex& re);
// Strings both accept.
util::Result<Dfa> intersect(const Dfa& a, const Dfa& b);
// Strings `dfa` does not accept.
Dfa complement(const Dfa& dfa);
// Every string except the given ones (UTF-8).
Dfa all_strings_except(const std::vector<std::string>& words);
// Drops states that cannot reach acceptance or cannot be reached, and merges
// equivalent states (the minimal automaton).
void prune(Dfa& dfa);

}  // namespace heft::grammar
