#include "engine/matmul.h"

#include "kernels/quant.h"

namespace heft::engine {

size_t matmul_scratch_bytes(const model::Weight& w, int64_t n_tokens) {
  auto rb = formats::row_bytes(kernels::vec_dot_type(w.type), static_cast<uint64_t>(w.cols));
  return rb ? *rb * static_cast<size_t>(n_tokens) : 0;
}

void matmul(const model::Weight& w, const float* x, int64_t n_tokens, float* y, uint8_t* scratch,
            util::ThreadPool& pool) {
  const formats::GgmlType act = kernels::vec_dot_type(w.type);
  const size_t x_row = *formats::row_bytes(act, static_cast<uint64_t>(w.cols));
  pool.parallel_for(n_tokens, [&](int64_t t0, int64_t t1, unsigned) {
    for (int64_t t = t0; t < t1; ++t)
      kernels::quantize_activations(act, x + t * w.cols, scratch + static_cast<size_t>(t) * x_row, w.cols);
  });
  // ggml sums a prompt batch in tinyBLAS's order and a single token in vec_dot's.
  auto dot = n_tokens > 1 ? kernels::vec_dot_batch : kernels::vec_dot;
  pool.parallel_for(
      w.rows,
      [&](int64_t r0, int64_t r1, unsigned) {
        for (int64_t r = r0; r < r1; ++r) {
          const uint8_t* row = w.row(r);
          for (int64_t t = 0; t < n_tokens; ++t)
            y[t * w.rows + r] = dot(w.type, w.cols, row, scratch + static_cast<size_t>(t) * x_row);
        }
      },
      16);
}

void weight_row(const model::Weight& w, int64_t r, float* out) { kernels::dequantize_row(w.type, w.row(r), out, w.cols); }

}  // namespace heft::engine
