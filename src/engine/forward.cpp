// The forward pass, one path for every architecture family: the ArchSpec's
// switches choose norms, activation, biases and positional scheme.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/context.h"
#include "engine/matmul.h"
#include "engine/ops.h"
#include "kernels/ggml_order.h"
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

// Attention over the cache for each (token, head), in ggml's order of
// operations for a non-flash-attention graph: scores are ggml_vec_dot rows
// (the query is not contiguous, so never tinyBLAS), softmax exponentiates 16
// at a time with ggml_v_expf, and the value product runs over every cached
// position (tinyBLAS order for prompt batches, ggml_vec_dot for one token).
// With an F16 cache the query and the probabilities are rounded to half first,
// as ggml converts them to the cache's type.
void Context::attention(int64_t layer, int64_t n, int64_t pos0) {
  const auto& hp = model_.hp;
  const int64_t hd_k = hp.head_dim_k, hd_v = hp.head_dim_v;
  const int64_t q_dim = int64_t{hp.n_head} * hd_k, out_dim = int64_t{hp.n_head} * hd_v;
  const int64_t group = hp.n_head / hp.n_head_kv;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd_k));
  const bool f16 = cache_.type() == CacheType::F16;
  const bool batch = n > 1;
  const int64_t stride = scratch_stride();

  pool_.parallel_for(n * hp.n_head, [&](int64_t i0, int64_t i1, unsigned thread) {
    float* base = scores_.data() + static_cast<size_t>(thread) * static_cast<size_t>(stride);
    const int64_t n_pad_max = cache_.n_ctx() + 64;
    float* scores = base;                                                   // n_pad_max
    float* column = base + n_pad_max;                                       // n_pad_max
    uint16_t* half_a = reinterpret_cast<uint16_t*>(base + 2 * n_pad_max);   // n_pad_max halves
    uint16_t* half_b = half_a + n_pad_max;                                  // n_pad_max halves
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t t = i / hp.n_head, head = i % hp.n_head, kvh = head / group;
      const int64_t n_kv = pos0 + t + 1;                 // causal: positions 0..pos0+t
      const int64_t n_pad = (n_kv + 63) / 64 * 64;       // ggml runs over padded, masked cells
      const float* q = q_.data() + t * q_dim + head * hd_k;
      if (f16) {
        for (int64_t d = 0; d < hd_k; ++d) half_a[d] = kernels::fp32_to_fp16(q[d]);
        for (int64_t j = 0; j < n_kv; ++j) {
          const uint16_t* k = static_cast<const uint16_t*>(cache_.k_row(layer, j)) + kvh * hd_k;
          const float s = batch && hd_k % 16 == 0 ? kernels::ggml_order::dot_f16_batch(k, half_a, hd_k)
                                                  : kernels::ggml_order::dot_f16(k, half_a, hd_k);
          scores[j] = s * scale;
        }
      } else {
        for (int64_t j = 0; j < n_kv; ++j) {
          const float* k = static_cast<const float*>(cache_.k_row(layer, j)) + kvh * hd_k;
          scores[j] = kernels::ggml_order::dot_f32(k, q, hd_k) * scale;
        }
      }
      softmax_ggml(scores, n_kv, n_pad);
      float* out = attn_.data() + t * out_dim + head * hd_v;
      if (f16) {
        for (int64_t j = 0; j < n_pad; ++j) half_b[j] = kernels::fp32_to_fp16(scores[j]);
        for (int64_t d = 0; d < hd_v; ++d) {
          for (int64_t j = 0; j < n_kv; ++j)
            half_a[j] = static_cast<const uint16_t*>(cache_.v_row(layer, j))[kvh * hd_v + d];
          for (int64_t j = n_kv; j < n_pad; ++j) half_a[j] = 0;
          out[d] = batch ? kernels::ggml_order::dot_f16_batch(half_a, half_b, n_pad)
                         : kernels::ggml_order::dot_f16(half_a, half_b, n_pad);
        }
      } else {
        for (int64_t d = 0; d < hd_v; ++d) {
          for (int64_t j = 0; j < n_kv; ++j)
            column[j] = static_cast<const float*>(cache_.v_row(layer, j))[kvh * hd_v + d];
          for (int64_t j = n_kv; j < n_pad; ++j) column[j] = 0.0f;
          out[d] = batch ? kernels::ggml_order::dot_f32_batch(column, scores, n_pad)
                         : kernels::ggml_order::dot_f32(column, scores, n_pad);
        }
      }
    }
  });
}

}  // namespace heft::engine
