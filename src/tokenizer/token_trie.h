#pragma once
// A byte trie over token texts: common-prefix search for the Unigram lattice,
// longest match for added tokens.
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace heft::tokenizer {

// A byte trie over token texts for common-prefix search.
class TokenTrie {
 public:
  void insert(std::string_view key, int32_t value) {
    uint32_t node = 0;
    for (char c : key) {
      auto [it, inserted] = edges_.emplace(edge(node, static_cast<uint8_t>(c)), static_cast<uint32_t>(values_.size()));
      if (inserted) values_.push_back(-1);
      node = it->second;
    }
    values_[node] = value;
  }
  // Calls f(length, value) for every key that is a prefix of `s`, shortest first.
  template <class F>
  void prefixes(std::string_view s, F&& f) const {
    uint32_t node = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      auto it = edges_.find(edge(node, static_cast<uint8_t>(s[i])));
      if (it == edges_.end()) return;
      node = it->second;
      if (values_[node] >= 0) f(i + 1, values_[node]);
    }
  }
  // Longest key that is a prefix of `s`: (length, value), or (0, -1).
  std::pair<size_t, int32_t> longest(std::string_view s) const {
    std::pair<size_t, int32_t> best{0, -1};
    prefixes(s, [&](size_t len, int32_t v) { best = {len, v}; });
    return best;
  }
  bool empty() const { return values_.size() <= 1; }

 private:
  static uint64_t edge(uint32_t node, uint8_t b) { return (uint64_t(node) << 8) | b; }
  std::unordered_map<uint64_t, uint32_t> edges_;
  std::vector<int32_t> values_{-1};
};

}  // namespace heft::tokenizer
