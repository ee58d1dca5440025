#pragma once
// The scale searches ggml's quantizers share (ggml-quants.c: nearest_int,
// make_qx_quants, make_q3_quants, make_qkx2_quants, make_qkx3_quants,
// make_qp_quants). Output files are byte-identical to llama-quantize's only if
// every float operation here happens in the same order as there, so the
// expressions keep ggml's association ((w*x)*l, not w*(x*l)) and its int->float
// conversions; the build must not contract a*b+c into fma (ISO C++ mode, no
// -ffast-math), as ggml-base is built without FMA.
#include <cstdint>
#include <cstring>

namespace heft::kernels {

// Round to nearest, ties to even, for |f| <= 2^22 (ggml's magic-number trick:
// adding 1.5 * 2^23 leaves the rounded integer in the low mantissa bits).
inline int nearest_int(float f) {
  const float v = f + 12582912.f;
  int32_t i;
  std::memcpy(&i, &v, sizeof i);
  return (i & 0x007fffff) - 0x00400000;
}

// Symmetric quantization of n values to L[i] in [0, 2*nmax-1] (stored with +nmax);
// returns the scale. rmse_type 0: plain absmax; 1: weights x^2 (or qw) with a
// search over 18 nearby scales; negative: one weighted refinement only.
float make_qx_quants(int n, int nmax, const float* x, int8_t* L, int rmse_type, const float* qw);

// Q3_K's symmetric quantizer: weights x^2 and up to 5 rounds of coordinate
// descent on single quants. L in [0, 2*nmax-1].
float make_q3_quants(int n, int nmax, const float* x, int8_t* L, bool do_rmse);

// Asymmetric (scale, min) search for the k-quants' sub-blocks: L in [0, nmax],
// *the_min receives -min. Tries nstep+1 scales iscale = (rmin + rdelta*is + nmax)/(max-min).
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L, float* the_min,
                       uint8_t* Laux, float rmin, float rdelta, int nstep, bool use_mad);

// As make_qkx2_quants with importance weights (null: x^2) and `max <= min` as the
// degenerate test; used by the importance-weighted quantizers.
float make_qkx3_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L, float* the_min,
                       uint8_t* Laux, float rmin, float rdelta, int nstep, bool use_mad);

// Positive-only quantization of the sub-block scales/mins (L in [0, nmax]) with
// importance weights; returns the super-block scale.
float make_qp_quants(int n, int nmax, const float* x, uint8_t* L, const float* quant_weights);

// ggml's threshold below which a group counts as all zero.
inline constexpr float kGroupMaxEps = 1e-15f;

}  // namespace heft::kernels
