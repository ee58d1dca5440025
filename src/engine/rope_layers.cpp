#include "engine/rope_layers.h"

namespace heft::engine {

namespace {

const float* f32(const model::Weight& w) { return w.present() ? reinterpret_cast<const float*>(w.data) : nullptr; }

}  // namespace

RopeParams layer_rope_params(const model::Model& m, int64_t n_ctx, bool swa) {
  const auto& hp = m.hp;
  RopeParams p;
  p.base = swa ? hp.rope_freq_base_swa : hp.rope_freq_base;
  // Sliding-window layers keep scale 1 (llama.cpp's rope_freq_scale_train_swa) unless the
  // family says otherwise, but share YaRN's mix, magnitude and range with the rest.
  p.freq_scale = swa && !m.spec->swa_rope_scaled ? 1.0f : hp.rope.freq_scale;
  p.ext_factor = hp.rope.ext_factor;
  p.attn_factor = hp.rope.attn_factor;
  p.beta_fast = hp.rope.beta_fast;
  p.beta_slow = hp.rope.beta_slow;
  p.n_ctx_orig = static_cast<int32_t>(hp.rope.n_ctx_orig);
  if (m.rope_freqs.present()) p.factors = f32(m.rope_freqs);
  else if (m.rope_long.present() || m.rope_short.present())
    p.factors = f32(n_ctx > hp.rope_orig_ctx && m.rope_long.present() ? m.rope_long : m.rope_short);
  return p;
}

}  // namespace heft::engine
