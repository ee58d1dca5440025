#include "grammar/token_mask.h"

#include <algorithm>
#include <numeric>

namespace heft::grammar {

// Longer pieces (no real vocabulary has them) are never allowed; it keeps trie depths small.
constexpr size_t kMaxPiece = 4096;

VocabIndex::VocabIndex(std::span<const std::string> pieces, std::span<const Kind> kinds)
    : n_vocab_(pieces.size()), pieces_(pieces.begin(), pieces.end()), kinds_(kinds.begin(), kinds.end()) {
  kinds_.resize(n_vocab_, Kind::Text);
  std::vector<int32_t> order;
  for (size_t i = 0; i < n_vocab_; ++i) {
    if (kinds_[i] == Kind::EndOfGeneration) eog_.push_back(static_cast<int32_t>(i));
    else if (kinds_[i] == Kind::Text && !pieces_[i].empty() && pieces_[i].size() <= kMaxPiece) order.push_back(static_cast<int32_t>(i));
  }
  // Sorted byte strings give the trie in preorder directly: each token adds the
  // nodes past its common prefix with the previous one.
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    const int c = pieces_[static_cast<size_t>(a)].compare(pieces_[static_cast<size_t>(b)]);
    return c != 0 ? c < 0 : a < b;
  });
  std::vector<uint32_t> open;  // node index at each depth of the current path
  std::string prev;
  for (int32_t id : order) {
    const std::string& p = pieces_[static_cast<size_t>(id)];
    size_t common = 0;
    while (common < p.size() && common < prev.size() && p[common] == prev[common]) ++common;
    if (common == p.size() && common == prev.size() && !nodes_.empty()) {  // same bytes as the last token
      nodes_[open.back()].n_tokens++;
      token_ids_.push_back(id);
      continue;
    }
    // Close the nodes deeper than the common prefix.
    while (open.size() > common) {
      nodes_[open.back()].skip = static_cast<uint32_t>(nodes_.size());
      open.pop_back();
    }
    for (size_t d = common; d < p.size(); ++d) {
      open.push_back(static_cast<uint32_t>(nodes_.size()));
      nodes_.push_back({static_cast<uint8_t>(p[d]), static_cast<uint16_t>(std::min<size_t>(d + 1, UINT16_MAX)), 0,
                        static_cast<uint32_t>(token_ids_.size()), 0});
    }
    nodes_[open.back()].n_tokens = 1;
    token_ids_.push_back(id);
    max_depth_ = std::max(max_depth_, p.size());
    prev = p;
  }
  while (!open.empty()) {
    nodes_[open.back()].skip = static_cast<uint32_t>(nodes_.size());
    open.pop_back();
  }
}

TokenConstraint::TokenConstraint(std::shared_ptr<const Grammar> g, std::shared_ptr<const VocabIndex> vocab)
    : vocab_(std::move(vocab)), machine_(std::move(g)) {}

const std::vector<uint64_t>& TokenConstraint::allowed(uint32_t state) {
  if (auto it = masks_.find(state); it != masks_.end()) return it->second;
  const VocabIndex& v = *vocab_;
  std::vector<uint64_t> m((v.n_vocab() + 63) / 64, 0);
  auto set = [&](int32_t id) { m[static_cast<size_t>(id) >> 6] |= uint64_t{1} << (id & 63); };
  const auto& nodes = v.nodes();
  const auto& ids = v.token_ids();
  path_.assign(v.max_depth() + 1, Machine::kDead);
  path_[0] = state;
  for (size_t i = 0; i < nodes.size();) {
    const auto& n = nodes[i];
    const uint32_t s = machine_.step(path_[n.depth - 1], n.byte);
    if (s == Machine::kDead) {
      i = n.skip;
      continue;
    }
    path_[n.depth] = s;
    for (uint32_t k = 0; k < n.n_tokens; ++k) set(ids[n.tokens + k]);
    ++i;
  }
  token_elems_.clear();
  machine_.token_elements(state, token_elems_);
  for (auto [tok, negated] : token_elems_) {
    if (!negated) {
      if (tok >= 0 && static_cast<size_t>(tok) < v.n_vocab()) set(tok);
      continue;
    }
    for (size_t id = 0; id < v.n_vocab(); ++id)
      if (static_cast<int32_t>(id) != tok && v.kind(static_cast<int32_t>(id)) != VocabIndex::Kind::EndOfGeneration)
        set(static_cast<int32_t>(id));
  }
  if (machine_.accepting(state))
    for (int32_t id : v.end_of_generation()) set(id);
  return masks_.emplace(state, std::move(m)).first->second;
}

uint32_t TokenConstraint::advance(uint32_t state, int32_t token) {
  if (token < 0 || static_cast<size_t>(token) >= vocab_->n_vocab()) return Machine::kDead;
  uint32_t by_token = machine_.step_token(state, token);
  if (vocab_->kind(token) != VocabIndex::Kind::Text || vocab_->piece(token).empty()) return by_token;
  const uint32_t by_bytes = machine_.step(state, vocab_->piece(token));
  if (by_token == Machine::kDead) return by_bytes;
  if (by_bytes == Machine::kDead) return by_token;
  // Both a token element and the token's bytes match: a rare grammar; follow the bytes.
  return by_bytes;
}

}  // namespace heft::grammar
