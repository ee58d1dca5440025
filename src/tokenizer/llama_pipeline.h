#pragma once
// llama.cpp's tokenization of GGUF vocabularies (llama-vocab.cpp): special
// tokens are cut out first, then each text fragment goes through the
// vocabulary type's algorithm (SPM, BPE, WPM or UGM); BOS/EOS/SEP follow the
// GGUF flags. Decoding is llama.cpp's detokenize (token_to_piece, leading
// space removal, optional clean-up of spaces before punctuation).
#include <optional>

#include "tokenizer/bpe.h"
#include "tokenizer/gguf_pre_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unigram.h"
#include "tokenizer/wordpiece.h"

namespace heft::tokenizer {

class LlamaPipeline : public Pipeline {
 public:
  enum class Kind { Spm, Bpe, Wpm, Ugm };

  Kind kind = Kind::Spm;
  int32_t bos = -1, eos = -1, unk = -1, sep = -1;
  bool add_bos = false, add_eos = false;
  bool add_space_prefix = false;
  bool escape_whitespaces = true;
  bool clean_spaces = false;
  bool whitespace_model = false;   // tokenizer.ggml.model "whitespace": whitespace dropped, words lowercased
  bool lowercase = false;
  bool gemma4_newlines = false;    // a word of newlines that is a token stays whole
  std::vector<int32_t> specials;   // partition order (longest first)

  std::optional<BpeModel> bpe;
  std::optional<GgufPreTokenizer> pre;
  WpmOptions wpm;
  std::optional<UgmModel> ugm;

  void encode(const Vocab& vocab, std::string_view text, const EncodeOptions& opt,
              std::vector<int32_t>& out) const override;
  std::string decode(const Vocab& vocab, std::span<const int32_t> ids, const DecodeOptions& opt) const override;
  std::string piece(const Vocab& vocab, int32_t id) const override { return token_to_piece(vocab, id, true); }

  // llama.cpp's token_to_piece (lstrip is applied by decode).
  std::string token_to_piece(const Vocab& vocab, int32_t id, bool special) const;

 private:
  void encode_bpe_text(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) const;
};

}  // namespace heft::tokenizer
