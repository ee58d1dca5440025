#include "tokenizer/tokenizer.h"

#include <algorithm>

namespace heft::tokenizer {

std::string_view model_kind_name(ModelKind k) {
  switch (k) {
    case ModelKind::Spm: return "spm";
    case ModelKind::Bpe: return "bpe";
    case ModelKind::WordPiece: return "wordpiece";
    case ModelKind::Unigram: return "unigram";
    case ModelKind::WordLevel: return "wordlevel";
  }
  return "?";
}

bool is_eog_text(std::string_view t) {
  static constexpr std::string_view texts[] = {
      "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>",
      "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
      "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
      "<\xEF\xBD\x9C" "end\xE2\x96\x81" "of\xE2\x96\x81" "sentence\xEF\xBD\x9C>", "[e~[",
  };
  for (std::string_view s : texts)
    if (t == s) return true;
  return false;
}

const std::vector<std::string_view>& eot_texts() {
  static const std::vector<std::string_view> texts = {
      "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>",
      "[EOT]", "<\xEF\xBD\x9C" "end\xE2\x96\x81" "of\xE2\x96\x81" "sentence\xEF\xBD\x9C>", "<end_of_utterance>",
  };
  return texts;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, const EncodeOptions& opt) const {
  std::vector<int32_t> out;
  d_->pipeline->encode(d_->vocab, text, opt, out);
  return out;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, const DecodeOptions& opt) const {
  return d_->pipeline->decode(d_->vocab, ids, opt);
}

std::string Tokenizer::token_to_piece(int32_t id) const {
  if (!d_->vocab.valid(id)) return {};
  return d_->pipeline->piece(d_->vocab, id);
}

const std::string& Tokenizer::token_text(int32_t id) const {
  static const std::string empty;
  return d_->vocab.valid(id) ? d_->vocab.text(id) : empty;
}

TokenType Tokenizer::token_type(int32_t id) const {
  return d_->vocab.valid(id) ? d_->vocab.type(id) : TokenType::Undefined;
}

float Tokenizer::token_score(int32_t id) const { return d_->vocab.valid(id) ? d_->vocab.score(id) : 0.0f; }

int32_t Tokenizer::find_token(std::string_view text) const { return d_->pipeline->find(d_->vocab, text); }

bool Tokenizer::is_eog(int32_t id) const { return std::binary_search(d_->eog.begin(), d_->eog.end(), id); }

}  // namespace heft::tokenizer
