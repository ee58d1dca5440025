// util::ThreadPool: every index runs exactly once, for sizes around the grain
// and the thread count, slices start on the grain, the pool is reusable, and a
// stalled thread's chunks are taken over.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "util/thread_pool.h"

using heft::util::ThreadPool;

namespace {

void expect_each_index_once(ThreadPool& pool, int64_t n, int64_t grain) {
  std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
  std::atomic<bool> aligned{true}, thread_ok{true};
  auto fn = [&](int64_t b, int64_t e, unsigned t) {
    if (b % grain != 0) aligned = false;
    if (t >= pool.size()) thread_ok = false;
    for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
  };
  pool.parallel_for(n, fn, grain);
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << "n=" << n << " grain=" << grain << " i=" << i;
  EXPECT_TRUE(aligned) << "chunks start on multiples of the grain";
  EXPECT_TRUE(thread_ok);
}

}  // namespace

TEST(ThreadPool, EveryIndexRunsOnce) {
  for (unsigned threads : {1u, 2u, 3u}) {
    ThreadPool pool(threads);
    for (int64_t grain : {1, 16})
      for (int64_t n : {1, 2, 15, 16, 17, 100, 2048, 5633}) expect_each_index_once(pool, n, grain);
  }
}

TEST(ThreadPool, OneContiguousSlicePerThread) {
  ThreadPool pool(2);
  std::atomic<int> calls{0};
  std::atomic<int64_t> first_end{0};
  pool.parallel_for(2048, [&](int64_t b, int64_t e, unsigned) {
    calls.fetch_add(1);
    if (b == 0) first_end = e;
  }, 16);
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(first_end.load(), 1024);  // the same split for the same sizes
}

TEST(ThreadPool, AnIdleThreadTakesOverAStalledThreadsChunks) {
  ThreadPool pool(2);
  std::vector<std::atomic<int>> by(64);  // which thread ran each chunk (+1)
  std::atomic<bool> stalled{false};
  pool.parallel_for(64, [&](int64_t b, int64_t e, unsigned t) {
    if (t == 1 && !stalled.exchange(true)) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (int64_t i = b; i < e; ++i) by[static_cast<size_t>(i)] = static_cast<int>(t) + 1;
  }, 1, 1);
  int stolen = 0;
  for (int64_t i = 32; i < 64; ++i) stolen += by[static_cast<size_t>(i)].load() == 1;
  EXPECT_GT(stolen, 16) << "thread 0 should have run most of thread 1's slice while thread 1 slept";
}

TEST(ThreadPool, ManyJobsInARowWithChunks) {
  ThreadPool pool(3);
  for (int rep = 0; rep < 2000; ++rep) {
    const int64_t n = 1 + rep % 97;
    std::atomic<int64_t> sum{0};
    pool.parallel_for(n, [&](int64_t b, int64_t e, unsigned) {
      for (int64_t i = b; i < e; ++i) sum.fetch_add(i + 1);
    }, 1, 1 + rep % 5);
    ASSERT_EQ(sum.load(), n * (n + 1) / 2) << "rep " << rep;
  }
}
