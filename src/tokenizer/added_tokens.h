#pragma once
// Hugging Face added tokens (tokenizer.json "added_tokens"): strings matched in
// the text before the model sees it, leftmost-longest. Tokens with
// normalized=false are matched in the raw text; the others in the normalized
// text (by their normalized form). single_word, lstrip and rstrip follow
// tokenizers' AddedVocabulary. With parse_special off, special tokens are not
// matched (tokenizers' encode_special_tokens), non-special ones still are.
#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/normalizer.h"
#include "tokenizer/token_trie.h"

namespace heft::tokenizer {

struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool special = false;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
  std::string normalized_content;  // content after the normalizer (normalized tokens)
};

// A stretch of input on its way through the pipeline: either text or an
// already-recognised token.
struct Piece {
  std::string text;
  int32_t token = -1;
  bool at_start = false;  // begins at offset 0 of the original input
};

class AddedVocabulary {
 public:
  // Adds or replaces (same content) a token.
  void add(AddedToken token);
  // Computes normalized forms and the matchers; call after the last add().
  void build(const Normalizer& normalizer);

  // tokenizers' extract_and_normalize: splits on raw-text tokens, normalizes the
  // text pieces, then splits them on normalized tokens. Empty pieces vanish.
  std::vector<Piece> extract_and_normalize(std::string_view text, const Normalizer& normalizer,
                                           bool parse_special) const;

  const std::vector<AddedToken>& tokens() const { return tokens_; }
  const AddedToken* by_id(int32_t id) const;
  const AddedToken* by_content(std::string_view content) const;
  bool empty() const { return tokens_.empty(); }

 private:
  void split(std::vector<Piece>& pieces, const TokenTrie& trie, bool parse_special) const;

  std::vector<AddedToken> tokens_;
  TokenTrie raw_trie_, normalized_trie_;  // values: index into tokens_
  bool has_raw_ = false, has_normalized_ = false;
};

}  // namespace heft::tokenizer
