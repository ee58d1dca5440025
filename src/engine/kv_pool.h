#pragma once
// engine::KvPool: the blocks of a server's KV cache (engine::Context rows in blocks of
// Context::block_size()): handed out to sequences, reference-counted, and kept
// after their last sequence ends as a prefix cache keyed by the hash of every
// token up to the block's end (vLLM's prefix caching by block hash), so a
// later prompt that starts the same way reuses them instead of computing them.
// Unreferenced cached blocks are evicted least recently used first, only when
// no free block is left. A block's tokens are compared, not only its hash.
#include <cstdint>
#include <list>
#include <span>
#include <unordered_map>
#include <vector>

namespace heft::engine {

class KvPool {
 public:
  KvPool(int64_t n_blocks, int64_t block_size);

  int64_t total() const { return static_cast<int64_t>(blocks_.size()); }
  int64_t block_size() const { return block_size_; }
  // Blocks a sequence can get now: free ones and cached ones nobody holds.
  int64_t available() const { return static_cast<int64_t>(free_.size() + lru_.size()); }
  int64_t used() const { return total() - available(); }  // held by sequences

  // The longest run of the prompt's first full blocks (at most max_blocks)
  // found in the cache, each held once for the caller (release them when done).
  std::vector<int32_t> match(std::span<const int32_t> tokens, int64_t max_blocks);
  // A block for the caller (a free one, else the least recently used cached one,
  // forgotten), or -1 when every block is held.
  int32_t allocate();
  void release(int32_t id);
  // Block `id` (held by the caller) is full with block_tokens, after blocks
  // whose chain hash is parent (0: it is a sequence's first): it may now be
  // found by match(). Returns its chain hash (the next block's parent). A block
  // with the same prefix already cached stays the one found.
  uint64_t publish(int32_t id, uint64_t parent, std::span<const int32_t> block_tokens);

  // Hash of the tokens of blocks 0..i (Key of block i).
  static uint64_t chain_hash(uint64_t parent, std::span<const int32_t> block_tokens);

 private:
  struct Block {
    int32_t refs = 0;
    bool cached = false;           // in by_hash_
    uint64_t hash = 0, parent = 0;  // chain hashes of this block and of the one before
    std::vector<int32_t> tokens;   // this block's tokens, compared on a match
    std::list<int32_t>::iterator lru;
  };
  void forget(int32_t id);  // drop from the prefix cache

  int64_t block_size_;
  std::vector<Block> blocks_;
  std::vector<int32_t> free_;  // a stack: the lowest ids first, so the touched pages stay few
  std::list<int32_t> lru_;     // cached blocks nobody holds, least recently used first
  std::unordered_map<uint64_t, int32_t> by_hash_;
};

}  // namespace heft::engine
