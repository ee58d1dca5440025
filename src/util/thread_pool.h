#pragma once
// One pool of persistent worker threads, created once. parallel_for splits a
// range into one contiguous slice per thread (the same split for the same
// sizes); each slice is walked front to back in chunks, and a thread that is
// done with its own slice takes the remaining chunks of the others'. A job is
// finished when all of its work is done, not when every worker has checked
// in: a worker that another process keeps off its core (a busy desktop, a
// shared VM) neither holds the job up nor, when it wakes late, finds anything
// left to do. So which thread runs a chunk varies, and fn's results must not
// depend on it (thread_index is for per-thread scratch).
//
// Waiting (workers for the next job, the caller for the last chunk) spins
// briefly, then sleeps on a futex (std::atomic::wait).
#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace heft::util {

class ThreadPool {
 public:
  explicit ThreadPool(unsigned n_threads);  // 0: all logical cores
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  unsigned size() const { return n_threads_; }

  // Calls fn(begin, end, thread_index) over [0, n): size() slices (boundaries
  // rounded to multiples of `grain`), each in chunks of `chunk` (rounded up to
  // a multiple of `grain`; 0: the whole slice is one chunk). Blocks until all
  // of [0, n) is done.
  void parallel_for(int64_t n, const std::function<void(int64_t, int64_t, unsigned)>& fn, int64_t grain = 1,
                    int64_t chunk = 0);

 private:
  void worker(unsigned index);
  void work(unsigned index);
  void slice_bounds(unsigned index, int64_t& begin, int64_t& end) const;

  unsigned n_threads_;
  std::vector<std::thread> threads_;
  const std::function<void(int64_t, int64_t, unsigned)>* job_ = nullptr;
  int64_t job_n_ = 0, job_grain_ = 1, job_chunk_ = 1;  // job_chunk_: elements per claim
  struct alignas(64) Cursor {
    std::atomic<int64_t> next{0};  // the next chunk of this thread's slice
    int64_t end = 0;
  };
  std::vector<Cursor> cursors_;          // one per thread
  // Even: job 2k published; odd: the caller is writing the next job's fields.
  std::atomic<uint64_t> generation_{0};
  std::atomic<unsigned> active_{0};      // workers inside a job (the caller waits for 0 before rewriting it)
  std::atomic<unsigned> sleepers_{0};    // workers blocked in generation_.wait
  std::atomic<int64_t> remaining_{0};    // elements of the current job not yet done
  std::atomic<bool> stop_{false};
};

}  // namespace heft::util
