#include "tokenizer/hf_pipeline.h"

#include "tokenizer/unicode.h"

namespace heft::tokenizer {

void HfPipeline::tokenize_word(const Vocab& vocab, std::string_view word, std::vector<int32_t>& out) const {
  switch (model) {
    case ModelKind::Bpe:
      if (bpe) bpe->tokenize(vocab, word, out);
      break;
    case ModelKind::WordPiece: wordpiece.tokenize(vocab, word, out); break;
    case ModelKind::Unigram: unigram.tokenize(vocab, word, out); break;
    case ModelKind::WordLevel: {
      int32_t id = vocab.find(word);
      if (id < 0) id = wordlevel_unk;
      if (id >= 0) out.push_back(id);
      break;
    }
    case ModelKind::Spm: break;
  }
}

void HfPipeline::encode(const Vocab& vocab, std::string_view text, const EncodeOptions& opt,
                        std::vector<int32_t>& out) const {
  // tokenizers works on Rust strings: invalid UTF-8 becomes U+FFFD first.
  std::string valid;
  if (!unicode::is_valid_utf8(text)) {
    valid = unicode::to_valid_lossy(text);
    text = valid;
  }
  std::vector<int32_t> ids;
  std::vector<Word> words;
  for (Piece& p : added.extract_and_normalize(text, normalizer, opt.parse_special)) {
    if (p.token >= 0) {
      ids.push_back(p.token);
      continue;
    }
    words.clear();
    words.push_back({std::move(p.text), p.at_start});
    pre_tokenizer.apply(words);
    for (const Word& w : words) tokenize_word(vocab, w.text, ids);
  }
  if (opt.add_special && has_post) post.apply(ids);
  out.insert(out.end(), ids.begin(), ids.end());
}

std::string HfPipeline::decode(const Vocab& vocab, std::span<const int32_t> ids, const DecodeOptions& opt) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    if (!vocab.valid(id)) continue;
    auto it = added_text.find(id);
    if (it != added_text.end()) {
      // tokenizers skips a token whose decoded text is a special token's content; a
      // normalized special token decodes to its normalized form and so is kept.
      if (opt.skip_special && special_contents.count(it->second)) continue;
      tokens.push_back(it->second);
    }
    else if (vocab.type(id) != TokenType::Undefined || !vocab.text(id).empty()) {
      if (opt.skip_special && special_contents.count(vocab.text(id))) continue;
      tokens.push_back(vocab.text(id));
    }
  }
  return decoder.decode(std::move(tokens));
}

std::string HfPipeline::piece(const Vocab& vocab, int32_t id) const {
  auto it = added_text.find(id);
  if (it != added_text.end()) return it->second;
  std::string t = vocab.text(id);
  using K = DecoderStep::Kind;
  for (const DecoderStep& st : decoder.steps()) {
    switch (st.kind) {
      case K::ByteLevel: {
        std::string bytes;
        bool ok = true;
        for (uint32_t cp : unicode::codepoints(t)) {
          int b = unicode::codepoint_to_byte(cp);
          if (b < 0) {
            ok = false;
            break;
          }
          bytes.push_back(static_cast<char>(b));
        }
        if (ok) t = std::move(bytes);
        break;
      }
      case K::ByteFallback:
        if (t.size() == 6 && t.starts_with("<0x") && t.back() == '>') {
          unsigned v = 0;
          bool ok = true;
          for (char c : t.substr(3, 2)) {
            v <<= 4;
            if (c >= '0' && c <= '9') v |= c - '0';
            else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
            else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
            else ok = false;
          }
          if (ok) t = std::string(1, static_cast<char>(v));
        }
        break;
      case K::Replace: t = replace_all(t, st.regex.get(), st.pattern, st.content); break;
      case K::Metaspace: t = replace_all(t, nullptr, st.replacement, " "); break;
      case K::WordPiece:
        if (t.starts_with(st.prefix)) t.erase(0, st.prefix.size());
        break;
      case K::Bpe: t = replace_all(t, nullptr, st.prefix, ""); break;
      default: break;
    }
  }
  return t;
}

int32_t HfPipeline::find(const Vocab& vocab, std::string_view text) const {
  if (const AddedToken* t = added.by_content(text)) return t->id;
  return vocab.find(text);
}

}  // namespace heft::tokenizer
