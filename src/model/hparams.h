#pragma once
// Hyper-parameters of a model, read from GGUF-named metadata
// ("{arch}.block_count", ...). Readers of other formats translate into those
// keys first, so this is the one place that interprets them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "formats/metadata.h"
#include "model/arch_spec.h"
#include "model/rope_scaling.h"
#include "util/error.h"

namespace heft::model {

struct Hparams {
  std::string arch;            // general.architecture
  uint32_t n_layer = 0;
  uint32_t n_embd = 0;
  uint32_t n_ff = 0;
  uint32_t n_head = 0;
  uint32_t n_head_kv = 0;
  uint32_t head_dim_k = 0;     // attention.key_length, else n_embd / n_head
  uint32_t head_dim_v = 0;
  uint32_t n_vocab = 0;
  uint32_t n_ctx_train = 0;
  uint32_t n_rot = 0;          // rope.dimension_count
  float rope_freq_base = 10000.0f;
  // rope.scaling.type; absent, llama.cpp takes linear, so a lone rope.scaling.factor scales.
  RopeScaling rope_scaling = RopeScaling::None;
  float rope_scale_factor = 1.0f;        // rope.scaling.factor (or the older rope.scale_linear)
  uint32_t rope_orig_ctx = 0;            // rope.scaling.original_context_length, else context_length
  RopeScalingParams rope;                // what RoPE computes with (model/rope_scaling.h)
  float norm_eps = 1e-5f;                // rms or layer norm epsilon
  bool norm_is_rms = true;

  // Family-specific (0 / empty when the family does not use them).
  float rope_attn_factor = 1.0f;         // multiplies cos and sin (LongRoPE's attention scaling)
  float rope_freq_base_swa = 0.0f;       // RoPE base of sliding-window layers (Gemma 3 local layers)
  float attn_softcap = 0.0f;             // attention logit soft-capping (Gemma 2)
  float final_softcap = 0.0f;            // final logit soft-capping (Gemma 2)
  float query_pre_attn_scalar = 0.0f;    // Q is scaled by 1/sqrt(this) (Gemma 2/3); 0: 1/sqrt(head_dim)
  uint32_t n_swa = 0;                    // sliding-window size
  std::vector<bool> swa_layers;          // per layer: uses the sliding window

  // Keys present in the file that llama.cpp does not read for this architecture,
  // and heft therefore ignores too (e.g. rope.scaling.yarn_beta_fast outside Grok);
  // `heft inspect` lists them.
  std::vector<std::string> ignored_keys;

  bool is_swa(uint32_t layer) const { return n_swa > 0 && layer < swa_layers.size() && swa_layers[layer]; }
};

// Reads what is there; missing optional keys keep their defaults. Missing
// essentials (block_count, embedding_length, head_count) are an error.
util::Result<Hparams> read_hparams(const formats::Metadata& md, uint32_t vocab_fallback = 0);

// What depends on the family (its ArchSpec), read as llama.cpp reads it: the
// norm epsilon from the family's own key (a file with only the other kind is
// refused), and the sliding-window layers from `{arch}.attention.sliding_window_pattern`
// (a period, or one bool per layer) or the family's default period (with period p,
// every layer except each p-th slides); a family without sliding-window layers
// ignores the window keys and lists them in ignored_keys.
util::Result<void> apply_family(Hparams& h, const formats::Metadata& md, const ArchSpec& spec);

}  // namespace heft::model
