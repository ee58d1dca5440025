#pragma once
// Helpers shared by the kernel tests: deterministic inputs (bit-identical on
// every platform: integer arithmetic only), row sizes, and a byte hash.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "formats/ggml_types.h"
#include "kernels/quant.h"

namespace heft::test_kernels {

using formats::GgmlType;

inline size_t row_size(GgmlType t, int64_t n) { return static_cast<size_t>(*formats::row_bytes(t, n)); }

// ggml's test-quantize-fns data: 0.1 + 2 cos(i + offset).
inline std::vector<float> cos_data(size_t n, float offset) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = 0.1f + 2 * std::cos(static_cast<float>(i) + offset);
  return v;
}

// Gaussian-ish values from a fixed-seed engine (mt19937 is specified by the standard,
// normal_distribution is not: use a sum of uniforms built from the raw integers).
inline std::vector<float> gaussian_data(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) {
    int64_t s = 0;
    for (int k = 0; k < 4; ++k) s += static_cast<int64_t>(rng() >> 8);  // four 24-bit uniforms
    // (sum - mean) / sd, with sd of four U(0, 2^24) = 2^24 * sqrt(4/12)
    x = scale * static_cast<float>((static_cast<double>(s) - 2.0 * 16777216.0) / (16777216.0 * 0.5773502691896258));
  }
  return v;
}

// 8 rows of 512 covering the quantizers' special cases, built from integers only
// (bit-identical everywhere): 0 gaussian, 1 small gaussian, 2 gaussian with every
// fifth group of 16 zero, 3 gaussian with every third block of 32 constant, 4 half
// integers (rounding ties), 5 positive only, 6 small values with outliers, 7 zeros.
inline constexpr int64_t kGoldenRowLen = 512, kGoldenRows = 8;
inline std::vector<float> golden_input() {
  const auto g = gaussian_data(kGoldenRowLen * kGoldenRows, 20240601);
  std::vector<float> v(g.size());
  for (int64_t r = 0; r < kGoldenRows; ++r) {
    for (int64_t i = 0; i < kGoldenRowLen; ++i) {
      const float x = g[r * kGoldenRowLen + i];
      float& y = v[r * kGoldenRowLen + i];
      switch (r) {
        case 0: y = x; break;
        case 1: y = x * 0.001f; break;
        case 2: y = (i / 16) % 5 == 0 ? 0.f : x; break;
        case 3: y = (i / 32) % 3 == 0 ? 1.25f : x; break;
        case 4: y = static_cast<float>(static_cast<int>(x * 4)) * 0.5f; break;
        case 5: y = x < 0 ? -x : x; break;
        case 6: y = i % 37 == 0 ? x * 100 : x * 0.01f; break;
        default: y = 0; break;
      }
    }
  }
  return v;
}
inline std::vector<float> golden_importance() {
  std::vector<float> w(kGoldenRowLen);
  for (int64_t i = 0; i < kGoldenRowLen; ++i) w[i] = static_cast<float>(1 + (i * 37) % 101) / 16.0f;
  return w;
}

// FNV-1a, 64-bit.
inline uint64_t fnv1a(const void* data, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

inline std::vector<uint8_t> quantize(GgmlType t, const std::vector<float>& x, int64_t n_per_row,
                                     const float* importance = nullptr) {
  const int64_t rows = static_cast<int64_t>(x.size()) / n_per_row;
  std::vector<uint8_t> q(row_size(t, n_per_row) * rows);
  kernels::quantize_rows(t, x.data(), q.data(), rows, n_per_row, importance);
  return q;
}

inline std::vector<float> dequantize(GgmlType t, const std::vector<uint8_t>& q, int64_t n) {
  std::vector<float> y(static_cast<size_t>(n));
  kernels::dequantize_row(t, q.data(), y.data(), n);
  return y;
}

}  // namespace heft::test_kernels
