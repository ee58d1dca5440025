// The forward pass, one path for every architecture family: the ArchSpec's
// switches choose norms, activation, biases and positional scheme.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/context.h"
#include "engine/matmul.h"
#include "engine/ops.h"
#include "engine/rope_layers.h"
#include "kernels/attention.h"
#include "kernels/quant.h"

namespace heft::engine {

namespace {

const float* f32(const model::Weight& w) { return w.present() ? reinterpret_cast<const float*>(w.data) : nullptr; }

}  // namespace

RopeParams Context::rope_params(bool swa) const { return layer_rope_params(model_, n_ctx_, swa); }

size_t Context::cache_row(const BatchRow& row, const std::vector<std::span<const int32_t>>* blocks) const {
  if (!blocks) return static_cast<size_t>(row.pos);
  const auto& table = (*blocks)[static_cast<size_t>(row.seq)];
  return (static_cast<size_t>(table[static_cast<size_t>(row.pos >> kBlockShift)]) << kBlockShift) |
         static_cast<size_t>(row.pos & (block_size() - 1));
}

void Context::project(const model::Weight& w, const float* x, int64_t t0, int64_t rows, float* y) {
  const int64_t in_batch = std::clamp<int64_t>(n_batch_order_ - t0, 0, rows);
  matmul(w, x, in_batch, y, act_.data(), pool_, Order::Batch);
  matmul(w, x + in_batch * w.cols, rows - in_batch, y + in_batch * w.rows, act_.data(), pool_, Order::Token);
}

void Context::forward(std::span<const BatchRow> rows, int64_t n_batch_order,
                      const std::vector<std::span<const int32_t>>* blocks, bool logits_batch_order, float* logits_out,
                      bool keep_hidden) {
  const model::Model& m = model_;
  const auto& hp = m.hp;
  const model::ArchSpec& spec = *m.spec;
  const int64_t n = static_cast<int64_t>(rows.size());
  const int64_t E = hp.n_embd, F = hp.n_ff;
  n_batch_order_ = n_batch_order;
  const int64_t hd = hp.head_dim_k;
  const int64_t q_dim = int64_t{hp.n_head} * hd;
  const int64_t kv_dim = cache_.k_dim(), v_dim = cache_.v_dim();
  float* x = x_.data();    // (n, E) residual stream
  float* h = h_.data();    // (n, E) normed input of each block

  for (int64_t t = 0; t < n; ++t) weight_row(m.tok_embd, rows[static_cast<size_t>(t)].token, x + t * E);
  if (spec.positions == model::Positions::Learned) {
    std::vector<float>& row = ffn_a_;  // one row of scratch
    for (int64_t t = 0; t < n; ++t) {
      weight_row(m.pos_embd, rows[static_cast<size_t>(t)].pos, row.data());  // Context::create keeps positions below pos_embd.rows
      for (int64_t i = 0; i < E; ++i) x[t * E + i] += row[static_cast<size_t>(i)];
    }
  }
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
  auto add_bias = [&](float* y, const model::Weight& b, int64_t width, int64_t rows) {
    if (!b.present()) return;
    const float* bv = f32(b);
    for (int64_t t = 0; t < rows; ++t)
      for (int64_t i = 0; i < width; ++i) y[t * width + i] += bv[i];
  };
  auto activation = [&](float v) { return spec.activation == model::Activation::Silu ? silu(v) : gelu_tanh(v); };

  // RoPE angles for this batch's positions; sliding-window layers may use other parameters.
  const bool rope = spec.positions != model::Positions::Learned;
  const RopeParams global = rope_params(false), local = rope_params(true);
  const RopeParams* param_sets[2] = {&global, &local};
  const int n_sets = hp.n_swa > 0 ? 2 : 1;  // the local set only where some layer slides
  if (rope)
    for (int set = 0; set < n_sets; ++set) {
      const RopeParams& p = *param_sets[set];
      for (int64_t t = 0; t < n; ++t)
        rope_cache(rope_.data() + (set * n + t) * hp.n_rot, hp.n_rot, static_cast<float>(rows[static_cast<size_t>(t)].pos), p);
    }
  const float q_scale = hp.query_pre_attn_scalar > 0 ? 1.0f / std::sqrt(hp.query_pre_attn_scalar)
                                                      : 1.0f / std::sqrt(static_cast<float>(hd));

  for (int64_t l = 0; l < hp.n_layer; ++l) {
    const model::LayerWeights& w = m.layers[static_cast<size_t>(l)];
    const bool swa = hp.is_swa(static_cast<uint32_t>(l));
    norm(x, w.attn_norm, w.attn_norm_bias, h);
    if (spec.fused_qkv) {
      const int64_t width = q_dim + kv_dim + v_dim;
      float* qkv = qkv_.data();
      project(w.wqkv, h, 0, n, qkv);
      add_bias(qkv, w.bqkv, width, n);
      for (int64_t t = 0; t < n; ++t) {
        std::copy_n(qkv + t * width, q_dim, q_.data() + t * q_dim);
        std::copy_n(qkv + t * width + q_dim, kv_dim, k_.data() + t * kv_dim);
        std::copy_n(qkv + t * width + q_dim + kv_dim, v_dim, v_.data() + t * v_dim);
      }
    } else {
      project(w.wq, h, 0, n, q_.data());
      project(w.wk, h, 0, n, k_.data());
      project(w.wv, h, 0, n, v_.data());
      add_bias(q_.data(), w.bq, q_dim, n);
      add_bias(k_.data(), w.bk, kv_dim, n);
      add_bias(v_.data(), w.bv, v_dim, n);
    }
    // Per-head Q/K norms, RoPE, Q scaling, then into the cache.
    const float* rc_base = rope_.data() + (swa ? n : 0) * hp.n_rot;
    pool_.parallel_for(n, [&](int64_t t0, int64_t t1, unsigned) {
      for (int64_t t = t0; t < t1; ++t) {
        float* qt = q_.data() + t * q_dim;
        float* kt = k_.data() + t * kv_dim;
        if (spec.qk_norm) {
          for (int64_t hh = 0; hh < hp.n_head; ++hh) rms_norm(qt + hh * hd, f32(w.q_norm), qt + hh * hd, hd, hp.norm_eps);
          for (int64_t hh = 0; hh < hp.n_head_kv; ++hh) rms_norm(kt + hh * hd, f32(w.k_norm), kt + hh * hd, hd, hp.norm_eps);
        }
        if (rope) {
          const float* rc = rc_base + t * hp.n_rot;
          auto apply = spec.positions == model::Positions::RopeNeox ? rope_apply_neox : rope_apply_normal;
          for (int64_t hh = 0; hh < hp.n_head; ++hh) apply(qt + hh * hd, rc, hp.n_rot);
          for (int64_t hh = 0; hh < hp.n_head_kv; ++hh) apply(kt + hh * hd, rc, hp.n_rot);
        }
        if (spec.scale_q)
          for (int64_t i = 0; i < q_dim; ++i) qt[i] *= q_scale;
        const auto cr = static_cast<int64_t>(cache_row(rows[static_cast<size_t>(t)], blocks));
        cache_.store_k(l, cr, kt);
        cache_.store_v(l, cr, v_.data() + t * v_dim);
      }
    });
    attention(l, rows, blocks, swa ? hp.n_swa : 0, spec.scale_q ? 1.0f : 1.0f / std::sqrt(static_cast<float>(hd)));
    project(w.wo, attn_.data(), 0, n, h);
    add_bias(h, w.bo, E, n);
    if (spec.post_norms) norm(h, w.attn_post_norm, model::Weight{}, h);
    for (int64_t i = 0; i < n * E; ++i) x[i] += h[i];

    norm(x, w.ffn_norm, w.ffn_norm_bias, h);
    // The FFN in near-equal pieces of at most kFfnTokens tokens: its wide
    // intermediates then need scratch for that many tokens only.
    const int64_t pieces = (n + kFfnTokens - 1) / kFfnTokens;
    for (int64_t piece = 0; piece < pieces; ++piece) {
      const int64_t t0 = n * piece / pieces, piece_rows = n * (piece + 1) / pieces - t0;
      float* piece_h = h + t0 * E;  // input rows, then the down projection's output
      float* a = ffn_a_.data();
      float* b = ffn_b_.data();
      if (spec.fused_gate_up) {
        project(w.ffn_up, piece_h, t0, piece_rows, b);  // (piece_rows, 2F): gate then up
        add_bias(b, w.b_up, 2 * F, piece_rows);
        for (int64_t t = 0; t < piece_rows; ++t) {
          const float* gate = b + t * 2 * F;
          const float* up = gate + F;
          for (int64_t i = 0; i < F; ++i) a[t * F + i] = activation(gate[i]) * up[i];
        }
      } else if (spec.gated_ffn) {
        project(w.ffn_up, piece_h, t0, piece_rows, b);
        project(w.ffn_gate, piece_h, t0, piece_rows, a);
        if (spec.activation == model::Activation::Silu) {
          for (int64_t t = 0; t < piece_rows; ++t) swiglu_ggml(a + t * F, b + t * F, F);
        } else {
          for (int64_t i = 0; i < piece_rows * F; ++i) a[i] = gelu_tanh(a[i]) * b[i];
        }
      } else {
        project(w.ffn_up, piece_h, t0, piece_rows, a);
        add_bias(a, w.b_up, F, piece_rows);
        for (int64_t i = 0; i < piece_rows * F; ++i) a[i] = activation(a[i]);
      }
      project(w.ffn_down, a, t0, piece_rows, piece_h);
    }
    add_bias(h, w.b_down, E, n);
    if (spec.post_norms) norm(h, w.ffn_post_norm, model::Weight{}, h);
    for (int64_t i = 0; i < n * E; ++i) x[i] += h[i];
  }

  if (!logits_out && !keep_hidden) return;
  norm(x, m.output_norm, m.output_norm_bias, h);
  if (keep_hidden) std::copy_n(h, n * E, hidden_.data());
  if (!logits_out) return;
  // Only the rows whose logits are wanted go through the output head, gathered in turn.
  int64_t kept = 0;
  for (int64_t t = 0; t < n; ++t)
    if (rows[static_cast<size_t>(t)].logits) {
      if (kept != t) std::copy_n(h + t * E, E, h + kept * E);
      ++kept;
    }
  if (kept == 0) return;
  matmul(m.output, h, kept, logits_out, act_.data(), pool_, logits_batch_order && kept > 1 ? Order::Batch : Order::Token);
  if (hp.final_softcap > 0.0f) {
    const float c = hp.final_softcap;
    for (int64_t i = 0; i < kept * m.output.rows; ++i) logits_out[i] = std::tanh(logits_out[i] * (1.0f / c)) * c;
  }
}

// Attention for each (token, head) over the cache (kernels/attention.h).
void Context::attention(int64_t layer, std::span<const BatchRow> rows, const std::vector<std::span<const int32_t>>* blocks,
                        int64_t window, float scale) {
  const int64_t n = static_cast<int64_t>(rows.size());
  const auto& hp = model_.hp;
  const int64_t hd_k = hp.head_dim_k, hd_v = hp.head_dim_v;
  const int64_t q_dim = int64_t{hp.n_head} * hd_k, out_dim = int64_t{hp.n_head} * hd_v;
  const int64_t group = hp.n_head / hp.n_head_kv;
  const size_t elem = cache_.type() == CacheType::F16 ? 2 : 4;
  const int64_t stride = scratch_stride();
  auto head_range = [&](int64_t i0, int64_t i1, unsigned thread) {
    float* scratch = scores_.data() + static_cast<size_t>(thread) * static_cast<size_t>(stride);
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t t = i / hp.n_head, head = i % hp.n_head, kvh = head / group;
      kernels::AttentionArgs a;
      a.q = q_.data() + t * q_dim + head * hd_k;
      const BatchRow& row = rows[static_cast<size_t>(t)];
      a.k = static_cast<const uint8_t*>(cache_.k_row(layer, 0)) + static_cast<size_t>(kvh * hd_k) * elem;
      a.v = static_cast<const uint8_t*>(cache_.v_row(layer, 0)) + static_cast<size_t>(kvh * hd_v) * elem;
      a.k_stride = static_cast<size_t>(cache_.k_dim()) * elem;
      a.v_stride = static_cast<size_t>(cache_.v_dim()) * elem;
      a.f16 = elem == 2;
      a.hd_k = hd_k;
      a.hd_v = hd_v;
      if (blocks) {
        a.blocks = (*blocks)[static_cast<size_t>(row.seq)].data();
        a.block_shift = kBlockShift;
      }
      a.n_kv = row.pos + 1;  // causal: positions 0..pos
      a.first = window > 0 ? std::max<int64_t>(0, a.n_kv - window) : 0;
      a.scale = scale;
      a.softcap = hp.attn_softcap;
      a.batch = row.batch_order;
      kernels::attention_head(a, attn_.data() + t * out_dim + head * hd_v, scratch);
    }
  };
  // One token's heads a chunk: causal work grows with the token, so the thread
  // given the first half of a batch finishes early and takes over the rest of the other's.
  pool_.parallel_for(n * hp.n_head, head_range, 1, hp.n_head);
}

}  // namespace heft::engine
