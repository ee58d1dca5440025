// The one table from GgmlType to the kernels that handle it; can_* and every
// dispatch read it. A null entry means "not supported".
#include "kernels/quant.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "kernels/quant_rows.h"

namespace heft::kernels {

namespace {

using DequantizeFn = void (*)(const void* src, float* dst, int64_t n);
using QuantizeFn = void (*)(const float* x, void* dst, int64_t n);
using QuantizeImatrixFn = void (*)(const float* x, void* dst, int64_t n_per_row, const float* importance);
using VecDotFn = float (*)(int64_t n, const void* w, const void* x);

struct Kernels {
  GgmlType type;
  DequantizeFn dequantize = nullptr;
  QuantizeFn quantize = nullptr;                   // ggml's reference quantizer (no importance)
  QuantizeImatrixFn quantize_imatrix = nullptr;    // null: ggml ignores importance for this type
  QuantizeFn from_float = nullptr;                 // as an activation format (ggml-cpu from_float on x86)
  GgmlType dot_type = GgmlType::F32;               // vec_dot_type
  VecDotFn vec_dot = nullptr;
  VecDotFn vec_dot_batch = nullptr;                // null: the same order as vec_dot
};

using enum GgmlType;
constexpr Kernels kTable[] = {
    {F32, dequantize_row_f32, quantize_row_f32, nullptr, quantize_row_f32, F32, vec_dot_f32, vec_dot_f32_batch},
    {F16, dequantize_row_f16, quantize_row_f16, nullptr, quantize_row_f16, F16, vec_dot_f16, vec_dot_f16_batch},
    {BF16, dequantize_row_bf16, quantize_row_bf16, nullptr, quantize_row_bf16, BF16, vec_dot_bf16},
    {Q4_0, dequantize_row_q4_0, quantize_row_q4_0_ref, quantize_row_q4_0_imatrix, nullptr, Q8_0, vec_dot_q4_0_q8_0},
    {Q4_1, dequantize_row_q4_1, quantize_row_q4_1_ref, quantize_row_q4_1_imatrix, nullptr, Q8_1, vec_dot_q4_1_q8_1},
    {Q5_0, dequantize_row_q5_0, quantize_row_q5_0_ref, quantize_row_q5_0_imatrix, nullptr, Q8_0, vec_dot_q5_0_q8_0},
    {Q5_1, dequantize_row_q5_1, quantize_row_q5_1_ref, quantize_row_q5_1_imatrix, nullptr, Q8_1, vec_dot_q5_1_q8_1},
    {Q8_0, dequantize_row_q8_0, quantize_row_q8_0_ref, nullptr, quantize_row_q8_0_x86, Q8_0, vec_dot_q8_0_q8_0},
    {Q8_1, dequantize_row_q8_1, quantize_row_q8_1_ref, nullptr, quantize_row_q8_1_x86, Q8_1, nullptr},
    {Q2_K, dequantize_row_q2_K, quantize_row_q2_K_ref, quantize_row_q2_K_imatrix, nullptr, Q8_K, vec_dot_q2_K_q8_K},
    {Q3_K, dequantize_row_q3_K, quantize_row_q3_K_ref, quantize_row_q3_K_imatrix, nullptr, Q8_K, vec_dot_q3_K_q8_K},
    {Q4_K, dequantize_row_q4_K, quantize_row_q4_K_ref, quantize_row_q4_K_imatrix, nullptr, Q8_K, vec_dot_q4_K_q8_K},
    {Q5_K, dequantize_row_q5_K, quantize_row_q5_K_ref, quantize_row_q5_K_imatrix, nullptr, Q8_K, vec_dot_q5_K_q8_K},
    {Q6_K, dequantize_row_q6_K, quantize_row_q6_K_ref, quantize_row_q6_K_imatrix, nullptr, Q8_K, vec_dot_q6_K_q8_K},
    {Q8_K, dequantize_row_q8_K, quantize_row_q8_K_ref, nullptr, quantize_row_q8_K_ref, Q8_K, nullptr},
    {IQ4_NL, dequantize_row_iq4_nl, nullptr, nullptr, nullptr, Q8_0, vec_dot_iq4_nl_q8_0},
    {IQ4_XS, dequantize_row_iq4_xs, nullptr, nullptr, nullptr, Q8_K, vec_dot_iq4_xs_q8_K},
    {MXFP4, dequantize_row_mxfp4, nullptr, nullptr, nullptr, Q8_0, vec_dot_mxfp4_q8_0},
    {TQ1_0, dequantize_row_tq1_0, nullptr, nullptr, nullptr, Q8_K, nullptr},
    {TQ2_0, dequantize_row_tq2_0, nullptr, nullptr, nullptr, Q8_K, nullptr},
};

// ggml type ids are small; index them directly.
constexpr size_t kMaxId = 64;
constexpr std::array<const Kernels*, kMaxId> kById = [] {
  std::array<const Kernels*, kMaxId> a{};
  for (const Kernels& k : kTable) a[static_cast<size_t>(k.type)] = &k;
  return a;
}();

const Kernels* find(GgmlType type) {
  const auto id = static_cast<size_t>(type);
  return id < kMaxId ? kById[id] : nullptr;
}

// Calling a kernel for a type it does not support is a bug in the caller (the
// can_* queries exist to check first), not a condition of the input.
[[noreturn]] void unsupported(const char* what, GgmlType type) {
  const auto* t = formats::type_traits(type);
  std::fprintf(stderr, "heft: internal error: %s not supported for type %s\n", what,
               t ? std::string(t->name).c_str() : "?");
  std::abort();
}

}  // namespace

bool can_dequantize(GgmlType type) {
  const Kernels* k = find(type);
  return k && k->dequantize;
}

bool can_quantize(GgmlType type) {
  const Kernels* k = find(type);
  return k && k->quantize;
}

bool can_dot(GgmlType type) {
  const Kernels* k = find(type);
  if (!k || !k->vec_dot) return false;
  const Kernels* act = find(k->dot_type);
  return act && act->from_float;
}

void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n) {
  const Kernels* k = find(type);
  if (!k || !k->dequantize) unsupported("dequantize_row", type);
  k->dequantize(src, dst, n);
}

size_t quantize_rows(GgmlType type, const float* src, void* dst, int64_t nrows, int64_t n_per_row,
                     const float* importance) {
  const Kernels* k = find(type);
  if (!k || !k->quantize) unsupported("quantize_rows", type);
  const auto row = formats::row_bytes(type, static_cast<uint64_t>(n_per_row));
  if (!row || n_per_row <= 0) unsupported("quantize_rows with this row length", type);
  const size_t row_size = *row;
  if (importance && k->quantize_imatrix) {
    auto* out = static_cast<uint8_t*>(dst);
    for (int64_t r = 0; r < nrows; ++r) k->quantize_imatrix(src + r * n_per_row, out + r * row_size, n_per_row, importance);
  } else {
    // Blocks never straddle rows, so all rows go through in one call, as in ggml.
    k->quantize(src, dst, nrows * n_per_row);
  }
  return static_cast<size_t>(nrows) * row_size;
}

GgmlType vec_dot_type(GgmlType weight) {
  const Kernels* k = find(weight);
  if (!k || !k->vec_dot) unsupported("vec_dot_type", weight);
  return k->dot_type;
}

void quantize_activations(GgmlType act_type, const float* x, void* dst, int64_t n) {
  const Kernels* k = find(act_type);
  if (!k || !k->from_float) unsupported("quantize_activations", act_type);
  k->from_float(x, dst, n);
}

float vec_dot(GgmlType weight, int64_t n, const void* w, const void* x) {
  const Kernels* k = find(weight);
  if (!k || !k->vec_dot) unsupported("vec_dot", weight);
  return k->vec_dot(n, w, x);
}

float vec_dot_batch(GgmlType weight, int64_t n, const void* w, const void* x) {
  const Kernels* k = find(weight);
  if (!k || !k->vec_dot) unsupported("vec_dot", weight);
  return k->vec_dot_batch ? k->vec_dot_batch(n, w, x) : k->vec_dot(n, w, x);
}

}  // namespace heft::kernels
