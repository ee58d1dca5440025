#include "tokenizer/special_partition.h"

#include <algorithm>

namespace heft::tokenizer {

namespace {
// C isspace in the "C" locale (what llama.cpp calls on each byte).
bool ascii_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
}  // namespace

std::vector<int32_t> special_token_order(const Vocab& vocab) {
  std::vector<int32_t> ids;
  for (int32_t id = 0; id < static_cast<int32_t>(vocab.size()); ++id) {
    TokenType t = vocab.type(id);
    if ((vocab.is_control(id) || t == TokenType::UserDefined || t == TokenType::Unknown) && !vocab.text(id).empty())
      ids.push_back(id);
  }
  std::stable_sort(ids.begin(), ids.end(),
                   [&](int32_t a, int32_t b) { return vocab.text(a).size() > vocab.text(b).size(); });
  return ids;
}

std::vector<Fragment> partition_special(std::string_view text, const Vocab& vocab, const std::vector<int32_t>& specials,
                                        bool parse_special) {
  std::vector<Fragment> frags;
  if (text.empty()) return frags;
  frags.push_back({-1, 0, text.size()});
  for (int32_t id : specials) {
    if (!parse_special && (vocab.is_control(id) || vocab.type(id) == TokenType::Unknown)) continue;
    const std::string& tok = vocab.text(id);
    const uint8_t flags = vocab.flags(id);
    std::vector<Fragment> next;
    next.reserve(frags.size() + 2);
    for (const Fragment& f : frags) {
      if (f.token >= 0) {
        next.push_back(f);
        continue;
      }
      size_t base = f.offset, len = f.length;
      bool matched = false;
      while (true) {
        size_t match = text.substr(0, base + len).find(tok, base);
        if (match == std::string_view::npos) break;
        matched = true;
        if (match > base) {
          size_t left_len = match - base;
          if (flags & kFlagLstrip)
            while (left_len > 0 && ascii_space(text[base + left_len - 1])) --left_len;
          if (left_len > 0) next.push_back({-1, base, left_len});
        }
        next.push_back({id, 0, 0});
        if (match + tok.size() < base + len) {
          size_t r_off = match + tok.size();
          size_t r_len = len - ((match - base) + tok.size());
          if (flags & kFlagRstrip)
            while (r_len > 0 && ascii_space(text[r_off])) ++r_off, --r_len;
          base = r_off, len = r_len;
          if (len == 0) break;
        } else {
          len = 0;
          break;
        }
      }
      if (!matched) next.push_back(f);
      else if (len > 0) next.push_back({-1, base, len});
    }
    frags = std::move(next);
  }
  return frags;
}

}  // namespace heft::tokenizer
