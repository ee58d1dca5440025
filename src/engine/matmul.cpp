#include "engine/matmul.h"

#include <algorithm>

#include "kernels/gemm.h"
#include "kernels/quant.h"

namespace heft::engine {

size_t matmul_scratch_bytes(const model::Weight& w, int64_t n_tokens) {
  const kernels::Gemm& g = kernels::gemm_for(w.type);
  return g.act_bytes(w.type, w.cols) * static_cast<size_t>(n_tokens) + 64;
}

void matmul(const model::Weight& w, const float* x, int64_t n_tokens, float* y, uint8_t* scratch,
            util::ThreadPool& pool, Order order) {
  if (n_tokens <= 0) return;
  const kernels::Gemm& g = kernels::gemm_for(w.type);
  const size_t x_row = g.act_bytes(w.type, w.cols);
  // Activation rows start on 64-byte boundaries (scratch has 64 bytes of slack).
  uint8_t* act = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(scratch) + 63) & ~uintptr_t{63});
  pool.parallel_for(n_tokens, [&](int64_t t0, int64_t t1, unsigned) {
    for (int64_t t = t0; t < t1; ++t) g.quantize(w.type, x + t * w.cols, act + static_cast<size_t>(t) * x_row, w.cols);
  });
  kernels::GemmArgs a;
  a.type = w.type;
  a.k = w.cols;
  a.w = w.data;
  a.w_stride = w.row_bytes;
  a.x = act;
  a.x_stride = x_row;
  a.n = n_tokens;
  a.y = y;
  a.ldy = w.rows;
  a.batch = order == Order::Batch;  // ggml sums a prompt batch in tinyBLAS's order and a single token in vec_dot's
  // Chunks of rows an idle thread can take over from a stalled one's slice: 64 in decode (a
  // thread's consecutive chunks are one memory stream, run_decode); in a batch about a quarter of a
  // thread's share, 16 to 64 rows, so that small matrices (192 rows of keys over two threads) still
  // split evenly when one thread falls behind.
  const int64_t share = w.rows / (4 * static_cast<int64_t>(pool.size()));
  const int64_t chunk = n_tokens == 1 ? 64 : std::clamp<int64_t>(share / 16 * 16, 16, 64);
  pool.parallel_for(
      w.rows,
      [&](int64_t r0, int64_t r1, unsigned) {
        kernels::GemmArgs part = a;
        part.r0 = r0;
        part.r1 = r1;
        g.run(part);
      },
      16, chunk);
}

void weight_row(const model::Weight& w, int64_t r, float* out) { kernels::dequantize_row(w.type, w.row(r), out, w.cols); }

}  // namespace heft::engine
