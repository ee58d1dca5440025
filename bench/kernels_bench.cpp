// Scalar reference vec_dot per weight type: one 4096-element row against
// activations already in the paired format. The numbers are the floor that the
// SIMD kernels are measured against.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "formats/ggml_types.h"
#include "kernels/quant.h"

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
BENCHMARK_CAPTURE(BM_QuantizeActivations, Q8_1, GgmlType::Q8_1);
BENCHMARK_CAPTURE(BM_QuantizeActivations, Q8_K, GgmlType::Q8_K);

}  // namespace

BENCHMARK_MAIN();
