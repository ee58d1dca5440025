#include "tokenizer/added_tokens.h"

#include "tokenizer/unicode.h"

namespace heft::tokenizer {

namespace {

// First/last character of `s` is a Rust regex \w character.
bool starts_with_word(std::string_view s) {
  if (s.empty()) return false;
  uint32_t cp;
  return unicode::decode_valid(s, 0, cp) > 0 && unicode::is_word(cp);
}

bool ends_with_word(std::string_view s) {
  if (s.empty()) return false;
  size_t i = s.size() - 1;
  while (i > 0 && (static_cast<uint8_t>(s[i]) & 0xC0) == 0x80) --i;
  uint32_t cp;
  return unicode::decode_valid(s, i, cp) > 0 && unicode::is_word(cp);
}

// Start of the whitespace run that ends `s` (`\s*$`).
size_t trailing_space_start(std::string_view s) {
  size_t e = s.size();
  while (e > 0) {
    size_t i = e - 1;
    while (i > 0 && (static_cast<uint8_t>(s[i]) & 0xC0) == 0x80) --i;
    uint32_t cp;
    if (unicode::decode_valid(s, i, cp) == 0 || !unicode::is_whitespace(cp)) break;
    e = i;
  }
  return e;
}

// Length of the whitespace run that starts `s` (`^\s*`).
size_t leading_space_len(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp;
    size_t n = unicode::decode_valid(s, i, cp);
    if (n == 0 || !unicode::is_whitespace(cp)) break;
    i += n;
  }
  return i;
}

}  // namespace

void AddedVocabulary::add(AddedToken token) {
  for (AddedToken& t : tokens_)
    if (t.content == token.content) {
      t = std::move(token);
      return;
    }
  tokens_.push_back(std::move(token));
}

void AddedVocabulary::build(const Normalizer& normalizer) {
  raw_trie_ = TokenTrie();
  normalized_trie_ = TokenTrie();
  has_raw_ = has_normalized_ = false;
  for (size_t i = 0; i < tokens_.size(); ++i) {
    AddedToken& t = tokens_[i];
    t.normalized_content = t.normalized ? normalizer.apply(t.content) : t.content;
    if (t.normalized) {
      if (!t.normalized_content.empty()) normalized_trie_.insert(t.normalized_content, static_cast<int32_t>(i));
      has_normalized_ = true;
    } else {
      raw_trie_.insert(t.content, static_cast<int32_t>(i));
      has_raw_ = true;
    }
  }
}

const AddedToken* AddedVocabulary::by_id(int32_t id) const {
  for (const AddedToken& t : tokens_)
    if (t.id == id) return &t;
  return nullptr;
}

const AddedToken* AddedVocabulary::by_content(std::string_view content) const {
  for (const AddedToken& t : tokens_)
    if (t.content == content) return &t;
  return nullptr;
}

void AddedVocabulary::split(std::vector<Piece>& pieces, const TokenTrie& trie, bool parse_special) const {
  std::vector<Piece> out;
  out.reserve(pieces.size());
  for (Piece& p : pieces) {
    if (p.token >= 0 || trie.empty()) {
      if (p.token >= 0 || !p.text.empty()) out.push_back(std::move(p));
      continue;
    }
    std::string_view s = p.text;
    size_t start_offset = 0;
    auto push_text = [&](size_t b, size_t e) {
      if (e > b) out.push_back({std::string(s.substr(b, e - b)), -1, p.at_start && b == 0});
    };
    for (size_t i = 0; i < s.size();) {
      auto [len, idx] = trie.longest(s.substr(i));
      if (len == 0) {
        ++i;
        continue;
      }
      size_t start = i, stop = i + len;
      i = stop;  // matching resumes after the match, whatever happens to it below
      const AddedToken& t = tokens_[static_cast<size_t>(idx)];
      if (!parse_special && t.special) continue;
      if (t.single_word) {
        bool start_space = start == 0 || !ends_with_word(s.substr(0, start));
        bool stop_space = stop == s.size() || !starts_with_word(s.substr(stop));
        if (!start_space || !stop_space) continue;
      }
      if (t.lstrip) start = std::max(trailing_space_start(s.substr(0, start)), start_offset);
      if (t.rstrip) stop += leading_space_len(s.substr(stop));
      if (start_offset < start) push_text(start_offset, start);
      out.push_back({std::string(s.substr(start, stop - start)), t.id, false});
      start_offset = stop;
    }
    if (start_offset < s.size()) push_text(start_offset, s.size());
  }
  pieces = std::move(out);
}

std::vector<Piece> AddedVocabulary::extract_and_normalize(std::string_view text, const Normalizer& normalizer,
                                                          bool parse_special) const {
  std::vector<Piece> pieces;
  if (text.empty()) return pieces;
  pieces.push_back({std::string(text), -1, true});
  if (has_raw_) split(pieces, raw_trie_, parse_special);
  if (!normalizer.empty())
    for (Piece& p : pieces)
      if (p.token < 0) p.text = normalizer.apply(p.text);
  if (has_normalized_) split(pieces, normalized_trie_, parse_special);
  std::erase_if(pieces, [](const Piece& p) { return p.token < 0 && p.text.empty(); });
  return pieces;
}

}  // namespace heft::tokenizer
