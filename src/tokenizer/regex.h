#pragma once
// Pre-tokenizer regexes through PCRE2 (UTF + UCP + JIT). Patterns come from two
// worlds with slightly different rules, so each is compiled in its dialect:
//  - Onig: Hugging Face tokenizers (Oniguruma, Ruby syntax): `\s` is the
//    White_Space property, `\d`/`\w` are Unicode, `^`/`$` match at line breaks.
//  - Ecma: llama.cpp (std::regex, ECMAScript, on a category-collapsed text):
//    `\d`/`\w`/`\b` are ASCII, `$` matches only at the end, and `\p{Lu}` and
//    friends mean any letter (llama.cpp collapses all letters to one class).
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.h"

namespace heft::tokenizer {

enum class RegexDialect { Onig, Ecma };

class Regex {
 public:
  static util::Result<Regex> compile(std::string_view pattern, RegexDialect dialect);

  // Non-overlapping matches left to right as byte spans [start, end). An empty
  // match is reported once and the search moves on one character; an empty
  // match right where the previous match ended is skipped (Rust/Python rule).
  // `text` must be valid UTF-8.
  std::vector<std::pair<size_t, size_t>> find_all(std::string_view text) const;

  const std::string& pattern() const { return pattern_; }

 private:
  struct Code;
  std::shared_ptr<const Code> code_;
  std::string pattern_;
};

// Escapes `s` so it matches literally.
std::string regex_escape(std::string_view s);

}  // namespace heft::tokenizer
