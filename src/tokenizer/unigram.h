#pragma once
// Unigram language-model tokenization (SentencePiece "unigram", T5-style):
// the segmentation with the highest sum of token log-probabilities (Viterbi).
//  - Hugging Face: characters without a single-character token become <unk>
//    scored min_score - 10; consecutive unknown pieces are fused, then byte
//    fallback (<0xNN>) or <unk> is used for them.
//  - llama.cpp (GGUF "t5"): the text is first normalized with the model's
//    precompiled_charsmap and whitespace rules; user-defined tokens score 0.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/charsmap.h"
#include "tokenizer/token_trie.h"
#include "tokenizer/vocab.h"

namespace heft::tokenizer {

struct UnigramModel {
  // Hugging Face
  std::vector<double> scores;  // per vocabulary id (model tokens)
  TokenTrie trie;
  double min_score = 0.0;
  int32_t unk = -1;
  bool byte_fallback = false;

  void tokenize(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) const;
};

// llama.cpp's UGM tokenizer.
struct UgmModel {
  TokenTrie tokens;        // normal, user-defined and unused tokens
  TokenTrie user_defined;  // longest-prefix passthrough during normalization
  std::shared_ptr<CharsMap> charsmap;
  double unknown_score = 0.0;
  int32_t unk = -1;
  bool escape_whitespaces = true;
  bool add_space_prefix = false;
  bool treat_whitespace_as_suffix = false;
  bool remove_extra_whitespaces = false;

  static UgmModel build(const Vocab& vocab, std::shared_ptr<CharsMap> charsmap);
  std::string normalize(std::string_view text) const;
  void tokenize(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) const;
};

}  // namespace heft::tokenizer
