#include "util/thread_pool.h"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace heft::util {

namespace {

inline void cpu_relax() {
#if defined(__x86_64__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Spin this long before sleeping: longer than the serial work between two
// dispatches of a forward pass, far shorter than a time slice. (No
// sched_yield in between: on a busy machine it hands the core to another
// process for a whole slice.)
constexpr auto kSpinTime = std::chrono::microseconds(1000);

// Spins while `waiting()` holds, up to kSpinTime; returns whether it still holds.
template <class Pred>
bool spin_while(const Pred& waiting) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 1; waiting(); ++i) {
    cpu_relax();
    if (i % 64 == 0 && std::chrono::steady_clock::now() - start > kSpinTime) return waiting();
  }
  return false;
}

}  // namespace

ThreadPool::ThreadPool(unsigned n_threads) {
  n_threads_ = n_threads ? n_threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 1; i < n_threads_; ++i) threads_.emplace_back([this, i] { worker(i); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true);
  generation_.fetch_add(1);
  generation_.notify_all();
  for (auto& t : threads_) t.join();
}

void ThreadPool::run_slice(unsigned index) {
  int64_t blocks = (job_n_ + job_grain_ - 1) / job_grain_;
  int64_t per = blocks / n_threads_, extra = blocks % n_threads_;
  int64_t b0 = index * per + std::min<int64_t>(index, extra);
  int64_t b1 = b0 + per + (static_cast<int64_t>(index) < extra ? 1 : 0);
  int64_t begin = std::min(job_n_, b0 * job_grain_), end = std::min(job_n_, b1 * job_grain_);
  if (begin < end) (*job_)(begin, end, index);
}

void ThreadPool::worker(unsigned index) {
  uint64_t seen = 0;
  for (;;) {
    if (spin_while([&] { return generation_.load(std::memory_order_acquire) == seen; })) {
      // Registered before wait() re-checks, so parallel_for either sees us or we see its job.
      sleepers_.fetch_add(1);
      generation_.wait(seen);
      sleepers_.fetch_sub(1);
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stop_.load()) return;
    run_slice(index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
  }
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t, unsigned)>& fn, int64_t grain) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  if (n_threads_ == 1 || n <= grain) {
    fn(0, n, 0);
    return;
  }
  job_ = &fn;
  job_n_ = n;
  job_grain_ = grain;
  pending_.store(n_threads_ - 1, std::memory_order_relaxed);
  generation_.fetch_add(1);  // publishes the job (sequentially consistent, pairs with sleepers_)
  if (sleepers_.load() > 0) generation_.notify_all();
  run_slice(0);
  if (spin_while([&] { return pending_.load(std::memory_order_acquire) != 0; }))
    for (unsigned p; (p = pending_.load(std::memory_order_acquire)) != 0;) pending_.wait(p);
  job_ = nullptr;
}

}  // namespace heft::util
