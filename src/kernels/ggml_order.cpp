#include "kernels/ggml_order.h"

#include <bit>
#include <cmath>
#include <cstring>

#include "kernels/fp16.h"

namespace heft::kernels::ggml_order {

float reduce_add16(const float a[16]) {
  float t3[8], t6[4];
  for (int i = 0; i < 8; ++i) t3[i] = a[i + 8] + a[i];
  for (int i = 0; i < 4; ++i) t6[i] = t3[i + 4] + t3[i];
  const float t8_0 = t6[0] + t6[2], t8_1 = t6[1] + t6[3];
  return t8_0 + t8_1;
}

float hsum8(const float a[8]) {
  float r[4];
  for (int i = 0; i < 4; ++i) r[i] = a[i + 4] + a[i];  // extractf128(hi) + lo
  const float s0 = r[0] + r[2], s1 = r[1] + r[3];      // + movehl
  return s0 + s1;                                      // + movehdup, scalar lane
}

namespace {

// 4 accumulators of 16 lanes over the first n & ~63 elements, reduced as
// GGML_F32x16_REDUCE does (acc0+acc2, acc1+acc3, then acc0+acc1).
template <class Load>
float blocked64(int64_t np, const Load& load) {
  float acc[4][16] = {};
  for (int64_t i = 0; i < np; i += 64)
    for (int j = 0; j < 4; ++j)
      for (int l = 0; l < 16; ++l) {
        const int64_t e = i + j * 16 + l;
        acc[j][l] = std::fma(load.x(e), load.y(e), acc[j][l]);
      }
  for (int l = 0; l < 16; ++l) {
    acc[0][l] = acc[0][l] + acc[2][l];
    acc[1][l] = acc[1][l] + acc[3][l];
  }
  for (int l = 0; l < 16; ++l) acc[0][l] = acc[0][l] + acc[1][l];
  return reduce_add16(acc[0]);
}

template <class Load>
float lanes16(int64_t n, const Load& load) {
  float acc[16] = {};
  for (int64_t i = 0; i < n; i += 16)
    for (int l = 0; l < 16; ++l) acc[l] = std::fma(load.x(i + l), load.y(i + l), acc[l]);
  return reduce_add16(acc);
}

// Operands may sit at any address (weights inside a file mapping), so loads go through memcpy.
inline float load_f32(const float* p, int64_t i) {
  float v;
  std::memcpy(&v, reinterpret_cast<const unsigned char*>(p) + 4 * i, 4);
  return v;
}
inline uint16_t load_u16(const uint16_t* p, int64_t i) {
  uint16_t v;
  std::memcpy(&v, reinterpret_cast<const unsigned char*>(p) + 2 * i, 2);
  return v;
}

struct F32Load {
  const float *a, *b;
  float x(int64_t i) const { return load_f32(a, i); }
  float y(int64_t i) const { return load_f32(b, i); }
};
struct F16Load {
  const uint16_t *a, *b;
  float x(int64_t i) const { return fp16_to_fp32(load_u16(a, i)); }
  float y(int64_t i) const { return fp16_to_fp32(load_u16(b, i)); }
};

struct BF16Load {
  const uint16_t *a, *b;
  float x(int64_t i) const { return bf16_to_fp32(load_u16(a, i)); }
  float y(int64_t i) const { return bf16_to_fp32(load_u16(b, i)); }
};

}  // namespace

float dot_f32(const float* x, const float* y, int64_t n) {
  const int64_t np = n & ~int64_t{63};
  return dot_f32_tail(x, y, np, n, blocked64(np, F32Load{x, y}));
}

float dot_f32_tail(const float* x, const float* y, int64_t np, int64_t n, float sum) {
  // The leftover loop as GCC 12 compiles it for AVX-512 (-O3, GNU C++, FMA
  // contraction allowed): products of whole groups of 16, then of one group of
  // 8, are rounded before the in-order additions; the last few are fused.
  const int64_t left = n - np;
  const int64_t plain = left / 16 * 16 + (left % 16 >= 8 ? 8 : 0);
  for (int64_t i = np; i < np + plain; ++i) sum += load_f32(x, i) * load_f32(y, i);
  for (int64_t i = np + plain; i < n; ++i) sum = std::fma(load_f32(x, i), load_f32(y, i), sum);
  return sum;
}

float dot_f32_batch(const float* x, const float* y, int64_t n) { return lanes16(n, F32Load{x, y}); }

float dot_f16(const uint16_t* x, const uint16_t* y, int64_t n) {
  const int64_t np = n & ~int64_t{63};
  return dot_f16_tail(x, y, np, n, blocked64(np, F16Load{x, y}));
}

float dot_f16_tail(const uint16_t* x, const uint16_t* y, int64_t np, int64_t n, float blocked) {
  double sum = blocked;
  for (int64_t i = np; i < n; ++i) sum += static_cast<double>(fp16_to_fp32(load_u16(x, i)) * fp16_to_fp32(load_u16(y, i)));
  return static_cast<float>(sum);
}

float dot_f16_batch(const uint16_t* x, const uint16_t* y, int64_t n) { return lanes16(n, F16Load{x, y}); }

float dot_bf16(const uint16_t* x, const uint16_t* y, int64_t n) {
  const BF16Load load{x, y};
  const int64_t n16 = n & ~int64_t{15};
  float sum = n16 > 0 ? lanes16(n16, load) : 0.0f;
  for (int64_t i = n16; i < n; ++i) sum = std::fma(load.x(i), load.y(i), sum);
  return sum;
}

float expf(float x) {
  const float r = 0x1.8p23f;
  const float z = std::fma(x, 0x1.715476p+0f, r);
  const float n = z - r;
  const float b = std::fma(-n, 0x1.7f7d1cp-20f, std::fma(-n, 0x1.62e4p-1f, x));
  const float u = b * b;
  const float j = std::fma(std::fma(std::fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u,
                                    std::fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                           u, std::fma(0x1.ffffecp-1f, b, 1.0f));
  if (std::fabs(n) > 192.0f) return n <= 0.0f ? 0.0f : INFINITY;
  return std::ldexp(j, static_cast<int>(n));  // _mm512_scalef_ps(j, n)
}

float silu(float x) { return x / (1.0f + expf(0.0f - x)); }

}  // namespace heft::kernels::ggml_order
