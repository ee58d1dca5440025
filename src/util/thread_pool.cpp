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

ThreadPool::ThreadPool(unsigned n_threads)
    : n_threads_(n_threads ? n_threads : std::max(1u, std::thread::hardware_concurrency())), cursors_(n_threads_) {
  for (unsigned i = 1; i < n_threads_; ++i) threads_.emplace_back([this, i] { worker(i); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true);
  generation_.fetch_add(2);
  generation_.notify_all();
  for (auto& t : threads_) t.join();
}

void ThreadPool::slice_bounds(unsigned index, int64_t& begin, int64_t& end) const {
  const int64_t blocks = (job_n_ + job_grain_ - 1) / job_grain_;
  const int64_t per = blocks / n_threads_, extra = blocks % n_threads_;
  const int64_t b0 = index * per + std::min<int64_t>(index, extra);
  const int64_t b1 = b0 + per + (static_cast<int64_t>(index) < extra ? 1 : 0);
  begin = std::min(job_n_, b0 * job_grain_);
  end = std::min(job_n_, b1 * job_grain_);
}

// Own slice first, then the others' leftovers in turn. Every chunk is claimed
// exactly once (fetch_add), so a late worker on a finished job claims nothing.
void ThreadPool::work(unsigned index) {
  for (unsigned k = 0; k < n_threads_; ++k) {
    Cursor& c = cursors_[(index + k) % n_threads_];
    for (int64_t b; (b = c.next.fetch_add(job_chunk_, std::memory_order_relaxed)) < c.end;) {
      const int64_t e = std::min(c.end, b + job_chunk_);
      (*job_)(b, e, index);
      if (remaining_.fetch_sub(e - b, std::memory_order_acq_rel) == e - b) remaining_.notify_one();
    }
  }
}

void ThreadPool::worker(unsigned index) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t g = generation_.load(std::memory_order_acquire);
    if (g == seen || (g & 1)) {
      if (spin_while([&] { return (g = generation_.load(std::memory_order_acquire)) == seen || (g & 1); })) {
        // Registered before wait() re-checks, so the caller either sees us or we see its job.
        sleepers_.fetch_add(1);
        generation_.wait(g);
        sleepers_.fetch_sub(1);
      }
      continue;
    }
    if (stop_.load()) return;
    // Enter, then re-read: the caller rewrites a job's fields only while no worker is inside.
    active_.fetch_add(1);
    g = generation_.load();
    if (!(g & 1) && g != seen) {
      seen = g;
      work(index);
    }
    active_.fetch_sub(1, std::memory_order_release);
  }
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t, unsigned)>& fn, int64_t grain,
                              int64_t chunk) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  if (n_threads_ == 1 || n <= grain) {
    fn(0, n, 0);
    return;
  }
  const uint64_t g = generation_.load(std::memory_order_relaxed);  // only this thread writes it
  generation_.store(g + 1);                                          // odd: writing
  while (active_.load(std::memory_order_acquire) != 0) cpu_relax();  // a late worker leaving the last job
  job_ = &fn;
  job_n_ = n;
  job_grain_ = grain;
  job_chunk_ = chunk > 0 ? (chunk + grain - 1) / grain * grain : n;  // n: each slice in one piece
  for (unsigned i = 0; i < n_threads_; ++i) {
    int64_t begin, end;
    slice_bounds(i, begin, end);
    cursors_[i].next.store(begin, std::memory_order_relaxed);
    cursors_[i].end = end;
  }
  remaining_.store(n, std::memory_order_relaxed);
  generation_.store(g + 2);  // publishes the job (sequentially consistent, pairs with sleepers_ and active_)
  if (sleepers_.load() > 0) generation_.notify_all();
  work(0);
  if (spin_while([&] { return remaining_.load(std::memory_order_acquire) != 0; }))
    for (int64_t r; (r = remaining_.load(std::memory_order_acquire)) != 0;) remaining_.wait(r);
}

}  // namespace heft::util
