#include "model/rope_scaling.h"

#include <cmath>

namespace heft::model {

std::string_view rope_scaling_name(RopeScaling s) {
  switch (s) {
    case RopeScaling::None: return "none";
    case RopeScaling::Linear: return "linear";
    case RopeScaling::Yarn: return "yarn";
    case RopeScaling::LongRope: return "longrope";
  }
  return "?";
}

// libllama is built without FMA (its object code has no fused multiply-add), and
// heft builds in ISO C++ mode, which does not contract: these expressions round
// exactly as llama-context.cpp's do.
RopeScalingParams resolve_rope_scaling(RopeScaling type, float factor, float attn_factor, uint32_t n_ctx_orig) {
  RopeScalingParams p;
  // llama-model.cpp: hparams.rope_freq_scale_train; llama-context.cpp: none never scales.
  p.freq_scale = factor == 0.0f ? 1.0f : 1.0f / factor;
  if (type == RopeScaling::None) p.freq_scale = 1.0f;
  p.n_ctx_orig = n_ctx_orig;
  // yarn_ext_factor "not set" (negative) resolves to 1 for YaRN, 0 otherwise.
  p.ext_factor = type == RopeScaling::Yarn ? 1.0f : 0.0f;
  float yarn_attn = 1.0f;  // hparams.yarn_attn_factor
  if (p.ext_factor != 0.0f) {
    auto get_mscale = [](float scale, float mscale) {
      return scale <= 1.0f ? 1.0f : (0.1f * mscale * std::log(scale) + 1.0f);
    };
    const float f = 1.0f / p.freq_scale;
    yarn_attn = get_mscale(f, 1.0f);  // rope_yarn_log_mul is 0 outside DeepSeek/Mistral 3
    // ggml's rope_yarn multiplies by 1 + 0.1 ln f again; llama.cpp cancels that here.
    yarn_attn *= 1.0f / (1.0f + 0.1f * std::log(f));
  }
  p.attn_factor = yarn_attn * attn_factor;
  return p;
}

float rope_magnitude(const RopeScalingParams& p) {
  if (p.ext_factor == 0.0f) return p.attn_factor;
  // ggml-cpu is built with FMA contraction: 1.0f + 0.1f * x is one fused multiply-add there.
  return p.attn_factor * std::fma(0.1f, std::log(1.0f / p.freq_scale), 1.0f);
}

}  // namespace heft::model
