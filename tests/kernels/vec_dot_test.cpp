// Dot products and activation formats: the weight/activation pairing ggml's CPU
// backend uses, vec_dot against a float64 dot of the dequantized operands, the
// rounding of the activation quantizers (ties to even on x86, unlike the weight
// quantizers' roundf), and ggml's own dot-product error limits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "kernel_test_util.h"
#include "kernels/fp16.h"
#include "kernels/quant.h"

using namespace heft;
using namespace heft::test_kernels;
using kernels::fp16_to_fp32;
using kernels::fp32_to_fp16;

namespace {

const GgmlType kDotTypes[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16,  GgmlType::Q4_0,  GgmlType::Q4_1,
                              GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0,  GgmlType::Q2_K,  GgmlType::Q3_K,
                              GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K,  GgmlType::IQ4_NL, GgmlType::IQ4_XS,
                              GgmlType::MXFP4};

TEST(Pairing, AsGgmlCpuBackend) {
  // ggml-cpu.c type_traits_cpu[].vec_dot_type
  EXPECT_EQ(kernels::vec_dot_type(GgmlType::F32), GgmlType::F32);
  EXPECT_EQ(kernels::vec_dot_type(GgmlType::F16), GgmlType::F16);
  EXPECT_EQ(kernels::vec_dot_type(GgmlType::BF16), GgmlType::BF16);
  for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q8_0, GgmlType::IQ4_NL, GgmlType::MXFP4})
    EXPECT_EQ(kernels::vec_dot_type(t), GgmlType::Q8_0) << formats::type_name(t);
  for (GgmlType t : {GgmlType::Q4_1, GgmlType::Q5_1}) EXPECT_EQ(kernels::vec_dot_type(t), GgmlType::Q8_1);
  for (GgmlType t : {GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::IQ4_XS})
    EXPECT_EQ(kernels::vec_dot_type(t), GgmlType::Q8_K) << formats::type_name(t);
}

TEST(Pairing, CapabilityTable) {
  for (GgmlType t : kDotTypes) {
    EXPECT_TRUE(kernels::can_dot(t)) << formats::type_name(t);
    EXPECT_TRUE(kernels::can_dequantize(t)) << formats::type_name(t);
  }
  for (GgmlType t : {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0,
                     GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q8_1, GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K,
                     GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::Q8_K})
    EXPECT_TRUE(kernels::can_quantize(t)) << formats::type_name(t);
  for (GgmlType t : {GgmlType::TQ1_0, GgmlType::TQ2_0, GgmlType::Q8_1, GgmlType::Q8_K}) {
    EXPECT_TRUE(kernels::can_dequantize(t));
    EXPECT_FALSE(kernels::can_dot(t)) << formats::type_name(t);
  }
  for (GgmlType t : {GgmlType::IQ2_XXS, GgmlType::IQ1_S, GgmlType::I32, GgmlType::F64, GgmlType::NVFP4, GgmlType::U8}) {
    EXPECT_FALSE(kernels::can_dequantize(t)) << formats::type_name(t);
    EXPECT_FALSE(kernels::can_quantize(t)) << formats::type_name(t);
    EXPECT_FALSE(kernels::can_dot(t)) << formats::type_name(t);
  }
  EXPECT_FALSE(kernels::can_quantize(GgmlType::IQ4_NL));  // dequantize and dot only
}

// A weight row of type t: quantized from data where heft can, random blocks with sane
// scales for the codebook types it only reads.
std::vector<uint8_t> weight_row(GgmlType t, int64_t n, uint32_t seed) {
  if (kernels::can_quantize(t)) return quantize(t, gaussian_data(n, seed, 0.05f), n);
  std::mt19937 rng(seed);
  std::vector<uint8_t> w(row_size(t, n));
  for (auto& c : w) c = static_cast<uint8_t>(rng());
  const uint32_t bb = formats::type_traits(t)->block_bytes;
  for (size_t o = 0; o < w.size(); o += bb) {
    if (t == GgmlType::MXFP4) {
      w[o] = static_cast<uint8_t>(118 + rng() % 6);  // 2^-10 .. 2^-5
    } else {
      const uint16_t d = fp32_to_fp16(0.0005f * static_cast<float>(1 + rng() % 8));
      std::memcpy(&w[o], &d, 2);
    }
  }
  return w;
}

// |offset| per element: the dequantized value with all quant bits zeroed, for the
// formats with an additive min (their float dequantization rounds relative to it).
std::vector<float> offsets(GgmlType t, std::vector<uint8_t> w, int64_t n) {
  struct Span {
    size_t from, to;
  };
  std::vector<Span> quant_bytes;
  switch (t) {
    case GgmlType::Q4_1: quant_bytes = {{4, 20}}; break;
    case GgmlType::Q5_1: quant_bytes = {{4, 24}}; break;
    case GgmlType::Q2_K: quant_bytes = {{16, 80}}; break;
    case GgmlType::Q4_K: quant_bytes = {{16, 144}}; break;
    case GgmlType::Q5_K: quant_bytes = {{16, 176}}; break;
    default: return std::vector<float>(static_cast<size_t>(n), 0.0f);
  }
  const uint32_t bb = formats::type_traits(t)->block_bytes;
  for (size_t o = 0; o < w.size(); o += bb)
    for (auto s : quant_bytes) std::fill(w.begin() + o + s.from, w.begin() + o + s.to, uint8_t{0});
  auto y = dequantize(t, w, n);
  for (auto& v : y) v = std::fabs(v);
  return y;
}

TEST(VecDot, MatchesFloat64DotOfDequantizedOperands) {
  for (GgmlType t : kDotTypes) {
    const GgmlType at = kernels::vec_dot_type(t);
    for (int64_t n : {256, 4096}) {
      for (uint32_t seed = 1; seed <= 6; ++seed) {
        const auto w = weight_row(t, n, seed);
        const auto x = gaussian_data(n, 1000 + seed, 2.0f);
        std::vector<uint8_t> xq(row_size(at, n));
        kernels::quantize_activations(at, x.data(), xq.data(), n);
        const float got = kernels::vec_dot(t, n, w.data(), xq.data());

        const auto wd = dequantize(t, w, n);
        const auto xd = dequantize(at, xq, n);
        const auto mu = offsets(t, w, n);
        double want = 0, scale = 0;
        for (int64_t i = 0; i < n; ++i) {
          want += double(wd[i]) * xd[i];
          scale += std::fabs(double(xd[i])) * (std::fabs(double(wd[i])) + mu[i]);
        }
        double tol = 1e-5 * scale;
        if (at == GgmlType::Q8_1) {
          // The min term uses the block's s = fp16(d * sum q) in place of fp16(d) * sum q.
          for (int64_t b = 0; b < n / 32; ++b) {
            const uint8_t* blk = xq.data() + 36 * b;
            uint16_t d16, s16;
            std::memcpy(&d16, blk, 2);
            std::memcpy(&s16, blk + 2, 2);
            int sum = 0;
            for (int j = 0; j < 32; ++j) sum += static_cast<int8_t>(blk[4 + j]);
            const double s_exact = double(fp16_to_fp32(d16)) * sum;
            tol += mu[32 * b] * std::fabs(double(fp16_to_fp32(s16)) - s_exact);
          }
        }
        EXPECT_NEAR(got, want, tol) << formats::type_name(t) << " n=" << n << " seed=" << seed;
        EXPECT_GT(scale, 0.0);  // not a vacuous comparison of zeros
      }
    }
  }
}

TEST(VecDot, WithinGgmlDotProductErrorLimits) {
  // test-quantize-fns: |vec_dot(q(x1), q8(x2)) - x1.x2| / n < 0.02 (Q2_K: 0.04).
  const size_t n = 32 * 128;
  const auto x1 = cos_data(n, 0.0f), x2 = cos_data(n, 1.0f);
  double exact = 0;
  for (size_t i = 0; i < n; ++i) exact += x1[i] * x2[i];
  for (GgmlType t : {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0,
                     GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K,
                     GgmlType::Q6_K}) {
    const GgmlType at = kernels::vec_dot_type(t);
    const auto w = quantize(t, x1, static_cast<int64_t>(n));
    std::vector<uint8_t> xq(row_size(at, static_cast<int64_t>(n)));
    kernels::quantize_activations(at, x2.data(), xq.data(), static_cast<int64_t>(n));
    const float got = kernels::vec_dot(t, static_cast<int64_t>(n), w.data(), xq.data());
    EXPECT_LT(std::fabs(got - exact) / n, t == GgmlType::Q2_K ? 0.04 : 0.02) << formats::type_name(t);
  }
}

// A 32-block whose largest magnitude is 127, so the inverse scale is exactly 1 and
// x * id == x: the quants show the rounding rule directly.
std::vector<float> tie_block() {
  std::vector<float> x(32, 0.0f);
  const float v[] = {127, 2.5f, 3.5f, -2.5f, 0.5f, -0.5f, 1.5f, -1.5f, 126.5f, -3.5f, 0.49999997f, 4.5f};
  std::copy(std::begin(v), std::end(v), x.begin());
  return x;
}

TEST(Activations, Q8_0RoundsHalfToEven) {
  const auto x = tie_block();
  std::vector<uint8_t> q(34);
  kernels::quantize_activations(GgmlType::Q8_0, x.data(), q.data(), 32);
  uint16_t d;
  std::memcpy(&d, q.data(), 2);
  EXPECT_EQ(d, fp32_to_fp16(1.0f));
  const int8_t want[] = {127, 2, 4, -2, 0, 0, 2, -2, 126, -4, 0, 4};
  for (int j = 0; j < 12; ++j) EXPECT_EQ(static_cast<int8_t>(q[2 + j]), want[j]) << "x = " << x[j];

  // The weight quantizer (quantize_row_q8_0_ref, what llama-quantize writes) uses roundf instead.
  const auto w = quantize(GgmlType::Q8_0, x, 32);
  const int8_t want_ref[] = {127, 3, 4, -3, 1, -1, 2, -2, 127, -4, 0, 5};
  for (int j = 0; j < 12; ++j) EXPECT_EQ(static_cast<int8_t>(w[2 + j]), want_ref[j]) << "x = " << x[j];
}

TEST(Activations, Q8_0InverseScaleIs127OverAmax) {
  // x86 multiplies by id = 127 / amax (the reference quantizer by 1 / (amax / 127)) and
  // rounds the float product to nearest even.
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j) x[j] = static_cast<float>(j - 16) * 0.1875f;  // amax = 3
  std::vector<uint8_t> q(34);
  kernels::quantize_activations(GgmlType::Q8_0, x.data(), q.data(), 32);
  const float id = 127.f / 3.0f;
  for (int j = 0; j < 32; ++j) EXPECT_EQ(static_cast<int8_t>(q[2 + j]), static_cast<int>(std::nearbyint(x[j] * id))) << j;
}

TEST(Activations, Q8_1SumField) {
  const auto x = gaussian_data(256, 3);
  std::vector<uint8_t> q(36 * 8);
  kernels::quantize_activations(GgmlType::Q8_1, x.data(), q.data(), 256);
  for (int b = 0; b < 8; ++b) {
    const uint8_t* blk = q.data() + 36 * b;
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[32 * b + j]));
    int sum = 0;
    for (int j = 0; j < 32; ++j) {
      const int8_t v = static_cast<int8_t>(blk[4 + j]);
      EXPECT_EQ(v, static_cast<int>(std::nearbyint(x[32 * b + j] * (127.f / amax))));
      sum += v;
    }
    uint16_t d, s;
    std::memcpy(&d, blk, 2);
    std::memcpy(&s, blk + 2, 2);
    EXPECT_EQ(d, fp32_to_fp16(amax / 127.f));
    EXPECT_EQ(s, fp32_to_fp16(amax / 127.f * static_cast<float>(sum)));  // from the fp32 d
  }
  // Q8_0 and Q8_1 quants agree.
  std::vector<uint8_t> q0(34 * 8);
  kernels::quantize_activations(GgmlType::Q8_0, x.data(), q0.data(), 256);
  for (int b = 0; b < 8; ++b) EXPECT_EQ(std::memcmp(q0.data() + 34 * b + 2, q.data() + 36 * b + 4, 32), 0);
}

TEST(Activations, Q8_KRoundsHalfToEvenWithBlockSums) {
  std::vector<float> x(256, 0.0f);
  const auto tb = tie_block();
  std::copy(tb.begin(), tb.end(), x.begin());
  for (int j = 32; j < 256; ++j) x[j] = static_cast<float>((j * 7) % 41 - 20);
  std::vector<uint8_t> q(292);
  kernels::quantize_activations(GgmlType::Q8_K, x.data(), q.data(), 256);
  float d;
  std::memcpy(&d, q.data(), 4);
  EXPECT_EQ(d, -1.0f);  // the max (127, positive) maps to -127: iscale = -127 / 127
  const int8_t want[] = {-127, -2, -4, 2, 0, 0, -2, 2, -126, 4, 0, -4};
  for (int j = 0; j < 12; ++j) EXPECT_EQ(static_cast<int8_t>(q[4 + j]), want[j]) << "x = " << x[j];
  for (int g = 0; g < 16; ++g) {
    int sum = 0;
    for (int j = 0; j < 16; ++j) sum += static_cast<int8_t>(q[4 + 16 * g + j]);
    int16_t bsum;
    std::memcpy(&bsum, q.data() + 4 + 256 + 2 * g, 2);
    EXPECT_EQ(bsum, sum) << g;
  }
}

TEST(Activations, FloatFormats) {
  const auto x = gaussian_data(64, 9);
  std::vector<uint8_t> h(128), b(128), f(256);
  kernels::quantize_activations(GgmlType::F16, x.data(), h.data(), 64);
  kernels::quantize_activations(GgmlType::BF16, x.data(), b.data(), 64);
  kernels::quantize_activations(GgmlType::F32, x.data(), f.data(), 64);
  for (int i = 0; i < 64; ++i) {
    uint16_t hv, bv;
    std::memcpy(&hv, h.data() + 2 * i, 2);
    std::memcpy(&bv, b.data() + 2 * i, 2);
    EXPECT_EQ(hv, fp32_to_fp16(x[i]));
    EXPECT_EQ(bv, kernels::fp32_to_bf16(x[i]));
  }
  EXPECT_EQ(std::memcmp(f.data(), x.data(), 256), 0);
}

TEST(VecDot, UnalignedOperands) {
  // Rows inside a mapped file start at any byte: the kernels must not care.
  for (GgmlType t : kDotTypes) {
    const GgmlType at = kernels::vec_dot_type(t);
    const int64_t n = 512;
    const auto w = weight_row(t, n, 5);
    const auto x = gaussian_data(n, 6);
    std::vector<uint8_t> xq(row_size(at, n));
    kernels::quantize_activations(at, x.data(), xq.data(), n);
    const float aligned = kernels::vec_dot(t, n, w.data(), xq.data());
    std::vector<uint8_t> wbuf(w.size() + 3), xbuf(xq.size() + 1);
    std::memcpy(wbuf.data() + 3, w.data(), w.size());
    std::memcpy(xbuf.data() + 1, xq.data(), xq.size());
    EXPECT_EQ(kernels::vec_dot(t, n, wbuf.data() + 3, xbuf.data() + 1), aligned) << formats::type_name(t);
    std::vector<float> y1(n), y2(n);
    kernels::dequantize_row(t, w.data(), y1.data(), n);
    kernels::dequantize_row(t, wbuf.data() + 3, y2.data(), n);
    EXPECT_EQ(y1, y2) << formats::type_name(t);
  }
}

}  // namespace
