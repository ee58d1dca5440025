#pragma once
// Hugging Face tokenizers' encode/decode for a tokenizer.json: added tokens,
// normalizer, pre-tokenizer, model (BPE, WordPiece, Unigram, WordLevel),
// post-processor; decoding through the decoder chain.
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "tokenizer/added_tokens.h"
#include "tokenizer/bpe.h"
#include "tokenizer/decoder.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unigram.h"
#include "tokenizer/wordpiece.h"

namespace heft::tokenizer {

class HfPipeline : public Pipeline {
 public:
  ModelKind model = ModelKind::Bpe;
  Normalizer normalizer;
  PreTokenizer pre_tokenizer;
  AddedVocabulary added;
  std::optional<BpeModel> bpe;
  WordPieceModel wordpiece;
  UnigramModel unigram;
  int32_t wordlevel_unk = -1;
  PostProcessor post;
  bool has_post = false;
  Decoder decoder;
  // What decode writes for an added token (its normalized form when it has one).
  std::unordered_map<int32_t, std::string> added_text;
  std::unordered_set<std::string> special_contents;  // content of every special added token

  void encode(const Vocab& vocab, std::string_view text, const EncodeOptions& opt,
              std::vector<int32_t>& out) const override;
  std::string decode(const Vocab& vocab, std::span<const int32_t> ids, const DecodeOptions& opt) const override;
  std::string piece(const Vocab& vocab, int32_t id) const override;
  int32_t find(const Vocab& vocab, std::string_view text) const override;

 private:
  void tokenize_word(const Vocab& vocab, std::string_view word, std::vector<int32_t>& out) const;
};

}  // namespace heft::tokenizer
