#pragma once
// Hugging Face normalizers (tokenizer.json "normalizer"), applied to the text
// between added tokens. Unicode work goes through utf8proc. heft keeps no
// alignment map: offsets are not part of its output.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/charsmap.h"
#include "tokenizer/regex.h"

namespace heft::tokenizer {

struct NormalizerStep {
  enum class Kind {
    NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Strip, Replace, Prepend, Bert, Nmt, ByteLevel, Precompiled,
  };
  Kind kind = Kind::NFC;
  // Strip
  bool strip_left = false, strip_right = false;
  // Replace: a literal (`pattern`) or a regex
  std::string pattern;
  std::shared_ptr<Regex> regex;
  std::string content;  // Replace content / Prepend text
  // Bert
  bool clean_text = true, handle_chinese_chars = true, lowercase = true;
  int strip_accents = -1;  // -1: follow lowercase
  // Precompiled
  std::shared_ptr<CharsMap> charsmap;
};

class Normalizer {
 public:
  void add(NormalizerStep step) { steps_.push_back(std::move(step)); }
  bool empty() const { return steps_.empty(); }
  // `text` must be valid UTF-8; so is the result.
  std::string apply(std::string_view text) const;

 private:
  std::vector<NormalizerStep> steps_;
};

// Helpers shared with other stages.
std::string strip_whitespace(std::string_view s, bool left, bool right);
// Replaces every match of `re` (or every occurrence of `literal` when re is null).
std::string replace_all(std::string_view s, const Regex* re, std::string_view literal, std::string_view content);

}  // namespace heft::tokenizer
