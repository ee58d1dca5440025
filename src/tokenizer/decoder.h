#pragma once
// Hugging Face decoders (tokenizer.json "decoder"): turn token strings back
// into text. Each step maps the list of token strings to a new list; the
// result is their concatenation.
#include <memory>
#include <string>
#include <vector>

#include "tokenizer/regex.h"

namespace heft::tokenizer {

struct DecoderStep {
  enum class Kind { ByteLevel, Metaspace, WordPiece, Bpe, Ctc, Replace, ByteFallback, Fuse, Strip };
  Kind kind = Kind::ByteLevel;
  // Metaspace
  std::string replacement = "\xE2\x96\x81";
  bool prepend_never = false;
  // WordPiece / BPE / CTC
  std::string prefix = "##";  // WordPiece prefix, BPE suffix
  bool cleanup = true;
  std::string pad_token = "<pad>", word_delimiter = "|";
  // Replace
  std::string pattern;
  std::shared_ptr<Regex> regex;
  std::string content;  // Replace content, Strip character
  // Strip
  size_t start = 0, stop = 0;
};

class Decoder {
 public:
  void add(DecoderStep s) { steps_.push_back(std::move(s)); }
  bool empty() const { return steps_.empty(); }
  bool has(DecoderStep::Kind k) const;
  const std::vector<DecoderStep>& steps() const { return steps_; }
  // Without steps, tokens are joined with spaces (tokenizers' behaviour).
  std::string decode(std::vector<std::string> tokens) const;

 private:
  std::vector<DecoderStep> steps_;
};

// tokenizers' WordPiece clean-up of " ." " ," " 's" ... (also used by CTC).
std::string wordpiece_cleanup(std::string s);

}  // namespace heft::tokenizer
