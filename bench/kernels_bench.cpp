// Micro-benchmarks of the kernels: the scalar reference vec_dot per weight
// type (one 4096-element row), the activation quantizers, and the matrix
// kernels (kernels/gemm.h) per type and SIMD target: a 512 x 2048 matrix that
// stays in L2 (compute bound) times 1 token (decode) and 64 tokens (prompt),
// and the attention head and SwiGLU per target.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "formats/ggml_types.h"
#include "kernels/fp16.h"
#include "kernels/attention.h"
#include "kernels/float_ops.h"
#include "kernels/gemm.h"
#include "kernels/quant.h"
#include "kernels/simd.h"

namespace {

using heft::formats::GgmlType;
namespace kernels = heft::kernels;

constexpr int64_t kN = 4096;

std::vector<float> random_row(uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> v(kN);
  for (auto& x : v) x = g(rng);
  return v;
}

void BM_VecDot(benchmark::State& state, GgmlType type) {
  const GgmlType at = kernels::vec_dot_type(type);
  std::vector<uint8_t> w(*heft::formats::row_bytes(type, kN));
  std::vector<uint8_t> x(*heft::formats::row_bytes(at, kN));
  const auto wf = random_row(1), xf = random_row(2);
  kernels::quantize_rows(type, wf.data(), w.data(), 1, kN, nullptr);
  kernels::quantize_activations(at, xf.data(), x.data(), kN);
  for (auto _ : state) benchmark::DoNotOptimize(kernels::vec_dot(type, kN, w.data(), x.data()));
  state.SetItemsProcessed(state.iterations() * kN);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(w.size()));
}

void BM_QuantizeActivations(benchmark::State& state, GgmlType act) {
  std::vector<uint8_t> x(*heft::formats::row_bytes(act, kN));
  const auto xf = random_row(3);
  for (auto _ : state) {
    kernels::quantize_activations(act, xf.data(), x.data(), kN);
    benchmark::DoNotOptimize(x.data());
  }
  state.SetItemsProcessed(state.iterations() * kN);
}

#define HEFT_VEC_DOT(T) BENCHMARK_CAPTURE(BM_VecDot, T, GgmlType::T)
HEFT_VEC_DOT(F32);
HEFT_VEC_DOT(F16);
HEFT_VEC_DOT(BF16);
HEFT_VEC_DOT(Q4_0);
HEFT_VEC_DOT(Q4_1);
HEFT_VEC_DOT(Q5_0);
HEFT_VEC_DOT(Q5_1);
HEFT_VEC_DOT(Q8_0);
HEFT_VEC_DOT(Q2_K);
HEFT_VEC_DOT(Q3_K);
HEFT_VEC_DOT(Q4_K);
HEFT_VEC_DOT(Q5_K);
HEFT_VEC_DOT(Q6_K);
BENCHMARK_CAPTURE(BM_QuantizeActivations, Q8_0, GgmlType::Q8_0);

// rows x k weights times n tokens through gemm_for(type, target).
void BM_Gemm(benchmark::State& state, GgmlType type, kernels::SimdTarget target, int64_t n) {
  const auto& sup = kernels::simd_supported();
  if (std::find(sup.begin(), sup.end(), target) == sup.end()) {
    state.SkipWithError("target not supported by this CPU");
    return;
  }
  constexpr int64_t kRows = 512, kK = 2048;
  std::mt19937 rng(5);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> wf(kRows * kK), xf(n * kK);
  for (auto& v : wf) v = g(rng);
  for (auto& v : xf) v = g(rng);
  const size_t rb = *heft::formats::row_bytes(type, kK);
  std::vector<uint8_t> w(rb * kRows);
  kernels::quantize_rows(type, wf.data(), w.data(), kRows, kK, nullptr);
  const kernels::Gemm& gm = kernels::gemm_for(type, target);
  const size_t xb = gm.act_bytes(type, kK);
  std::vector<uint8_t> buf(xb * n + 64);
  uint8_t* act = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(buf.data()) + 63) & ~uintptr_t{63});
  for (int64_t t = 0; t < n; ++t) gm.quantize(type, xf.data() + t * kK, act + t * xb, kK);
  std::vector<float> y(kRows * n);
  kernels::GemmArgs a{type, kK, w.data(), rb, 0, kRows, act, xb, n, y.data(), kRows, n > 1};
  for (auto _ : state) {
    gm.run(a);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["MAC/s"] = benchmark::Counter(static_cast<double>(kRows * kK * n) * state.iterations(), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(w.size()));
}

void BM_Attention(benchmark::State& state, kernels::SimdTarget target, bool batch) {
  const auto& sup = kernels::simd_supported();
  if (std::find(sup.begin(), sup.end(), target) == sup.end()) {
    state.SkipWithError("target not supported by this CPU");
    return;
  }
  constexpr int64_t kHd = 64, kN = 512;
  std::vector<uint16_t> k(kN * kHd), v(kN * kHd);
  std::mt19937 rng(9);
  for (auto& h : k) h = heft::kernels::fp32_to_fp16(static_cast<float>(rng() % 2000) / 1000.0f - 1.0f);
  for (auto& h : v) h = heft::kernels::fp32_to_fp16(static_cast<float>(rng() % 2000) / 1000.0f - 1.0f);
  std::vector<float> q(kHd, 0.1f), out(kHd), scratch(kernels::attention_scratch_floats(kN, kHd, kHd));
  kernels::AttentionArgs a;
  a.q = q.data();
  a.k = reinterpret_cast<const uint8_t*>(k.data());
  a.v = reinterpret_cast<const uint8_t*>(v.data());
  a.k_stride = a.v_stride = kHd * 2;
  a.f16 = true;
  a.hd_k = a.hd_v = kHd;
  a.n_kv = kN;
  a.scale = 0.125f;
  a.batch = batch;
  for (auto _ : state) {
    kernels::attention_head(a, out.data(), scratch.data(), target);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kN);
}

void BM_Swiglu(benchmark::State& state, kernels::SimdTarget target) {
  const auto& sup = kernels::simd_supported();
  if (std::find(sup.begin(), sup.end(), target) == sup.end()) {
    state.SkipWithError("target not supported by this CPU");
    return;
  }
  std::vector<float> g(5632, 0.5f), u(5632, 1.5f);
  for (auto _ : state) {
    kernels::swiglu(g.data(), u.data(), 5632, target);
    benchmark::DoNotOptimize(g.data());
  }
  state.SetItemsProcessed(state.iterations() * 5632);
}

#define HEFT_GEMM(T, TGT)                                                                  \
  BENCHMARK_CAPTURE(BM_Gemm, T##_##TGT##_n1, GgmlType::T, kernels::SimdTarget::TGT, 1);  \
  BENCHMARK_CAPTURE(BM_Gemm, T##_##TGT##_n64, GgmlType::T, kernels::SimdTarget::TGT, 64)
#define HEFT_GEMM_ALL(T) \
  HEFT_GEMM(T, Scalar);  \
  HEFT_GEMM(T, Avx2);    \
  HEFT_GEMM(T, AvxVnni); \
  HEFT_GEMM(T, Avx512);  \
  HEFT_GEMM(T, Avx512Vnni)
#define HEFT_GEMM_ARM(T) \
  HEFT_GEMM(T, Neon);    \
  HEFT_GEMM(T, NeonDotprod)
HEFT_GEMM_ALL(Q8_0);
HEFT_GEMM_ALL(Q4_0);
HEFT_GEMM_ALL(Q5_0);
HEFT_GEMM_ALL(Q4_K);
HEFT_GEMM_ALL(Q6_K);
HEFT_GEMM_ALL(Q5_K);
HEFT_GEMM_ALL(Q3_K);
HEFT_GEMM_ALL(Q2_K);
HEFT_GEMM_ALL(Q4_1);
HEFT_GEMM_ALL(Q5_1);
HEFT_GEMM_ALL(F32);
HEFT_GEMM_ALL(F16);
HEFT_GEMM_ALL(BF16);
HEFT_GEMM_ARM(Q8_0);
HEFT_GEMM_ARM(Q4_0);
HEFT_GEMM_ARM(Q4_K);
HEFT_GEMM_ARM(Q5_K);
HEFT_GEMM_ARM(Q6_K);
BENCHMARK_CAPTURE(BM_Attention, f16_512_Scalar, kernels::SimdTarget::Scalar, false);
BENCHMARK_CAPTURE(BM_Attention, f16_512_Avx2, kernels::SimdTarget::Avx2, false);
BENCHMARK_CAPTURE(BM_Attention, f16_512_Avx512, kernels::SimdTarget::Avx512, false);
BENCHMARK_CAPTURE(BM_Swiglu, Scalar, kernels::SimdTarget::Scalar);
BENCHMARK_CAPTURE(BM_Swiglu, Avx2, kernels::SimdTarget::Avx2);
BENCHMARK_CAPTURE(BM_Swiglu, Avx512, kernels::SimdTarget::Avx512);
BENCHMARK_CAPTURE(BM_QuantizeActivations, Q8_1, GgmlType::Q8_1);
BENCHMARK_CAPTURE(BM_QuantizeActivations, Q8_K, GgmlType::Q8_K);

}  // namespace

BENCHMARK_MAIN();
