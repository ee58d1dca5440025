#pragma once
// WordPiece (BERT): greedy longest-match-first inside each word.
//  - Hugging Face: continuation pieces carry a prefix ("##"); a word longer
//    than max_input_chars_per_word or with an unmatched rest becomes [UNK].
//  - llama.cpp (GGUF "bert"): the converter rewrote "##x" to "x" and "x" to
//    "▁x", so a word is matched as "▁" + word; llama.cpp also normalizes and
//    splits the text itself (lowercase, accents stripped, punctuation and CJK
//    characters isolated).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace heft::tokenizer {

struct WordPieceModel {
  std::string continuing_subword_prefix = "##";
  size_t max_input_chars_per_word = 100;
  int32_t unk = -1;

  void tokenize(const Vocab& vocab, std::string_view word, std::vector<int32_t>& out) const;
};

struct WpmOptions {
  bool lowercase = false;
  bool strip_accents = false;
};

// llama.cpp's WPM session: preprocess + greedy match with the phantom space.
void wpm_tokenize(const Vocab& vocab, const WpmOptions& opt, int32_t unk, std::string_view text,
                  std::vector<int32_t>& out);

}  // namespace heft::tokenizer
