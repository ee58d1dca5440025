#include "engine/rope.h"

#include <cmath>
#include <numbers>

namespace heft::engine {

namespace {

// ggml's MAX and MIN macros, which keep their argument order's NaN behaviour.
float ggml_max(float a, float b) { return a > b ? a : b; }
float ggml_min(float a, float b) { return a < b ? a : b; }

// The dimension (pair index, as a float) at which a frequency turns n_rot
// times over n_ctx_orig positions (ggml_rope_yarn_corr_dim).
float corr_dim(int n_dims, int n_ctx_orig, float n_rot, float base) {
  constexpr float kPi = std::numbers::pi_v<float>;  // (float)M_PI
  return static_cast<float>(n_dims) * std::log(static_cast<float>(n_ctx_orig) / (n_rot * 2.0f * kPi)) /
         (2.0f * std::log(base));
}

// 1 below the correction range (the angle is kept), 0 above (fully scaled)
// (rope_yarn_ramp; i0 is the even element index).
float yarn_ramp(float low, float high, int i0) {
  const float y = (static_cast<float>(i0 / 2) - low) / ggml_max(0.001f, high - low);
  return 1.0f - ggml_min(1.0f, ggml_max(0.0f, y));
}

}  // namespace

YarnCorrDims yarn_corr_dims(int n_dims, int n_ctx_orig, float freq_base, float beta_fast, float beta_slow) {
  const float start = std::floor(corr_dim(n_dims, n_ctx_orig, beta_fast, freq_base));
  const float end = std::ceil(corr_dim(n_dims, n_ctx_orig, beta_slow, freq_base));
  return {ggml_max(0.0f, start), ggml_min(static_cast<float>(n_dims - 1), end)};
}

void rope_cache(float* cache, int64_t n_rot, float pos, const RopeParams& p) {
  const float theta_scale = std::pow(p.base, -2.0f / static_cast<float>(n_rot));
  const YarnCorrDims corr = yarn_corr_dims(static_cast<int>(n_rot), p.n_ctx_orig, p.base, p.beta_fast, p.beta_slow);
  float theta = pos;
  for (int64_t i = 0; i < n_rot; i += 2) {
    const float ff = p.factors ? p.factors[i / 2] : 1.0f;
    // rope_yarn: interpolate (scale) the angle, then mix the unscaled angle back in where
    // the frequency turns fast enough to be trusted, and raise the magnitude to match.
    const float theta_extrap = theta / ff;
    const float theta_interp = p.freq_scale * theta_extrap;
    float t = theta_interp, mscale = p.attn_factor;
    if (p.ext_factor != 0.0f) {
      const float ramp_mix = yarn_ramp(corr.low, corr.high, static_cast<int>(i)) * p.ext_factor;
      // GCC fuses the first product of ggml's theta_interp*(1 - ramp_mix) + theta_extrap*ramp_mix.
      t = std::fma(theta_interp, 1.0f - ramp_mix, theta_extrap * ramp_mix);
      mscale *= std::fma(0.1f, std::log(1.0f / p.freq_scale), 1.0f);  // 1.0f + 0.1f * logf(...), fused
    }
    if (p.unit_magnitude) mscale = 1.0f;
    cache[i] = std::cos(t) * mscale;
    cache[i + 1] = std::sin(t) * mscale;
    theta *= theta_scale;
  }
}

void rope_apply_normal(float* x, const float* cache, int64_t n_rot) {
  for (int64_t i = 0; i < n_rot; i += 2) {
    const float c = cache[i], s = cache[i + 1];
    const float x0 = x[i], x1 = x[i + 1];
    // GCC contracts ggml's x0*c - x1*s and x0*s + x1*c, each into a fused multiply-add of
    // its first product (tests/reference/rope_ggml.py compares the bits with ggml's).
    x[i] = std::fma(x0, c, -(x1 * s));
    x[i + 1] = std::fma(x0, s, x1 * c);
  }
}

void rope_apply_neox(float* x, const float* cache, int64_t n_rot) {
  const int64_t half = n_rot / 2;
  for (int64_t i = 0; i < n_rot; i += 2) {
    const float c = cache[i], s = cache[i + 1];
    const float x0 = x[i / 2], x1 = x[i / 2 + half];
    // The same rotate_pairs expressions, so GCC contracts them the same way.
    x[i / 2] = std::fma(x0, c, -(x1 * s));
    x[i / 2 + half] = std::fma(x0, s, x1 * c);
  }
}

}  // namespace heft::engine
