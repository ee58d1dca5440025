#pragma once
// The tokenizer heft runs a model with: text <-> token ids, exactly as the
// model's reference does. A GGUF file is tokenized as llama.cpp tokenizes it;
// a tokenizer.json (Hugging Face folder) as Hugging Face tokenizers does.
//
//   auto tok = HEFT_TRY(tokenizer::load_tokenizer(model_file));
//   std::vector<int32_t> ids = tok.encode("Hello", {.add_special = true});
//   std::string text = tok.decode(ids);
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"
#include "util/error.h"

namespace heft::formats {
class ModelFile;
}

namespace heft::tokenizer {

struct EncodeOptions {
  // Add what the model adds around a text (BOS, [CLS]/[SEP], ...).
  bool add_special = true;
  // Recognise special-token text (e.g. "<|eot_id|>") as that token. Off by
  // default: user text never turns into control tokens unless asked.
  bool parse_special = false;
};

struct DecodeOptions {
  // Leave special (control) tokens out of the text instead of writing them.
  bool skip_special = false;
};

// Whose behaviour this tokenizer reproduces.
enum class Reference { LlamaCpp, HuggingFace };
enum class ModelKind { Spm, Bpe, WordPiece, Unigram, WordLevel };
std::string_view model_kind_name(ModelKind k);

struct SpecialTokens {
  int32_t bos = -1, eos = -1, eot = -1, eom = -1, unk = -1, pad = -1, sep = -1, cls = -1, mask = -1;
};

// One stage chain (llama.cpp's or Hugging Face's); see llama_pipeline.h, hf_pipeline.h.
class Pipeline {
 public:
  virtual ~Pipeline() = default;
  virtual void encode(const Vocab& vocab, std::string_view text, const EncodeOptions& opt,
                      std::vector<int32_t>& out) const = 0;
  virtual std::string decode(const Vocab& vocab, std::span<const int32_t> ids, const DecodeOptions& opt) const = 0;
  virtual std::string piece(const Vocab& vocab, int32_t id) const = 0;
  virtual int32_t find(const Vocab& vocab, std::string_view text) const { return vocab.find(text); }
};

struct TokenizerData {
  Vocab vocab;
  std::unique_ptr<Pipeline> pipeline;
  SpecialTokens special;
  std::vector<int32_t> eog;  // sorted
  bool add_bos = false, add_eos = false;
  ModelKind kind = ModelKind::Bpe;
  Reference reference = Reference::LlamaCpp;
  std::string pre;  // pre-tokenizer name (GGUF) or a short description (tokenizer.json)
};

class Tokenizer {
 public:
  explicit Tokenizer(std::shared_ptr<const TokenizerData> data) : d_(std::move(data)) {}

  std::vector<int32_t> encode(std::string_view text, const EncodeOptions& opt = {}) const;
  // Ids outside the vocabulary are skipped.
  std::string decode(std::span<const int32_t> ids, const DecodeOptions& opt = {}) const;
  // The bytes one token stands for, special tokens as their text (what
  // llama.cpp's token_to_piece gives). May be a partial UTF-8 sequence.
  std::string token_to_piece(int32_t id) const;

  size_t n_vocab() const { return d_->vocab.size(); }
  bool valid(int32_t id) const { return d_->vocab.valid(id); }
  const std::string& token_text(int32_t id) const;  // empty for invalid ids
  TokenType token_type(int32_t id) const;
  float token_score(int32_t id) const;
  int32_t find_token(std::string_view text) const;  // -1 when absent

  const SpecialTokens& special() const { return d_->special; }
  int32_t bos() const { return d_->special.bos; }
  int32_t eos() const { return d_->special.eos; }
  int32_t eot() const { return d_->special.eot; }
  int32_t pad() const { return d_->special.pad; }
  int32_t unk() const { return d_->special.unk; }
  // End of generation: EOS, EOT, EOM and end-of-turn tokens found by text.
  bool is_eog(int32_t id) const;
  const std::vector<int32_t>& eog_ids() const { return d_->eog; }
  bool adds_bos() const { return d_->add_bos; }
  bool adds_eos() const { return d_->add_eos; }

  ModelKind kind() const { return d_->kind; }
  Reference reference() const { return d_->reference; }
  const std::string& pre_tokenizer() const { return d_->pre; }
  const Vocab& vocab() const { return d_->vocab; }

 private:
  std::shared_ptr<const TokenizerData> d_;
};

// Token texts llama.cpp treats as end of generation (also used for tokenizer.json).
bool is_eog_text(std::string_view text);
// Texts llama.cpp recognises as the end-of-turn token, most specific first.
const std::vector<std::string_view>& eot_texts();

// From a model file: GGUF metadata (llama.cpp's behaviour) or, for a Hugging
// Face folder, its tokenizer.json + tokenizer_config.json (Hugging Face's).
util::Result<Tokenizer> load_tokenizer(const formats::ModelFile& mf);
// A bare tokenizer.json; `config_path` names an optional tokenizer_config.json.
util::Result<Tokenizer> load_tokenizer_json(const std::string& path, const std::string& config_path = {});
// Whatever a user names: a .gguf, a Hugging Face folder, a folder holding a
// tokenizer.json, or a tokenizer.json file.
util::Result<Tokenizer> load_tokenizer_path(const std::string& path);

}  // namespace heft::tokenizer
