#pragma once
// multipleOf as an automaton over a number's text: a decimal m = D × 10^-q
// divides x exactly when x × 10^q is an integer divisible by D, which a
// left-to-right reading can follow with the remainder modulo D and the count
// of fraction digits (D × (q + 2) states). Covers plain decimals; exponent
// spellings are not accepted (so numbers of 1e21 and above, which
// JSON.stringify writes with one, are not either), and a divisor below 1e-6
// is refused, since the tiny multiples JSON.stringify writes as d.de-N would be.
#include "grammar/char_automaton.h"
#include "grammar/number_gbnf.h"
#include "util/error.h"

namespace heft::grammar {

struct MultipleOfOptions {
  bool integers_only = false;   // no fraction part at all
  bool non_negative = false;    // no "-" (minimum 0)
  bool non_positive = false;    // only "-" numbers and 0 (maximum 0)
};

// The texts of the multiples of `m` (m > 0). Errors when m is too small or
// too finely divided to follow.
util::Result<Dfa> multiple_of_dfa(const SignedDecimal& m, const MultipleOfOptions& opt);

}  // namespace heft::grammar
