// engine::KvPool: blocks handed out and returned, the prefix cache by chain
// hash (a block is found only after the same tokens before it), and eviction
// of unreferenced cached blocks least recently used first, only when no free
// block is left.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "engine/kv_pool.h"

using heft::engine::KvPool;

namespace {

std::vector<int32_t> seq(int32_t start, int n) {
  std::vector<int32_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), start);
  return v;
}

// Publishes tokens' full blocks in the blocks given, as a sequence does.
void publish_all(KvPool& pool, const std::vector<int32_t>& blocks, const std::vector<int32_t>& tokens) {
  uint64_t chain = 0;
  for (size_t i = 0; i < blocks.size(); ++i)
    chain = pool.publish(blocks[i], chain, std::span<const int32_t>(tokens).subspan(i * 4, 4));
}

}  // namespace

TEST(KvPool, AllocateUntilEmptyThenRelease) {
  KvPool pool(3, 4);
  EXPECT_EQ(pool.available(), 3);
  const int32_t a = pool.allocate(), b = pool.allocate(), c = pool.allocate();
  EXPECT_EQ(a, 0);  // lowest first: the pages touched stay few
  EXPECT_TRUE(a != b && b != c && a != c);
  EXPECT_EQ(pool.allocate(), -1);
  EXPECT_EQ(pool.used(), 3);
  pool.release(b);
  EXPECT_EQ(pool.available(), 1);
  EXPECT_EQ(pool.allocate(), b);
}

TEST(KvPool, MatchFindsPublishedPrefixBlocksOnly) {
  KvPool pool(8, 4);
  const auto tokens = seq(100, 12);  // three full blocks
  std::vector<int32_t> blocks = {pool.allocate(), pool.allocate(), pool.allocate()};
  publish_all(pool, blocks, tokens);
  for (int32_t b : blocks) pool.release(b);
  EXPECT_EQ(pool.available(), 8);  // cached, but nobody holds them

  // The same first 8 tokens, then others: two blocks.
  auto other = tokens;
  other[9] = 7;
  auto m = pool.match(other, 10);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0], blocks[0]);
  EXPECT_EQ(m[1], blocks[1]);
  EXPECT_EQ(pool.used(), 2);
  // The cap on blocks is kept (a prompt's last token is always computed).
  auto capped = pool.match(tokens, 1);
  EXPECT_EQ(capped.size(), 1u);
  // A block's tokens alone do not match: what comes before it must too.
  auto shifted = seq(104, 8);
  EXPECT_TRUE(pool.match(shifted, 2).empty());
  for (int32_t b : m) pool.release(b);
  for (int32_t b : capped) pool.release(b);
  EXPECT_EQ(pool.used(), 0);
}

TEST(KvPool, EvictsLeastRecentlyUsedCachedBlocksWhenNothingIsFree) {
  KvPool pool(2, 4);
  const auto t1 = seq(0, 4), t2 = seq(50, 4);
  const int32_t a = pool.allocate();
  publish_all(pool, {a}, t1);
  const int32_t b = pool.allocate();
  publish_all(pool, {b}, t2);
  pool.release(a);  // a is the least recently used
  pool.release(b);
  EXPECT_EQ(pool.match(t1, 1).size(), 1u);  // a used again: b is now the oldest
  pool.release(a);
  const int32_t c = pool.allocate();
  EXPECT_EQ(c, b);
  EXPECT_TRUE(pool.match(t2, 1).empty()) << "an evicted block is forgotten";
  auto again = pool.match(t1, 1);
  EXPECT_EQ(again.size(), 1u);
  pool.release(again[0]);
  pool.release(c);
}

TEST(KvPool, SharedBlocksStayUntilTheLastHolderLetsGo) {
  KvPool pool(2, 4);
  const auto t = seq(9, 4);
  const int32_t a = pool.allocate();
  publish_all(pool, {a}, t);
  auto m = pool.match(t, 1);  // a second holder
  ASSERT_EQ(m.size(), 1u);
  pool.release(a);
  EXPECT_EQ(pool.used(), 1);
  pool.allocate();  // the free one
  EXPECT_EQ(pool.allocate(), -1) << "a held block is never evicted";
  pool.release(m[0]);
  EXPECT_EQ(pool.available(), 1);
}
