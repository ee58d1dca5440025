#pragma once
// y = W x on stored weight rows, per SIMD target: the matrix-vector (one
// token) and matrix-matrix (prompt batch) products the engine runs.
// Activations first go through the target's own format (quantize), then run()
// multiplies rows [r0, r1) of W by n activation rows. Each output is computed
// the same way whatever r0, r1 and n are, so results do not depend on how
// the caller splits the work across threads.
//
// Exactness: for Q8_0 weights (and the F32/F16 scalar path) every target sums
// in ggml's x86 order, so results are bit-identical to the scalar reference;
// for the other types the SIMD order differs from the reference's by rounding
// only (tests/kernels/gemm_test.cpp states the bounds).
#include <cstddef>
#include <cstdint>

#include "formats/ggml_types.h"
#include "kernels/simd.h"

namespace heft::kernels {

struct GemmArgs {
  formats::GgmlType type = formats::GgmlType::F32;  // weight type
  int64_t k = 0;                  // row length in elements
  const uint8_t* w = nullptr;     // weight row r at w + r * w_stride
  size_t w_stride = 0;
  int64_t r0 = 0, r1 = 0;         // rows to compute
  const uint8_t* x = nullptr;     // activation row t at x + t * x_stride (from quantize)
  size_t x_stride = 0;
  int64_t n = 0;                  // activation rows (tokens)
  float* y = nullptr;             // y[t * ldy + r]
  int64_t ldy = 0;
  bool batch = false;             // a prompt batch: ggml's batch order for F32/F16 (tinyBLAS)
};

struct Gemm {
  // Bytes of one activation row of k elements (a multiple of 64).
  size_t (*act_bytes)(formats::GgmlType type, int64_t k);
  // x (k floats) into one activation row at dst (64-byte aligned).
  void (*quantize)(formats::GgmlType type, const float* x, uint8_t* dst, int64_t k);
  void (*run)(const GemmArgs& a);
  SimdTarget target;  // the target whose kernels these are (Scalar when the type has no SIMD kernel)
};

// The kernels for weight type `type` on `target` (default: the active one).
// Falls back to the scalar reference for types the target has no kernel for.
// The type must satisfy can_dot(type).
const Gemm& gemm_for(formats::GgmlType type, SimdTarget target = simd_target());

// Per-target tables (kernels/x86/*.cpp); null entries fall back to scalar.
namespace detail {
const Gemm* gemm_x86_legacy(formats::GgmlType type, SimdTarget target);
const Gemm* gemm_x86_kquants(formats::GgmlType type, SimdTarget target);
const Gemm* gemm_x86_float(formats::GgmlType type, SimdTarget target);  // F32, F16, BF16 (x86/float_ops.cpp)
const Gemm* gemm_arm(formats::GgmlType type, SimdTarget target);        // arm/gemm_neon.cpp
const Gemm* gemm_arm_float(formats::GgmlType type, SimdTarget target);  // F32, F16, BF16 (arm/float_ops_neon.cpp)
const Gemm& gemm_scalar();
// The scalar activation rows (ggml's vec_dot_type formats), also used by kernels that read them.
size_t scalar_act_bytes(formats::GgmlType type, int64_t k);
void scalar_quantize(formats::GgmlType type, const float* x, uint8_t* dst, int64_t k);
}  // namespace detail

}  // namespace heft::kernels
