#pragma once
// One pool of persistent worker threads, created once. parallel_for splits a
// range into one contiguous slice per thread (the same split for the same
// sizes), so results never depend on scheduling. Waiting (workers for the
// next job, the caller for the last slice) spins up to 200 us, then sleeps on
// a futex (std::atomic::wait): a dispatch costs about a microsecond while
// tokens are flowing, and idle or preempted-partner waits give the core back
// instead of burning whole time slices.
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

  // Calls fn(begin, end, thread_index) on [0, n) split into size() slices
  // (slice boundaries rounded to multiples of `grain`). Blocks until all are done.
  void parallel_for(int64_t n, const std::function<void(int64_t, int64_t, unsigned)>& fn, int64_t grain = 1);

 private:
  void worker(unsigned index);
  void run_slice(unsigned index);

  unsigned n_threads_;
  std::vector<std::thread> threads_;
  const std::function<void(int64_t, int64_t, unsigned)>* job_ = nullptr;
  int64_t job_n_ = 0, job_grain_ = 1;
  std::atomic<uint64_t> generation_{0};  // bumped once per job; workers wait for a change
  std::atomic<unsigned> sleepers_{0};    // workers blocked in generation_.wait
  std::atomic<unsigned> pending_{0};     // worker slices of the current job not yet done
  std::atomic<bool> stop_{false};
};

}  // namespace heft::util
