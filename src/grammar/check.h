#pragma once
// Whole-text acceptance, for `heft grammar check` and tests: is `text` a
// sentence of the grammar, and if not, where does it stop matching.
#include <cstddef>
#include <string>
#include <string_view>

#include "grammar/grammar.h"

namespace heft::grammar {

struct CheckResult {
  bool accepted = false;
  bool incomplete = false;  // every byte matched but the grammar wants more
  size_t offset = 0;        // bytes matched before the first byte that cannot (text.size() when incomplete)
  std::string expected;     // what would have matched there, in words ("one of [0-9], \"}\"")
  bool too_complex = false; // stopped because the grammar grew past Machine's limits (not a verdict)
};

CheckResult check(const Grammar& g, std::string_view text);

}  // namespace heft::grammar
