#pragma once
// Which tokens a grammar allows next: a trie over the vocabulary's byte
// strings walked through the grammar's byte automaton (a dead state prunes a
// whole subtree), and one mask per automaton state kept for reuse — the
// approach of llguidance and xgrammar, written for heft.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "grammar/grammar.h"
#include "grammar/machine.h"

namespace heft::grammar {

// A vocabulary as the grammar sees it, built once per model.
class VocabIndex {
 public:
  enum class Kind : uint8_t {
    Text,     // matched by its bytes
    Special,  // control tokens: only a token element (<[id]>) allows them
    EndOfGeneration,  // allowed only where the grammar is complete
  };
  // pieces[i]: the bytes token i stands for; kinds[i] as above.
  VocabIndex(std::span<const std::string> pieces, std::span<const Kind> kinds);

  size_t n_vocab() const { return n_vocab_; }
  const std::string& piece(int32_t id) const { return pieces_[static_cast<size_t>(id)]; }
  Kind kind(int32_t id) const { return kinds_[static_cast<size_t>(id)]; }
  const std::vector<int32_t>& end_of_generation() const { return eog_; }

  // The trie in preorder: a node's parent is the nearest earlier node one level up.
  struct Node {
    uint8_t byte;
    uint16_t depth;     // 1 for a token's first byte
    uint32_t skip;      // the next node outside this one's subtree
    uint32_t tokens;    // first of its tokens in token_ids_
    uint32_t n_tokens;  // tokens whose bytes end here
  };
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<int32_t>& token_ids() const { return token_ids_; }
  size_t max_depth() const { return max_depth_; }

 private:
  size_t n_vocab_;
  std::vector<std::string> pieces_;
  std::vector<Kind> kinds_;
  std::vector<int32_t> eog_;
  std::vector<Node> nodes_;
  std::vector<int32_t> token_ids_;
  size_t max_depth_ = 0;
};

// One grammar over one vocabulary: the masks and token steps generation uses.
// Not thread-safe (the automaton grows as it is used); one per request.
class TokenConstraint {
 public:
  TokenConstraint(std::shared_ptr<const Grammar> g, std::shared_ptr<const VocabIndex> vocab);

  uint32_t start() const { return machine_.start(); }
  // n_vocab bits (64 per word): which tokens may come next in `state`.
  const std::vector<uint64_t>& allowed(uint32_t state);
  // The state after `token`, or Machine::kDead if the grammar does not allow it.
  uint32_t advance(uint32_t state, int32_t token);
  bool accepting(uint32_t state) const { return machine_.accepting(state); }
  bool finished(uint32_t state) const { return machine_.finished(state); }
  const VocabIndex& vocab() const { return *vocab_; }
  Machine& machine() { return machine_; }
  size_t cached_masks() const { return masks_.size(); }

 private:
  std::shared_ptr<const VocabIndex> vocab_;
  Machine machine_;
  std::unordered_map<uint32_t, std::vector<uint64_t>> masks_;
  std::vector<uint32_t> path_;  // trie walk: the state at each depth
  std::vector<std::pair<int32_t, bool>> token_elems_;
};

inline bool mask_has(const std::vector<uint64_t>& m, int32_t id) {
  return (m[static_cast<size_t>(id) >> 6] >> (id & 63)) & 1;
}

}  // namespace heft::grammar
