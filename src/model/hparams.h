#pragma once
// Hyper-parameters of a model, read from GGUF-named metadata
// ("{arch}.block_count", ...). Readers of other formats translate into those
// keys first, so this is the one place that interprets them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "formats/metadata.h"
#include "util/error.h"

namespace heft::model {

enum class RopeScaling { None, Linear, Yarn, Llama3, LongRope };
std::string_view rope_scaling_name(RopeScaling s);

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
  RopeScaling rope_scaling = RopeScaling::None;
  float rope_scale_factor = 1.0f;        // rope.scaling.factor
  uint32_t rope_orig_ctx = 0;            // rope.scaling.original_context_length
  float norm_eps = 1e-5f;                // rms or layer norm epsilon
  bool norm_is_rms = true;
};

// Reads what is there; missing optional keys keep their defaults. Missing
// essentials (block_count, embedding_length, head_count) are an error.
util::Result<Hparams> read_hparams(const formats::Metadata& md, uint32_t vocab_fallback = 0);

}  // namespace heft::model
