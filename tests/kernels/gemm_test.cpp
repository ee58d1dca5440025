// The matrix kernels (kernels/gemm.h) on every SIMD target this machine runs,
// against the scalar reference vec_dot on the same float inputs:
// - bit-identical where the kernels keep the reference's order: on x86 Q8_0,
//   Q5_0, Q4_1, Q5_1 and the float types (ggml's x86 lane orders); on AArch64
//   every type (the legacy, k-quant and float types);
// - other types: |y - y_ref| <= 1e-5 * sum_i |w_i x_i| (float64, from the
//   dequantized operands): both sum exact integer block dots in float, in
//   different orders;
// - every output is the same whatever rows and tokens a call covers (thread
//   splits, and a server's step of many sequences: each token's outputs
//   depend on its own activations and the order asked for, nothing else).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/gemm.h"
#include "kernels/ggml_order.h"
#include "kernels/quant.h"
#include "kernels/quant_rows.h"
#include "kernels/simd.h"
#include "kernels/x86/act_layout.h"

using namespace heft;
using namespace heft::test_kernels;
using kernels::SimdTarget;

namespace {

struct Problem {
  GgmlType type;
  int64_t k, rows, n;
  std::vector<uint8_t> w;       // rows x row_size
  std::vector<float> x;         // n x k
  std::vector<float> bound;     // n x rows: sum |w_i x_i|
};

Problem make(GgmlType type, int64_t k, int64_t rows, int64_t n, uint32_t seed) {
  Problem p{type, k, rows, n, {}, {}, {}};
  p.w = quantize(type, gaussian_data(static_cast<size_t>(k * rows), seed, 0.05f), k);
  p.x = gaussian_data(static_cast<size_t>(k * n), seed + 1, 1.0f);
  // Outliers and a zero block, the cases that move the scales.
  p.x[3] = 25.0f;
  for (int64_t i = 32; i < 64 && i < k; ++i) p.x[i] = 0.0f;
  const GgmlType at = kernels::vec_dot_type(type);
  p.bound.resize(static_cast<size_t>(n * rows));
  std::vector<float> wf(k), xf(k);
  std::vector<uint8_t> xa(row_size(at, k));
  for (int64_t t = 0; t < n; ++t) {
    kernels::quantize_activations(at, p.x.data() + t * k, xa.data(), k);
    kernels::dequantize_row(at, xa.data(), xf.data(), k);
    for (int64_t r = 0; r < rows; ++r) {
      kernels::dequantize_row(type, p.w.data() + r * row_size(type, k), wf.data(), k);
      double s = 0;
      for (int64_t i = 0; i < k; ++i) s += std::fabs(static_cast<double>(wf[i]) * xf[i]);
      p.bound[t * rows + r] = static_cast<float>(s);
    }
  }
  return p;
}

// x86: llama.cpp's x86 order for the k-quants (vec_dot_x86), which the AVX2 and AVX-VNNI kernels keep.
std::vector<float> reference(const Problem& p, bool batch, bool x86 = false) {
  const GgmlType at = kernels::vec_dot_type(p.type);
  std::vector<float> y(static_cast<size_t>(p.n * p.rows));
  std::vector<uint8_t> xa(row_size(at, p.k));
  for (int64_t t = 0; t < p.n; ++t) {
    kernels::quantize_activations(at, p.x.data() + t * p.k, xa.data(), p.k);
    for (int64_t r = 0; r < p.rows; ++r) {
      const uint8_t* w = p.w.data() + r * row_size(p.type, p.k);
      y[t * p.rows + r] = x86     ? kernels::vec_dot_x86(p.type, p.k, w, xa.data(), batch)
                          : batch ? kernels::vec_dot_batch(p.type, p.k, w, xa.data())
                                  : kernels::vec_dot(p.type, p.k, w, xa.data());
    }
  }
  return y;
}

// Rows [r0, r1) of every token through the target's kernels, into y (n x rows).
void run(const Problem& p, SimdTarget target, bool batch, int64_t r0, int64_t r1, std::vector<float>& y) {
  const kernels::Gemm& g = kernels::gemm_for(p.type, target);
  const size_t xb = g.act_bytes(p.type, p.k);
  ASSERT_EQ(xb % 64, 0u);
  std::vector<uint8_t> buf(xb * static_cast<size_t>(p.n) + 64);
  uint8_t* act = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(buf.data()) + 63) & ~uintptr_t{63});
  for (int64_t t = 0; t < p.n; ++t) g.quantize(p.type, p.x.data() + t * p.k, act + t * xb, p.k);
  kernels::GemmArgs a;
  a.type = p.type;
  a.k = p.k;
  a.w = p.w.data();
  a.w_stride = row_size(p.type, p.k);
  a.r0 = r0;
  a.r1 = r1;
  a.x = act;
  a.x_stride = xb;
  a.n = p.n;
  a.y = y.data();
  a.ldy = p.rows;
  a.batch = batch;
  g.run(a);
}

const GgmlType kTypes[] = {GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q4_K, GgmlType::Q6_K,
                           GgmlType::Q4_1, GgmlType::Q5_1, GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q5_K,
                           GgmlType::F32,  GgmlType::F16,  GgmlType::BF16};

bool arm_target(SimdTarget t) { return t == SimdTarget::Neon || t == SimdTarget::NeonDotprod; }

// The types each SIMD target has kernels for (the rest run the scalar reference).
std::vector<GgmlType> kernel_types(SimdTarget t) {
  if (arm_target(t))
    return {GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q4_1, GgmlType::Q5_1, GgmlType::Q2_K, GgmlType::Q3_K,
            GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::F32,  GgmlType::F16,  GgmlType::BF16};
  return {GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q4_K, GgmlType::Q6_K, GgmlType::Q5_K, GgmlType::Q3_K,
          GgmlType::Q2_K, GgmlType::Q4_1, GgmlType::Q5_1, GgmlType::F32,  GgmlType::F16,  GgmlType::BF16};
}

bool k_quant(GgmlType t) {
  return t == GgmlType::Q2_K || t == GgmlType::Q3_K || t == GgmlType::Q4_K || t == GgmlType::Q5_K || t == GgmlType::Q6_K;
}

// The AVX2 and AVX-VNNI k-quant kernels keep llama.cpp's x86 order (vec_dot_x86) in prompt
// batches; decode has an order of its own (faster), within the rounding bound.
bool x86_order(SimdTarget target, GgmlType t, bool batch) {
  return batch && k_quant(t) && (target == SimdTarget::Avx2 || target == SimdTarget::AvxVnni);
}

bool exact_type(SimdTarget target, GgmlType t, bool batch) {
  if (target == SimdTarget::Scalar) return true;
  if (arm_target(target)) return true;  // NEON kernels form the reference's integer sums and float steps
  if (x86_order(target, t, batch)) return true;
  return t == GgmlType::Q8_0 || t == GgmlType::Q5_0 || t == GgmlType::Q4_1 || t == GgmlType::Q5_1 || t == GgmlType::F32 || t == GgmlType::F16 || t == GgmlType::BF16;
}

std::string name(SimdTarget t, GgmlType type) { return std::string(kernels::simd_name(t)) + " " + std::string(formats::type_name(type)); }

}  // namespace

TEST(Gemm, ScalarIsSupportedAndFirst) {
  ASSERT_FALSE(kernels::simd_supported().empty());
  EXPECT_EQ(kernels::simd_supported().front(), SimdTarget::Scalar);
  EXPECT_EQ(kernels::simd_target(), kernels::simd_supported().back()) << "HEFT_SIMD set?";
  EXPECT_EQ(kernels::parse_simd("avx2"), SimdTarget::Avx2);
  EXPECT_EQ(kernels::parse_simd("avxvnni"), SimdTarget::AvxVnni);
  EXPECT_EQ(kernels::parse_simd("neondotprod"), SimdTarget::NeonDotprod);
  for (SimdTarget t : kernels::simd_supported()) EXPECT_TRUE(kernels::simd_supports(t));
  EXPECT_FALSE(kernels::parse_simd("sse9"));
}

TEST(Gemm, EveryTargetMatchesTheReference) {
  for (SimdTarget target : kernels::simd_supported()) {
    for (GgmlType type : kTypes) {
      const int64_t k = formats::type_traits(type)->block_size == 256 ? 768 : 352;
      for (int64_t n : {1, 6, 9}) {
        const Problem p = make(type, k, 11, n, 7 + static_cast<uint32_t>(n));
        for (bool batch : {false, true}) {
          const auto ref = reference(p, batch, x86_order(target, type, batch));
          std::vector<float> y(ref.size(), NAN);
          run(p, target, batch, 0, p.rows, y);
          for (size_t i = 0; i < y.size(); ++i) {
            if (exact_type(target, type, batch)) {
              ASSERT_EQ(std::memcmp(&y[i], &ref[i], 4), 0) << name(target, type) << " n=" << n << " i=" << i << ": " << y[i] << " vs " << ref[i];
            } else {
              ASSERT_LE(std::fabs(y[i] - ref[i]), 1e-5f * p.bound[i]) << name(target, type) << " n=" << n << " i=" << i << ": " << y[i] << " vs " << ref[i];
            }
          }
        }
      }
    }
  }
}

// The float steps of heft's x86 Q4_0 decode (q4_0_decode_row), written out:
// exact block sums (q - 8) . x; lane l of eight accumulates blocks l, l + 8,
// ... of the whole groups of eight, fma(d_w * d_x, sum, lane); blocks past the
// last group one by one into a float of their own; hsum_float_8 plus that.
float q4_0_decode_twin(const uint8_t* w, const kernels::BlockQ8_0* x, int64_t k) {
  const auto* blk = reinterpret_cast<const kernels::BlockQ4_0*>(w);
  const int64_t nb = k / 32, whole = nb / 8 * 8;
  float lanes[8] = {}, tail = 0;
  for (int64_t b = 0; b < nb; ++b) {
    int sum = 0;
    for (int j = 0; j < 16; ++j)
      sum += ((blk[b].qs[j] & 0xf) - 8) * x[b].qs[j] + ((blk[b].qs[j] >> 4) - 8) * x[b].qs[j + 16];
    const float d = kernels::fp16_to_fp32(blk[b].d) * kernels::fp16_to_fp32(x[b].d);
    if (b < whole) lanes[b % 8] = std::fma(d, static_cast<float>(sum), lanes[b % 8]);
    else tail = std::fma(d, static_cast<float>(sum), tail);
  }
  return kernels::ggml_order::hsum8(lanes) + tail;
}

// x86 Q4_0 decode takes the same float steps on every target; the VNNI
// targets keep the high nibbles in place (16 x, shifted back exactly), which
// must change no bit. 35 blocks per row: four groups of eight and a tail of three.
TEST(Gemm, Q4_0DecodeIsItsTwinOnEveryX86Target) {
  const Problem p = make(GgmlType::Q4_0, 35 * 32, 9, 1, 5);
  std::vector<uint8_t> xa(row_size(GgmlType::Q8_0, p.k));
  kernels::quantize_activations(GgmlType::Q8_0, p.x.data(), xa.data(), p.k);
  std::vector<float> twin(static_cast<size_t>(p.rows));
  for (int64_t r = 0; r < p.rows; ++r)
    twin[r] = q4_0_decode_twin(p.w.data() + r * row_size(GgmlType::Q4_0, p.k), reinterpret_cast<const kernels::BlockQ8_0*>(xa.data()), p.k);
  int targets = 0;
  for (SimdTarget target : kernels::simd_supported()) {
    if (target == SimdTarget::Scalar || arm_target(target)) continue;
    ++targets;
    std::vector<float> y(static_cast<size_t>(p.rows), NAN);
    run(p, target, false, 0, p.rows, y);
    for (int64_t r = 0; r < p.rows; ++r) EXPECT_EQ(std::memcmp(&y[r], &twin[r], 4), 0) << name(target, GgmlType::Q4_0) << " row " << r << ": " << y[r] << " vs " << twin[r];
  }
#if defined(__x86_64__)
  EXPECT_GE(targets, 1) << "an x86-64 machine without AVX2";
#endif
}

// vec_dot_x86 (llama.cpp's x86 order for the k-quants) is the same dot product
// as the reference, to rounding: the bound of EveryTargetMatchesTheReference.
TEST(Gemm, X86OrderIsTheReferenceDotToRounding) {
  for (GgmlType type : {GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K}) {
    const Problem p = make(type, 1024, 7, 5, 31);
    for (bool batch : {false, true}) {
      const auto ref = reference(p, batch), x86 = reference(p, batch, true);
      int differ = 0;
      for (size_t i = 0; i < ref.size(); ++i) {
        EXPECT_LE(std::fabs(x86[i] - ref[i]), 1e-5f * p.bound[i]) << formats::type_name(type) << " batch=" << batch << " i=" << i;
        differ += x86[i] != ref[i];
      }
      EXPECT_GT(differ, 0) << formats::type_name(type) << ": the x86 order should round differently somewhere";
    }
  }
}

TEST(Gemm, OutputsDoNotDependOnTheSplit) {
  for (SimdTarget target : kernels::simd_supported()) {
    for (GgmlType type : kTypes) {
      const int64_t k = formats::type_traits(type)->block_size == 256 ? 512 : 256;
      const Problem p = make(type, k, 13, 7, 99);
      std::vector<float> whole(static_cast<size_t>(p.n * p.rows)), parts(whole.size());
      run(p, target, true, 0, p.rows, whole);
      for (int64_t r0 : {0, 1, 4, 7, 12}) run(p, target, true, r0, std::min<int64_t>(p.rows, r0 + (r0 == 12 ? 1 : 3)), parts);
      run(p, target, true, 3, 4, parts);
      run(p, target, true, 10, 12, parts);
      EXPECT_EQ(std::memcmp(whole.data(), parts.data(), whole.size() * 4), 0) << name(target, type);
    }
  }
}

// Tokens [t0, t0 + count) of p as a problem of their own.
Problem tokens_of(const Problem& p, int64_t t0, int64_t count) {
  Problem q = p;
  q.n = count;
  q.x.assign(p.x.begin() + t0 * p.k, p.x.begin() + (t0 + count) * p.k);
  return q;
}

// Batch invariance: a token's outputs are bit-identical whether it is computed
// alone, first, last or in the middle of a call of any size, in either order
// (GemmArgs::batch alone chooses the order; one token in batch order included).
TEST(Gemm, EachTokenIsTheSameInAnyBatch) {
  for (SimdTarget target : kernels::simd_supported()) {
    for (GgmlType type : kTypes) {
      const int64_t k = formats::type_traits(type)->block_size == 256 ? 512 : 288;
      const Problem p = make(type, k, 19, 11, 123);
      for (bool batch : {false, true}) {
        std::vector<float> whole(static_cast<size_t>(p.n * p.rows), NAN);
        run(p, target, batch, 0, p.rows, whole);
        for (auto [t0, count] : {std::pair<int64_t, int64_t>{0, 1}, {4, 1}, {10, 1}, {0, 2}, {3, 5}, {6, 5}, {1, 9}}) {
          const Problem q = tokens_of(p, t0, count);
          std::vector<float> part(static_cast<size_t>(count * p.rows), NAN);
          run(q, target, batch, 0, p.rows, part);
          ASSERT_EQ(std::memcmp(part.data(), whole.data() + t0 * p.rows, part.size() * 4), 0)
              << name(target, type) << (batch ? " batch" : " token") << " order, tokens " << t0 << ".." << t0 + count - 1;
        }
      }
    }
  }
}

TEST(Gemm, KernelsExistForTheDecodeTypes) {
  for (SimdTarget target : kernels::simd_supported()) {
    if (target == SimdTarget::Scalar) continue;
    for (GgmlType type : kernel_types(target)) EXPECT_EQ(kernels::gemm_for(type, target).target, target) << name(target, type);
  }
}

// The x86 kernels' Q8_K activations (planar, act_layout.h) hold exactly the
// reference quantizer's values: quants, scale, 16-value sums and the 32-value
// pairs. Super-blocks: gaussian with a NaN (never the extreme, quantized to 0),
// all zero, equal magnitudes of both signs (the first one sets the scale's
// sign), and halves that the rounding must take to even.
TEST(Gemm, Q8KActivationsAreTheReferenceValues) {
  constexpr int64_t k = 4 * 256;
  std::vector<float> x = gaussian_data(k, 11, 1.0f);
  x[17] = NAN;
  for (int i = 256; i < 512; ++i) x[i] = 0.0f;
  x[512 + 5] = -3.0f;
  x[512 + 100] = 3.0f;
  x[768] = -127.0f;  // scale 1: the others' halves are ties
  for (int i = 1; i < 256; ++i) x[768 + i] = static_cast<float>(i % 9) - 4.5f;
  std::vector<kernels::BlockQ8_K> ref(k / 256);
  kernels::quantize_row_q8_K_ref(x.data(), ref.data(), k);
  int targets = 0;
  for (SimdTarget target : kernels::simd_supported()) {
    if (target == SimdTarget::Scalar || arm_target(target)) continue;
    const kernels::Gemm& g = kernels::gemm_for(GgmlType::Q4_K, target);
    const kernels::x86::Q8KLayout L = kernels::x86::q8k_layout(k);
    ASSERT_EQ(g.act_bytes(GgmlType::Q4_K, k), L.bytes);
    std::vector<uint8_t> act(L.bytes);
    g.quantize(GgmlType::Q4_K, x.data(), act.data(), k);
    ++targets;
    for (int64_t b = 0; b < k / 256; ++b) {
      const std::string where = std::string(kernels::simd_name(target)) + " super-block " + std::to_string(b);
      EXPECT_EQ(std::memcmp(act.data() + 256 * b, ref[b].qs, 256), 0) << where;
      EXPECT_EQ(std::memcmp(act.data() + L.d + 4 * b, &ref[b].d, 4), 0) << where;
      EXPECT_EQ(std::memcmp(act.data() + L.bsums + 32 * b, ref[b].bsums, 32), 0) << where;
      for (int q = 0; q < 4; ++q) {
        int32_t pair;
        std::memcpy(&pair, act.data() + L.pairs + 4 * (4 * b + q), 4);
        EXPECT_EQ(static_cast<int16_t>(pair & 0xffff), ref[b].bsums[4 * q] + ref[b].bsums[4 * q + 1]) << where;
        EXPECT_EQ(static_cast<int16_t>(pair >> 16), ref[b].bsums[4 * q + 2] + ref[b].bsums[4 * q + 3]) << where;
      }
    }
  }
  if (targets == 0) GTEST_SKIP() << "no x86 SIMD target on this machine";
}
