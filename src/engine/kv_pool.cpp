#include "engine/kv_pool.h"

#include <algorithm>

namespace heft::engine {

namespace {

uint64_t mix(uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

KvPool::KvPool(int64_t n_blocks, int64_t block_size) : block_size_(block_size), blocks_(static_cast<size_t>(n_blocks)) {
  free_.reserve(blocks_.size());
  for (int64_t i = n_blocks - 1; i >= 0; --i) free_.push_back(static_cast<int32_t>(i));
}

uint64_t KvPool::chain_hash(uint64_t parent, std::span<const int32_t> block_tokens) {
  uint64_t h = mix(parent ^ 0x9e3779b97f4a7c15ULL);
  for (int32_t t : block_tokens) h = mix(h ^ static_cast<uint32_t>(t));
  return h;
}

std::vector<int32_t> KvPool::match(std::span<const int32_t> tokens, int64_t max_blocks) {
  std::vector<int32_t> out;
  uint64_t parent = 0;
  const int64_t full = std::min<int64_t>(max_blocks, static_cast<int64_t>(tokens.size()) / block_size_);
  for (int64_t i = 0; i < full; ++i) {
    const auto piece = tokens.subspan(static_cast<size_t>(i * block_size_), static_cast<size_t>(block_size_));
    const uint64_t h = chain_hash(parent, piece);
    auto it = by_hash_.find(h);
    if (it == by_hash_.end()) break;
    Block& b = blocks_[static_cast<size_t>(it->second)];
    if (b.parent != parent || !std::equal(piece.begin(), piece.end(), b.tokens.begin(), b.tokens.end())) break;
    if (b.refs++ == 0) lru_.erase(b.lru);
    out.push_back(it->second);
    parent = h;
  }
  return out;
}

int32_t KvPool::allocate() {
  int32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else if (!lru_.empty()) {
    id = lru_.front();
    lru_.pop_front();
    forget(id);
  } else {
    return -1;
  }
  blocks_[static_cast<size_t>(id)].refs = 1;
  return id;
}

void KvPool::release(int32_t id) {
  Block& b = blocks_[static_cast<size_t>(id)];
  if (--b.refs > 0) return;
  if (b.cached) {
    lru_.push_back(id);
    b.lru = std::prev(lru_.end());
  } else {
    free_.push_back(id);
  }
}

uint64_t KvPool::publish(int32_t id, uint64_t parent, std::span<const int32_t> block_tokens) {
  const uint64_t h = chain_hash(parent, block_tokens);
  Block& b = blocks_[static_cast<size_t>(id)];
  if (b.cached || by_hash_.count(h)) return h;
  b.cached = true;
  b.hash = h;
  b.parent = parent;
  b.tokens.assign(block_tokens.begin(), block_tokens.end());
  by_hash_.emplace(h, id);
  return h;
}

void KvPool::forget(int32_t id) {
  Block& b = blocks_[static_cast<size_t>(id)];
  if (!b.cached) return;
  auto it = by_hash_.find(b.hash);
  if (it != by_hash_.end() && it->second == id) by_hash_.erase(it);
  b.cached = false;
  b.tokens.clear();
}

}  // namespace heft::engine
