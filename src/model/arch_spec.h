#pragma once
// How one architecture family differs from the others, as plain data. The
// forward pass (engine/forward.cpp) reads these switches; adding a family adds
// a spec here, its weight names (model/hf_names.cpp) and a test — not a new
// forward pass.
#include <cstdint>
#include <string>
#include <string_view>

namespace heft::model {

enum class NormKind { Rms, Layer };
enum class Activation { Silu, GeluTanh };
enum class Positions { RopeNormal, RopeNeox, Learned };

struct ArchSpec {
  std::string_view name;               // GGUF general.architecture
  NormKind norm = NormKind::Rms;
  Activation activation = Activation::Silu;
  bool gated_ffn = true;               // act(gate(x)) * up(x), else act(up(x))
  bool fused_gate_up = false;          // one ffn_up tensor of 2*n_ff rows: gate, then up (Phi-3)
  bool fused_qkv = false;              // one attn_qkv tensor (Phi-3, GPT-2)
  bool qkv_bias = false;               // biases on Q, K, V (Qwen2, GPT-2)
  bool out_bias = false;               // bias on the attention output (GPT-2)
  bool ffn_bias = false;               // biases on the FFN matrices (GPT-2)
  bool norm_bias = false;              // LayerNorm biases (GPT-2)
  bool qk_norm = false;                // RMSNorm on each Q and K head before RoPE (Qwen3, Gemma 3)
  bool post_norms = false;             // norms after attention and after the FFN too (Gemma 2/3)
  Positions positions = Positions::RopeNormal;
  bool scale_embeddings = false;       // embeddings times sqrt(n_embd) (Gemma)
  bool scale_q = false;                // Q times 1/sqrt(head_dim) before attention; scores unscaled (Gemma, Phi-3)
  uint32_t default_swa_period = 0;     // sliding-window layers: every layer but each period-th (Gemma 2: 2, Gemma 3: 6)
  bool swa_rope_scaled = false;        // sliding-window layers take the RoPE frequency scale too (llama.cpp: Gemma 2)
  uint32_t default_swa_window = 0;     // the window when attention.sliding_window is absent (llama.cpp: Gemma 2, 4096)
  float swa_rope_base = 0.0f;          // sliding-window layers' RoPE base when rope.freq_base_swa is absent;
                                       // 0: the global base (llama.cpp: Gemma 3, 10000)
  bool tied_output_default = false;    // no output.weight means tied
};

// nullptr when heft cannot run the architecture.
const ArchSpec* find_arch(std::string_view gguf_name);
// The GGUF names of the architectures heft runs, comma-separated (for messages).
std::string arch_names();

}  // namespace heft::model
