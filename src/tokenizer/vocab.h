#pragma once
// The token table every tokenizer kind shares: text, score and type per id,
// and the reverse lookup text -> id.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace heft::tokenizer {

// GGUF's tokenizer.ggml.token_type values (llama.cpp's llama_token_type).
enum class TokenType : int32_t {
  Undefined = 0,
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
};
std::string_view token_type_name(TokenType t);

// Per-token flags for special-token splitting (llama.cpp's LSTRIP/RSTRIP attributes).
enum TokenFlag : uint8_t {
  kFlagLstrip = 1,
  kFlagRstrip = 2,
  kFlagUnused = 4,     // control token whose text says "unused" (llama.cpp's auto-detection)
  kFlagControl = 8,    // treated as a control token whatever its type (llama.cpp's end-of-turn detection)
  kFlagAddedOnly = 16, // Hugging Face added token outside the model's vocabulary: not looked up by the model
};

class Vocab {
 public:
  // Appends a token; returns its id.
  int32_t add(std::string text, float score = 0.0f, TokenType type = TokenType::Normal);
  // Grows the table to `n` ids, filling new slots with empty Undefined tokens.
  void resize(size_t n);
  // Sets an existing id's text (and re-indexes it).
  void set_text(int32_t id, std::string text);

  // Rebuilds text -> id (ids flagged kFlagAddedOnly are left out). With `last_wins`, a text that occurs twice maps to the
  // higher id (llama.cpp); otherwise to the lower one.
  void index(bool last_wins = true);

  size_t size() const { return texts_.size(); }
  bool is_control(int32_t id) const { return type(id) == TokenType::Control || (flags(id) & kFlagControl); }
  bool valid(int32_t id) const { return id >= 0 && static_cast<size_t>(id) < texts_.size(); }

  const std::string& text(int32_t id) const { return texts_[static_cast<size_t>(id)]; }
  float score(int32_t id) const { return scores_[static_cast<size_t>(id)]; }
  TokenType type(int32_t id) const { return types_[static_cast<size_t>(id)]; }
  uint8_t flags(int32_t id) const { return flags_[static_cast<size_t>(id)]; }
  void set_type(int32_t id, TokenType t) { types_[static_cast<size_t>(id)] = t; }
  void set_score(int32_t id, float s) { scores_[static_cast<size_t>(id)] = s; }
  void set_flags(int32_t id, uint8_t f) { flags_[static_cast<size_t>(id)] = f; }

  // -1 when absent.
  int32_t find(std::string_view text) const;

  size_t max_token_length() const { return max_len_; }

 private:
  std::vector<std::string> texts_;
  std::vector<float> scores_;
  std::vector<TokenType> types_;
  std::vector<uint8_t> flags_;
  // text -> id: open addressing over (hash, id) slots, so a lookup touches one
  // slot run and, on a hash match, the token text (loading a 128K vocabulary
  // with 280K merges does about a million lookups).
  struct Slot {
    uint32_t hash;
    int32_t id;  // -1: empty
  };
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t max_len_ = 0;
};

}  // namespace heft::tokenizer
