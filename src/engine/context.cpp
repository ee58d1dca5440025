#include "engine/context.h"

#include <algorithm>

#include "engine/matmul.h"
#include "engine/ops.h"
#include "engine/rope.h"
#include "kernels/attention.h"
#include "kernels/quant.h"

namespace heft::engine {

int64_t Context::default_n_ctx(const model::Model& model, int64_t n_ctx) {
  return n_ctx > 0 ? n_ctx : std::min<int64_t>(model.hp.n_ctx_train ? model.hp.n_ctx_train : 4096, 4096);
}

util::Result<std::unique_ptr<Context>> Context::create(const model::Model& model, const ContextParams& params) {
  const int64_t n_ctx = default_n_ctx(model, params.n_ctx);
  if (n_ctx > (1 << 20)) return util::fail("context size " + std::to_string(n_ctx) + " is too large");
  // Learned position embeddings end at the training context; there is nothing past it.
  if (model.spec->positions == model::Positions::Learned && model.hp.n_ctx_train > 0 && n_ctx > model.hp.n_ctx_train)
    return util::fail("this model has learned positions for " + std::to_string(model.hp.n_ctx_train) +
                      " tokens; --ctx-size cannot exceed that");
  if (params.n_batch <= 0) return util::fail("batch size must be positive");
  if (params.kv_rows < 0 || params.max_rows < 0) return util::fail("cache and pass sizes must be positive");
  // One sequence: its context, in whole blocks.
  const int64_t kv_rows = params.kv_rows > 0 ? params.kv_rows : (n_ctx + block_size() - 1) / block_size() * block_size();
  if (kv_rows % block_size() != 0)
    return util::fail("the cache size must be a multiple of " + std::to_string(block_size()) + " tokens");
  if (kv_rows > (int64_t{1} << 30)) return util::fail("cache size " + std::to_string(kv_rows) + " tokens is too large");
  return std::unique_ptr<Context>(new Context(model, params, n_ctx, kv_rows));
}

size_t ScratchSizes::bytes() const {
  return (x + h + q + k + v + attn + ffn_a + ffn_b + qkv + scores + rope) * sizeof(float) + act;
}

ScratchSizes Context::scratch_sizes(const model::Hparams& hp, const model::ArchSpec& spec, int64_t n_ctx,
                                    const ContextParams& params, unsigned n_threads,
                                    std::span<const model::Weight> matrices) {
  const int64_t n_batch = std::min(params.n_batch, n_ctx);
  const int64_t B = std::max(n_batch, params.max_rows > 0 ? params.max_rows : n_batch);
  const int64_t q_dim = int64_t{hp.n_head} * hp.head_dim_k, out_dim = int64_t{hp.n_head} * hp.head_dim_v;
  const int64_t k_dim = int64_t{hp.n_head_kv} * hp.head_dim_k, v_dim = int64_t{hp.n_head_kv} * hp.head_dim_v;
  auto n = [](int64_t v) { return static_cast<size_t>(v); };
  // Every buffer is sized for what the forward pass writes to it (each page
  // touched here counts in the resident memory): h holds (n, E) rows only,
  // ffn_b the up projection (2F wide only for a fused gate+up tensor).
  ScratchSizes s;
  s.rows = B;
  s.x = s.h = n(B * hp.n_embd);
  s.q = n(B * q_dim);
  s.k = n(B * k_dim);
  s.v = n(B * v_dim);
  s.attn = n(B * out_dim);
  const int64_t ffn_rows = std::min(B, kFfnTokens);
  s.ffn_a = n(ffn_rows * std::max<int64_t>(hp.n_ff, hp.n_embd));
  const int64_t up_width = spec.fused_gate_up ? 2 * int64_t{hp.n_ff} : spec.gated_ffn ? hp.n_ff : 0;
  s.ffn_b = n(ffn_rows * up_width);
  if (spec.fused_qkv) s.qkv = n(B * (q_dim + k_dim + v_dim));
  s.scores = size_t{n_threads} * kernels::attention_scratch_floats(n_ctx, hp.head_dim_k, hp.head_dim_v);
  s.rope = n(2 * B * hp.n_rot);  // global and sliding-window layer angles
  size_t act = 0;
  for (const model::Weight& w : matrices) act = std::max(act, matmul_scratch_bytes(w, B));
  s.act = act + 64;
  return s;
}

Context::Context(const model::Model& model, const ContextParams& params, int64_t n_ctx, int64_t kv_rows)
    : model_(model), params_(params),
      cache_(model.hp.n_layer, kv_rows, int64_t{model.hp.n_head_kv} * model.hp.head_dim_k,
             int64_t{model.hp.n_head_kv} * model.hp.head_dim_v, params.cache_type),
      pool_(params.n_threads), n_ctx_(n_ctx) {
  params_.n_batch = std::min(params.n_batch, n_ctx);
  max_rows_ = params.max_rows > 0 ? params.max_rows : params_.n_batch;
  std::vector<model::Weight> matrices{model.output};
  for (const auto& l : model.layers)
    for (const model::Weight* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_gate, &l.ffn_up, &l.ffn_down, &l.wqkv})
      if (w->present()) matrices.push_back(*w);
  const ScratchSizes s = scratch_sizes(model.hp, *model.spec, n_ctx, params, pool_.size(), matrices);
  x_.resize(s.x);
  h_.resize(s.h);
  q_.resize(s.q);
  k_.resize(s.k);
  v_.resize(s.v);
  attn_.resize(s.attn);
  ffn_a_.resize(s.ffn_a);
  ffn_b_.resize(s.ffn_b);
  qkv_.resize(s.qkv);
  scores_.resize(s.scores);
  rope_.resize(s.rope);
  act_.resize(s.act);
}

int64_t Context::scratch_stride() const {
  return static_cast<int64_t>(kernels::attention_scratch_floats(n_ctx_, model_.hp.head_dim_k, model_.hp.head_dim_v));
}

util::Result<void> Context::decode(std::span<const int32_t> tokens, bool all_logits) {
  if (tokens.empty()) return util::fail("nothing to decode");
  if (n_past_ + static_cast<int64_t>(tokens.size()) > n_ctx())
    return util::fail("the context is full (" + std::to_string(n_ctx()) + " tokens)");
  for (int32_t t : tokens)
    if (t < 0 || t >= n_vocab()) return util::fail("token id " + std::to_string(t) + " is outside the vocabulary");
  const int64_t n = static_cast<int64_t>(tokens.size());
  n_logits_ = all_logits ? n : 1;
  if (logits_.size() < static_cast<size_t>(n_logits_ * n_vocab())) logits_.resize(static_cast<size_t>(n_logits_ * n_vocab()));
  for (int64_t start = 0; start < n; start += params_.n_batch) {
    const int64_t len = std::min(params_.n_batch, n - start);
    const bool last_chunk = start + len == n;
    float* out = all_logits ? logits_.data() + start * n_vocab() : (last_chunk ? logits_.data() : nullptr);
    // A chunk of several tokens is summed in batch order, a single token in its own (as ggml does).
    rows_.resize(static_cast<size_t>(len));
    for (int64_t t = 0; t < len; ++t)
      rows_[static_cast<size_t>(t)] = BatchRow{tokens[static_cast<size_t>(start + t)], n_past_ + t, 0, len > 1,
                                               all_logits || (last_chunk && t == len - 1)};
    forward(rows_, len > 1 ? len : 0, nullptr, all_logits, out);
    n_past_ += len;
  }
  return {};
}

util::Result<void> Context::decode_batch(const Batch& batch) {
  const int64_t n = static_cast<int64_t>(batch.rows.size());
  if (n == 0) return util::fail("nothing to decode");
  if (n > max_rows_) return util::fail("a pass holds at most " + std::to_string(max_rows_) + " rows");
  int64_t n_batch_order = 0, n_logits = 0;
  for (int64_t i = 0; i < n; ++i) {
    const BatchRow& r = batch.rows[static_cast<size_t>(i)];
    if (r.token < 0 || r.token >= n_vocab()) return util::fail("token id " + std::to_string(r.token) + " is outside the vocabulary");
    if (r.pos < 0 || r.pos >= n_ctx_) return util::fail("position " + std::to_string(r.pos) + " is outside the context");
    if (r.seq < 0 || static_cast<size_t>(r.seq) >= batch.blocks.size()) return util::fail("row of an unknown sequence");
    const auto& table = batch.blocks[static_cast<size_t>(r.seq)];
    const size_t b = static_cast<size_t>(r.pos >> kBlockShift);
    if (b >= table.size() || table[b] < 0 || table[b] >= n_blocks()) return util::fail("position without a cache block");
    if (r.batch_order) {
      if (n_batch_order != i) return util::fail("rows in batch order must come first");
      ++n_batch_order;
    }
    n_logits += r.logits ? 1 : 0;
  }
  n_logits_ = n_logits;
  if (logits_.size() < static_cast<size_t>(n_logits * n_vocab())) logits_.resize(static_cast<size_t>(n_logits * n_vocab()));
  if (batch.keep_hidden && hidden_.size() < static_cast<size_t>(n * model_.hp.n_embd))
    hidden_.resize(static_cast<size_t>(n * model_.hp.n_embd));
  forward(batch.rows, n_batch_order, &batch.blocks, false, n_logits > 0 ? logits_.data() : nullptr, batch.keep_hidden);
  return {};
}

void Context::shift(int64_t n_keep, int64_t n_discard) {
  n_keep = std::clamp<int64_t>(n_keep, 0, n_past_);
  n_discard = std::clamp<int64_t>(n_discard, 0, n_past_ - n_keep);
  if (n_discard == 0) return;
  const auto& hp = model_.hp;
  const int64_t moved = n_past_ - n_keep - n_discard;
  cache_.move(n_keep + n_discard, n_keep, moved);
  // Keys carry their position's rotation: rotate them back by n_discard positions.
  if (model_.spec->positions == model::Positions::Learned) {
    n_past_ -= n_discard;  // learned positions cannot be shifted; the kept keys stay as they are
    return;
  }
  std::vector<float> cache(static_cast<size_t>(hp.n_rot)), row(static_cast<size_t>(cache_.k_dim()));
  for (int64_t l = 0; l < hp.n_layer; ++l) {
    RopeParams p = rope_params(hp.is_swa(static_cast<uint32_t>(l)));
    p.unit_magnitude = true;  // the moved keys carry the magnitude already
    rope_cache(cache.data(), hp.n_rot, static_cast<float>(-n_discard), p);
    for (int64_t pos = n_keep; pos < n_keep + moved; ++pos) {
      void* raw = cache_.k_row_mut(l, pos);
      if (cache_.type() == CacheType::F32) std::copy_n(static_cast<float*>(raw), row.size(), row.data());
      else
        for (size_t i = 0; i < row.size(); ++i) row[i] = kernels::fp16_to_fp32(static_cast<uint16_t*>(raw)[i]);
      for (int64_t h = 0; h < hp.n_head_kv; ++h) {
        float* head = row.data() + h * hp.head_dim_k;
        if (model_.spec->positions == model::Positions::RopeNeox) rope_apply_neox(head, cache.data(), hp.n_rot);
        else rope_apply_normal(head, cache.data(), hp.n_rot);
      }
      cache_.store_k(l, pos, row.data());
    }
  }
  n_past_ -= n_discard;
}

}  // namespace heft::engine
