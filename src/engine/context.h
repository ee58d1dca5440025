#pragma once
// The model's working state: KV cache, scratch buffers (allocated once at
// creation; nothing is allocated per token) and the logits of the last pass.
// Two ways to use it: one sequence (decode, n_past, shift: `heft run`, chat,
// perplexity), its positions being the cache's rows in order; or a server's
// many sequences (decode_batch), each in blocks of the cache that the caller
// hands out (engine::KvPool). Both run the same forward pass, row by row
// in the same arithmetic, so a sequence's tokens are the same either way.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/batch.h"
#include "engine/kv_cache.h"
#include "engine/rope.h"
#include "model/model.h"
#include "util/error.h"
#include "util/thread_pool.h"

namespace heft::engine {

struct ContextParams {
  int64_t n_ctx = 0;       // 0: the model's training context, capped at 4096
  CacheType cache_type = CacheType::F16;
  unsigned n_threads = 0;  // 0: all logical cores
  int64_t n_batch = 512;   // tokens per forward pass when a prompt is longer
  // For decode_batch (a server): cache rows in all (a multiple of block_size;
  // 0: one sequence's n_ctx), and rows per pass (0: n_batch).
  int64_t kv_rows = 0;
  int64_t max_rows = 0;
};

// The scratch a context allocates: Context's constructor sizes its buffers
// from it and `heft fit` predicts memory from it, so the two cannot disagree.
struct ScratchSizes {
  int64_t rows = 0;  // rows a pass holds: n_batch (at most n_ctx), or max_rows when larger
  // Floats per buffer (the names of Context's members).
  size_t x = 0, h = 0, q = 0, k = 0, v = 0, attn = 0, ffn_a = 0, ffn_b = 0, qkv = 0, scores = 0, rope = 0;
  size_t act = 0;  // bytes: the largest matmul activation scratch, plus alignment slack
  size_t bytes() const;
};

class Context {
 public:
  // The scratch of a context with these parameters for a model of these
  // hyper-parameters, whose matmul weights (output head and per-layer
  // projections; only type and cols are read) are `matrices`.
  static ScratchSizes scratch_sizes(const model::Hparams& hp, const model::ArchSpec& spec, int64_t n_ctx,
                                    const ContextParams& params, unsigned n_threads,
                                    std::span<const model::Weight> matrices);
  static util::Result<std::unique_ptr<Context>> create(const model::Model& model, const ContextParams& params);
  // The context a request for n_ctx gets (0: the model's training context, capped at 4096).
  static int64_t default_n_ctx(const model::Model& model, int64_t n_ctx);

  // Appends tokens at positions n_past(), n_past()+1, ... (the prompt as one
  // batch, matrix-matrix; generation one token at a time). Keeps logits for
  // every token when all_logits, otherwise only for the last one.
  util::Result<void> decode(std::span<const int32_t> tokens, bool all_logits = false);

  // One pass over rows of many sequences (engine/batch.h); afterwards logits(i)
  // is the i-th row that asked for logits. Does not touch n_past().
  util::Result<void> decode_batch(const Batch& batch);
  static constexpr int kBlockShift = 4;
  static constexpr int64_t block_size() { return int64_t{1} << kBlockShift; }  // cache rows per block
  int64_t n_blocks() const { return cache_.n_rows() / block_size(); }
  int64_t max_rows() const { return max_rows_; }
  int64_t n_batch() const { return params_.n_batch; }

  // After decode_batch with keep_hidden: row i's final hidden state (n_embd floats, after the output norm).
  const float* hidden(int64_t i) const { return hidden_.data() + i * model_.hp.n_embd; }

  const float* logits(int64_t i) const { return logits_.data() + i * n_vocab(); }  // i-th kept row
  const float* last_logits() const { return logits(n_logits_ - 1); }
  int64_t n_logits() const { return n_logits_; }

  int64_t n_past() const { return n_past_; }
  int64_t n_ctx() const { return n_ctx_; }
  int64_t n_vocab() const { return model_.hp.n_vocab; }
  const model::Model& model() const { return model_; }
  const KvCache& cache() const { return cache_; }
  unsigned n_threads() const { return pool_.size(); }

  void clear() { n_past_ = 0; }
  // Forgets everything after the first n positions (their cache entries are reused).
  void truncate(int64_t n) { n_past_ = std::clamp<int64_t>(n, 0, n_past_); }
  // Context shift: forgets n_discard positions after the first n_keep and moves
  // the rest down, re-rotating their keys with the layer's RoPE parameters, as
  // llama.cpp's K-shift does (attention factor included: it multiplies the
  // shifted keys once more, as there).
  void shift(int64_t n_keep, int64_t n_discard);

 private:
  Context(const model::Model& model, const ContextParams& params, int64_t n_ctx, int64_t kv_rows);
  // Rows [0, n_batch_order) are summed in prompt-batch order, the rest in
  // single-token order; blocks null: one sequence, cache row = position. The
  // rows asking for logits write them to logits_out in turn (in batch order
  // when logits_batch_order and there are several, as perplexity wants them).
  void forward(std::span<const BatchRow> rows, int64_t n_batch_order, const std::vector<std::span<const int32_t>>* blocks,
               bool logits_batch_order, float* logits_out, bool keep_hidden = false);
  // y = W x over rows [t0, t0 + rows) of the pass, each row in its order.
  void project(const model::Weight& w, const float* x, int64_t t0, int64_t rows, float* y);
  size_t cache_row(const BatchRow& row, const std::vector<std::span<const int32_t>>* blocks) const;
  // window > 0: only the last `window` positions are visible (sliding-window layers).
  void attention(int64_t layer, std::span<const BatchRow> rows, const std::vector<std::span<const int32_t>>* blocks,
                 int64_t window, float scale);
  // The RoPE parameters of global or sliding-window layers (llama.cpp's get_rope_freq_base/scale/factors).
  RopeParams rope_params(bool sliding_window_layer) const;
  int64_t scratch_stride() const;  // floats of attention scratch per thread

  const model::Model& model_;
  ContextParams params_;
  KvCache cache_;
  util::ThreadPool pool_;
  int64_t n_ctx_ = 0;
  int64_t max_rows_ = 0;
  int64_t n_past_ = 0;
  int64_t n_batch_order_ = 0;  // rows of the current pass summed in batch order
  std::vector<BatchRow> rows_;  // the single-sequence decode's rows
  std::vector<float> logits_;
  std::vector<float> hidden_;  // (rows, n_embd) when a pass keeps them
  int64_t n_logits_ = 0;

  // Scratch, sized for n_batch tokens (the FFN's intermediates for
  // kFfnTokens: forward.cpp runs the FFN in pieces of at most that many).
  static constexpr int64_t kFfnTokens = 128;
  std::vector<float> x_, h_, q_, k_, v_, qkv_, attn_, ffn_a_, ffn_b_, scores_, rope_;
  std::vector<uint8_t> act_;
  std::vector<std::vector<float>> norm_weights_;  // norm vectors as floats, per layer
};

}  // namespace heft::engine
