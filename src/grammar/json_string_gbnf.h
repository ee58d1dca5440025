#pragma once
// JSON string tokens as GBNF: a constraint on a string's decoded content (an
// automaton over code points, a length range) turned into the escaped text
// JSON carries. Constrained strings accept each character in the one form
// JSON.stringify writes it (raw, or \" \\ \b \f \n \r \t, or \u00xx for the
// other controls), so a decoded character is always one text unit.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "grammar/char_automaton.h"
#include "grammar/gbnf_text.h"
#include "util/error.h"

namespace heft::grammar {

// One character whose decoded value is in `chars`; nullopt when empty.
std::optional<std::string> json_char_gbnf(const CharSet& chars);
// The JSON text of a string value (quotes included) as a GBNF literal.
std::string json_string_literal(std::string_view value);

inline constexpr uint32_t kNoMaxLength = UINT32_MAX;

// Rules for the JSON strings whose content `dfa` accepts and whose length in
// code points is in [min, max]; returns the expression (quotes included), or
// nullopt when no string qualifies. Errors past `max_rules` rules.
util::Result<std::optional<std::string>> json_string_dfa(GbnfRules& rules, std::string_view base, const Dfa& dfa,
                                                         uint32_t min, uint32_t max, size_t max_rules);

// Rules for the texts `dfa` accepts, character by character (no JSON
// escaping: for numbers); nullopt when it accepts nothing.
util::Result<std::optional<std::string>> dfa_text_gbnf(GbnfRules& rules, std::string_view base, const Dfa& dfa,
                                                       size_t max_rules);

}  // namespace heft::grammar
