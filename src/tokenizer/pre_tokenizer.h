#pragma once
// Hugging Face pre-tokenizers (tokenizer.json "pre_tokenizer"): they cut the
// normalized text into words the model then tokenizes one by one.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/regex.h"

namespace heft::tokenizer {

// A word on its way to the model. `at_start` says whether it begins at offset 0
// of the original input (Metaspace's prepend_scheme "first" needs that).
struct Word {
  std::string text;
  bool at_start = false;
};

// tokenizers' SplitDelimiterBehavior.
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

struct PreTokenizerStep {
  enum class Kind {
    Split, ByteLevel, Metaspace, Whitespace, WhitespaceSplit, Bert, Digits, Punctuation, CharDelimiter, FixedLength,
  };
  Kind kind = Kind::Split;
  // Split
  std::shared_ptr<Regex> regex;
  SplitBehavior behavior = SplitBehavior::Isolated;
  bool invert = false;
  // ByteLevel
  bool add_prefix_space = false;
  bool use_regex = true;
  // Metaspace
  std::string replacement = "\xE2\x96\x81";
  enum class Prepend { Always, First, Never } prepend = Prepend::Always;
  bool split = true;
  // Digits
  bool individual_digits = false;
  // CharDelimiterSplit
  std::string delimiter;
  // FixedLength
  size_t length = 5;
};

class PreTokenizer {
 public:
  void add(PreTokenizerStep step) { steps_.push_back(std::move(step)); }
  bool empty() const { return steps_.empty(); }
  // Splits every word in place; empty words are dropped.
  void apply(std::vector<Word>& words) const;

 private:
  std::vector<PreTokenizerStep> steps_;
};

// The GPT-2 split regex the ByteLevel pre-tokenizer uses (Oniguruma dialect).
const Regex& gpt2_regex();

}  // namespace heft::tokenizer
