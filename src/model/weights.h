#pragma once
// A weight matrix as the engine sees it: a typed view (usually into the mmap)
// of `rows` rows of `cols` elements each. GGUF shape {cols, rows}.
#include <cstdint>

#include "formats/ggml_types.h"

namespace heft::model {

struct Weight {
  formats::GgmlType type = formats::GgmlType::F32;
  const uint8_t* data = nullptr;
  int64_t cols = 0;  // input size (row length)
  int64_t rows = 0;  // output size
  uint64_t row_bytes = 0;

  bool present() const { return data != nullptr; }
  const uint8_t* row(int64_t r) const { return data + static_cast<uint64_t>(r) * row_bytes; }
};

// Per-layer weights; absent ones (data == nullptr) are not used by the spec.
struct LayerWeights {
  Weight attn_norm, attn_norm_bias;
  Weight wq, wk, wv, wo;          // (n_embd -> n_head*hd), (n_embd -> n_kv*hd) x2, (n_head*hd -> n_embd)
  Weight bq, bk, bv, bo;          // biases (1 row)
  Weight wqkv, bqkv;              // fused
  Weight q_norm, k_norm;          // per-head RMSNorm (head_dim)
  Weight attn_post_norm;
  Weight ffn_norm, ffn_norm_bias;
  Weight ffn_gate, ffn_up, ffn_down;  // (n_embd -> n_ff) x2, (n_ff -> n_embd)
  Weight b_gate, b_up, b_down;
  Weight ffn_post_norm;
};

}  // namespace heft::model
