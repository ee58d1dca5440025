#pragma once
// JSON numbers between bounds, as GBNF compared digit by digit, so that
// minimum/maximum (inclusive or exclusive, any decimal value) are enforced
// exactly on the decimal value the text denotes (JSON Schema compares
// mathematical values; a double bound is taken as its shortest decimal).
//
// Which texts are accepted: every number JSON.stringify writes for a value in
// range, i.e. plain decimals for 1e-6 <= |v| < 1e21 (and 0) and d.ddde±N
// beyond, plus other plain spellings of values in range ("1.50", "-0").
// Other exponent spellings ("15e-1") are not accepted by a bounded number:
// deciding them needs arithmetic a grammar cannot do digit by digit.
// Integers take no fraction or exponent below 1e21 and d.ddde+N from 1e21 on
// where the range is open on that side; a finite bound beyond 1e21 would need
// the mantissa's digits counted and compared at once, so such a range takes
// only its integers below 1e21 (and one holding none of those is an error).
#include <cstdint>
#include <optional>
#include <string>

#include "util/error.h"
#include "util/json.h"

namespace heft::grammar {

// A non-negative decimal: digits[0].digits[1..] × 10^exp, no leading or
// trailing zeros in digits; zero when digits is empty.
struct Decimal {
  std::string digits;
  int64_t exp = 0;

  bool zero() const { return digits.empty(); }
  static Decimal from_integer_text(std::string_view digits);
};
int compare(const Decimal& a, const Decimal& b);

struct SignedDecimal {
  bool negative = false;  // never set on zero
  Decimal magnitude;
  static SignedDecimal of(const util::Json& number);  // the number's shortest decimal
  bool integral() const;
};
int compare(const SignedDecimal& a, const SignedDecimal& b);

struct NumberBound {
  SignedDecimal value;
  bool exclusive = false;
};

// A GBNF expression for the numbers in [lo, hi] (either may be missing;
// `integer`: integers only); std::nullopt when no number is in range.
// Errors when the range holds only integers too large to write without an
// exponent (integer && lo >= 1e21 or hi <= -1e21).
util::Result<std::optional<std::string>> number_range_gbnf(const std::optional<NumberBound>& lo,
                                                           const std::optional<NumberBound>& hi, bool integer);

// The number as JavaScript's JSON.stringify writes it ("1", "0.5", "1e+21", "1e-7").
std::string js_number_text(const util::Json& number);

}  // namespace heft::grammar
