#include "tokenizer/vocab.h"

#include <algorithm>
#include <functional>

namespace heft::tokenizer {

std::string_view token_type_name(TokenType t) {
  switch (t) {
    case TokenType::Undefined: return "undefined";
    case TokenType::Normal: return "normal";
    case TokenType::Unknown: return "unknown";
    case TokenType::Control: return "control";
    case TokenType::UserDefined: return "user_defined";
    case TokenType::Unused: return "unused";
    case TokenType::Byte: return "byte";
  }
  return "undefined";
}

int32_t Vocab::add(std::string text, float score, TokenType type) {
  texts_.push_back(std::move(text));
  scores_.push_back(score);
  types_.push_back(type);
  flags_.push_back(0);
  return static_cast<int32_t>(texts_.size() - 1);
}

void Vocab::resize(size_t n) {
  texts_.resize(n);
  scores_.resize(n, 0.0f);
  types_.resize(n, TokenType::Undefined);
  flags_.resize(n, 0);
}

void Vocab::set_text(int32_t id, std::string text) {
  texts_[static_cast<size_t>(id)] = std::move(text);
}

namespace {
uint32_t hash_text(std::string_view s) {
  uint64_t h = std::hash<std::string_view>{}(s);
  return static_cast<uint32_t>(h ^ (h >> 32));
}
}  // namespace

void Vocab::index(bool last_wins) {
  size_t cap = 16;
  while (cap < texts_.size() * 2) cap <<= 1;
  slots_.assign(cap, Slot{0, -1});
  mask_ = cap - 1;
  max_len_ = 0;
  for (size_t i = 0; i < texts_.size(); ++i) {
    const std::string& t = texts_[i];
    if (t.empty() && types_[i] == TokenType::Undefined) continue;  // a gap, not a token
    if (flags_[i] & kFlagAddedOnly) continue;
    max_len_ = std::max(max_len_, t.size());
    uint32_t h = hash_text(t);
    for (size_t k = h & mask_;; k = (k + 1) & mask_) {
      Slot& s = slots_[k];
      if (s.id < 0) {
        s = {h, static_cast<int32_t>(i)};
        break;
      }
      if (s.hash == h && texts_[static_cast<size_t>(s.id)] == t) {
        if (last_wins) s.id = static_cast<int32_t>(i);
        break;
      }
    }
  }
}

int32_t Vocab::find(std::string_view text) const {
  if (slots_.empty()) return -1;
  uint32_t h = hash_text(text);
  for (size_t k = h & mask_;; k = (k + 1) & mask_) {
    const Slot& s = slots_[k];
    if (s.id < 0) return -1;
    if (s.hash == h && texts_[static_cast<size_t>(s.id)] == text) return s.id;
  }
}

}  // namespace heft::tokenizer
