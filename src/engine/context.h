#pragma once
// One sequence's state: KV cache, position, scratch buffers (allocated once at
// creation; nothing is allocated per token) and the logits of the last decode.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

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
};

class Context {
 public:
  static util::Result<std::unique_ptr<Context>> create(const model::Model& model, const ContextParams& params);

  // Appends tokens at positions n_past(), n_past()+1, ... (the prompt as one
  // batch, matrix-matrix; generation one token at a time). Keeps logits for
  // every token when all_logits, otherwise only for the last one.
  util::Result<void> decode(std::span<const int32_t> tokens, bool all_logits = false);

  const float* logits(int64_t i) const { return logits_.data() + i * n_vocab(); }  // i-th kept row
  const float* last_logits() const { return logits(n_logits_ - 1); }
  int64_t n_logits() const { return n_logits_; }

  int64_t n_past() const { return n_past_; }
  int64_t n_ctx() const { return cache_.n_ctx(); }
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
  Context(const model::Model& model, const ContextParams& params, int64_t n_ctx);
  void forward(const int32_t* tokens, int64_t n_tokens, bool all_logits, float* logits_out);
  // window > 0: only the last `window` positions are visible (sliding-window layers).
  void attention(int64_t layer, int64_t n_tokens, int64_t pos0, int64_t window, float scale);
  // The RoPE parameters of global or sliding-window layers (llama.cpp's get_rope_freq_base/scale/factors).
  RopeParams rope_params(bool sliding_window_layer) const;
  int64_t scratch_stride() const;  // floats of attention scratch per thread

  const model::Model& model_;
  ContextParams params_;
  KvCache cache_;
  util::ThreadPool pool_;
  int64_t n_past_ = 0;
  std::vector<float> logits_;
  int64_t n_logits_ = 0;

  // Scratch, sized for n_batch tokens (the FFN's intermediates for
  // kFfnTokens: forward.cpp runs the FFN in pieces of at most that many).
  static constexpr int64_t kFfnTokens = 128;
  std::vector<float> x_, h_, q_, k_, v_, qkv_, attn_, ffn_a_, ffn_b_, scores_, rope_;
  std::vector<uint8_t> act_;
  std::vector<std::vector<float>> norm_weights_;  // norm vectors as floats, per layer
};

}  // namespace heft::engine
