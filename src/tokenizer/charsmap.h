#pragma once
// SentencePiece's precompiled_charsmap: a double-array trie (Darts, XOR-
// compressed units) from input byte strings to offsets of NUL-terminated
// replacement strings stored after it. Layout: u32 trie byte size, the trie
// as little-endian u32 units, then the replacement strings. Every index read
// from the blob is bounds-checked: the blob comes from a model file.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.h"

namespace heft::tokenizer {

class CharsMap {
 public:
  static util::Result<CharsMap> parse(std::span<const uint8_t> blob);

  // Longest key that is a prefix of `s`: (key length, replacement), or length 0
  // (SentencePiece and llama.cpp normalization).
  std::pair<size_t, std::string_view> longest_prefix(std::string_view s) const;
  // Replacement of the shortest key that is a prefix of `s` (what Hugging Face's
  // Precompiled normalizer uses for a whole grapheme or character).
  std::optional<std::string_view> shortest_prefix(std::string_view s) const;

  // SentencePiece normalization: longest-prefix rewriting, unmatched characters kept.
  std::string normalize_longest(std::string_view s) const;
  // Hugging Face's Precompiled normalizer: per grapheme cluster (when shorter
  // than 6 bytes), else per character.
  std::string normalize_graphemes(std::string_view s) const;

 private:
  std::optional<std::string_view> replacement_at(uint32_t offset) const;
  template <class F>
  void walk(std::string_view s, F&& on_leaf) const;

  std::vector<uint32_t> units_;
  std::string strings_;
};

}  // namespace heft::tokenizer
