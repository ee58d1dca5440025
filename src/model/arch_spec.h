#pragma once
// How one architecture family differs from the others, as plain data. The
// forward pass reads these switches; adding a family adds a spec (and a test),
// not a new forward pass.
#include <string_view>

namespace heft::model {

enum class NormKind { Rms, Layer };
enum class Activation { Silu, GeluTanh };
enum class Positions { RopeNormal, RopeNeox, Learned };

struct ArchSpec {
  std::string_view name;        // GGUF general.architecture
  NormKind norm = NormKind::Rms;
  bool norm_weight_plus_one = false;  // Gemma stores (w - 1): the norm multiplies by (1 + w)
  Activation activation = Activation::Silu;
  bool gated_ffn = true;        // act(gate(x)) * up(x), else act(up(x))
  bool attn_qkv_bias = false;   // Qwen2, GPT-2
  bool attn_out_bias = false;
  bool ffn_bias = false;
  bool qk_norm = false;         // Qwen3: RMSNorm on each Q and K head
  bool post_norms = false;      // Gemma 2/3: norms after attention and FFN too
  Positions positions = Positions::RopeNormal;
  bool scale_embeddings = false;  // Gemma: embeddings times sqrt(n_embd)
  bool fused_qkv = false;       // one attn_qkv tensor (Phi-3, GPT-2)
  bool fused_gate_up = false;   // one ffn_up tensor holding gate and up (Phi-3)
};

// nullptr when heft cannot run the architecture.
const ArchSpec* find_arch(std::string_view gguf_name);

}  // namespace heft::model
