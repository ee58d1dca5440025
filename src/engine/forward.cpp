// The forward pass, one path for every architecture family: the ArchSpec's
// switches choose norms, activation, biases and positional scheme.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/context.h"
#include "engine/matmul.h"
#include "engine/ops.h"
#include "kernels/attention.h"
#include "kernels/quant.h"

namespace heft::engine {

namespace {

const float* f32(const model::Weight& w) { return w.present() ? reinterpret_cast<const float*>(w.data) : nullptr; }

}  // namespace

void Context::forward(const int32_t* tokens, int64_t n, bool all_logits, float* logits_out) {
  const model::Model& m = model_;
  const auto& hp = m.hp;
  const model::ArchSpec& spec = *m.spec;
  const int64_t E = hp.n_embd, pos0 = n_past_;
  const int64_t q_dim = int64_t{hp.n_head} * hp.head_dim_k;
  const int64_t kv_dim = cache_.k_dim(), v_dim = cache_.v_dim();
  float* x = x_.data();    // (n, E) residual stream
  float* h = h_.data();    // (n, E) normed input of each block
  uint8_t* act = act_.data();

  for (int64_t t = 0; t < n; ++t) weight_row(m.tok_embd, tokens[t], x + t * E);
  if (spec.scale_embeddings) {
    const float s = std::sqrt(static_cast<float>(E));
    for (int64_t i = 0; i < n * E; ++i) x[i] *= s;
  }

  auto norm = [&](const float* in, const model::Weight& w, const model::Weight& b, float* out) {
    pool_.parallel_for(n, [&](int64_t t0, int64_t t1, unsigned) {
      for (int64_t t = t0; t < t1; ++t) {
        if (spec.norm == model::NormKind::Rms) rms_norm(in + t * E, f32(w), out + t * E, E, hp.norm_eps);
        else layer_norm(in + t * E, f32(w), f32(b), out + t * E, E, hp.norm_eps);
      }
    });
  };

  // RoPE angles for this batch's positions.
  const float freq_scale = hp.rope_scaling == model::RopeScaling::Linear ? 1.0f / hp.rope_scale_factor : 1.0f;
  for (int64_t t = 0; t < n; ++t)
    rope_cache(rope_.data() + t * hp.n_rot, hp.n_rot, static_cast<float>(pos0 + t), hp.rope_freq_base, freq_scale,
               f32(m.rope_freqs));

  for (int64_t l = 0; l < hp.n_layer; ++l) {
    const model::LayerWeights& w = m.layers[static_cast<size_t>(l)];
    norm(x, w.attn_norm, w.attn_norm_bias, h);
    matmul(w.wq, h, n, q_.data(), act, pool_);
    matmul(w.wk, h, n, k_.data(), act, pool_);
    matmul(w.wv, h, n, v_.data(), act, pool_);
    pool_.parallel_for(n, [&](int64_t t0, int64_t t1, unsigned) {
      for (int64_t t = t0; t < t1; ++t) {
        const float* rc = rope_.data() + t * hp.n_rot;
        for (int64_t hd = 0; hd < hp.n_head; ++hd)
          rope_apply_normal(q_.data() + t * q_dim + hd * hp.head_dim_k, rc, hp.n_rot);
        for (int64_t hd = 0; hd < hp.n_head_kv; ++hd)
          rope_apply_normal(k_.data() + t * kv_dim + hd * hp.head_dim_k, rc, hp.n_rot);
        cache_.store_k(l, pos0 + t, k_.data() + t * kv_dim);
        cache_.store_v(l, pos0 + t, v_.data() + t * v_dim);
      }
    });
    attention(l, n, pos0);
    matmul(w.wo, attn_.data(), n, h, act, pool_);
    for (int64_t i = 0; i < n * E; ++i) x[i] += h[i];

    norm(x, w.ffn_norm, w.ffn_norm_bias, h);
    float* a = ffn_a_.data();
    float* b = ffn_b_.data();
    const int64_t F = hp.n_ff;
    matmul(w.ffn_up, h, n, b, act, pool_);
    if (spec.gated_ffn) {
      matmul(w.ffn_gate, h, n, a, act, pool_);
      for (int64_t t = 0; t < n; ++t) swiglu_ggml(a + t * F, b + t * F, F);
    } else {
      for (int64_t i = 0; i < n * F; ++i) a[i] = spec.activation == model::Activation::Silu ? silu(b[i]) : gelu_tanh(b[i]);
    }
    matmul(w.ffn_down, a, n, h, act, pool_);
    for (int64_t i = 0; i < n * E; ++i) x[i] += h[i];
  }

  n_past_ += n;
  if (!logits_out) return;
  // Only the rows whose logits are wanted go through the output head.
  const int64_t first = all_logits ? 0 : n - 1, rows = n - first;
  norm(x, m.output_norm, m.output_norm_bias, h);
  matmul(m.output, h + first * E, rows, logits_out, act, pool_);
}

// Attention for each (token, head) over the cache (kernels/attention.h).
void Context::attention(int64_t layer, int64_t n, int64_t pos0) {
  const auto& hp = model_.hp;
  const int64_t hd_k = hp.head_dim_k, hd_v = hp.head_dim_v;
  const int64_t q_dim = int64_t{hp.n_head} * hd_k, out_dim = int64_t{hp.n_head} * hd_v;
  const int64_t group = hp.n_head / hp.n_head_kv;
  const size_t elem = cache_.type() == CacheType::F16 ? 2 : 4;
  const int64_t stride = scratch_stride();
  pool_.parallel_for(n * hp.n_head, [&](int64_t i0, int64_t i1, unsigned thread) {
    float* scratch = scores_.data() + static_cast<size_t>(thread) * static_cast<size_t>(stride);
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t t = i / hp.n_head, head = i % hp.n_head, kvh = head / group;
      kernels::AttentionArgs a;
      a.q = q_.data() + t * q_dim + head * hd_k;
      a.k = static_cast<const uint8_t*>(cache_.k_row(layer, 0)) + static_cast<size_t>(kvh * hd_k) * elem;
      a.v = static_cast<const uint8_t*>(cache_.v_row(layer, 0)) + static_cast<size_t>(kvh * hd_v) * elem;
      a.k_stride = static_cast<size_t>(cache_.k_dim()) * elem;
      a.v_stride = static_cast<size_t>(cache_.v_dim()) * elem;
      a.f16 = elem == 2;
      a.hd_k = hd_k;
      a.hd_v = hd_v;
      a.n_kv = pos0 + t + 1;  // causal: positions 0..pos0+t
      a.scale = 1.0f / std::sqrt(static_cast<float>(hd_k));
      a.batch = n > 1;
      kernels::attention_head(a, attn_.data() + t * out_dim + head * hd_v, scratch);
    }
  });
}

}  // namespace heft::engine
