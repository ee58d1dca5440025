// bench/bandwidth: the machine's multi-threaded memory read bandwidth, the
// ceiling of decode speed (each generated token reads every weight once).
// Each thread sums its own slice of a buffer much larger than the caches;
// the best of several passes is reported, in GB/s (10^9 bytes per second).
//   bandwidth [-t THREADS] [-s MIB] [-r PASSES] [--json]
#include <sys/mman.h>

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace {

// Four independent sums so the loads are not serialized by one dependency chain.
uint64_t sum_slice(const uint64_t* p, size_t n) {
  uint64_t a = 0, b = 0, c = 0, d = 0;
  for (size_t i = 0; i + 4 <= n; i += 4) {
    a += p[i];
    b += p[i + 1];
    c += p[i + 2];
    d += p[i + 3];
  }
  return a + b + c + d;
}

}  // namespace

int main(int argc, char** argv) {
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  size_t mib = 1024;
  int passes = 10;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-t" && i + 1 < argc) threads = static_cast<unsigned>(std::atoi(argv[++i]));
    else if (a == "-s" && i + 1 < argc) mib = static_cast<size_t>(std::atoll(argv[++i]));
    else if (a == "-r" && i + 1 < argc) passes = std::atoi(argv[++i]);
    else if (a == "--json") json = true;
    else {
      std::fprintf(stderr, "usage: bandwidth [-t THREADS] [-s MIB] [-r PASSES] [--json]\n");
      return 1;
    }
  }
  if (threads == 0 || mib == 0 || passes <= 0) return 1;
  const size_t words = mib * (1 << 20) / 8 / threads / 4 * 4;  // per thread
  // In huge pages where the kernel grants them, as heft's weights are mapped
  // (util/mapped_file.cpp): the ceiling is the best the machine streams.
  const size_t kHuge = size_t{2} << 20, bytes_alloc = (words * threads * 8 + kHuge - 1) / kHuge * kHuge;
  auto* mem = static_cast<uint64_t*>(std::aligned_alloc(kHuge, bytes_alloc));
  if (!mem) return 1;
  madvise(mem, bytes_alloc, MADV_HUGEPAGE);
  const std::span<uint64_t> buf(mem, words * threads);
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = i;  // touch every page

  std::vector<double> seconds;
  std::vector<uint64_t> sinks(threads);
  std::barrier start(static_cast<std::ptrdiff_t>(threads) + 1), done(static_cast<std::ptrdiff_t>(threads) + 1);
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int p = 0; p < passes; ++p) {
        start.arrive_and_wait();
        sinks[t] += sum_slice(buf.data() + t * words, words);
        done.arrive_and_wait();
      }
    });
  for (int p = 0; p < passes; ++p) {
    start.arrive_and_wait();
    const auto t0 = std::chrono::steady_clock::now();
    done.arrive_and_wait();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  for (auto& th : pool) th.join();
  std::sort(seconds.begin(), seconds.end());
  const double bytes = static_cast<double>(words * threads * 8);
  const double best = bytes / seconds.front() / 1e9, median = bytes / seconds[seconds.size() / 2] / 1e9;
  uint64_t sink = 0;
  for (uint64_t s : sinks) sink ^= s;
  if (json)
    std::printf("{\"threads\": %u, \"buffer_mib\": %zu, \"passes\": %d, \"best_gb_s\": %.2f, \"median_gb_s\": %.2f, \"sink\": %llu}\n",
                threads, mib, passes, best, median, static_cast<unsigned long long>(sink & 1));
  else
    std::printf("read bandwidth: %.2f GB/s best, %.2f GB/s median (%u threads, %zu MiB, %d passes)\n", best, median, threads,
                mib, passes);
  std::free(mem);
  return 0;
}
