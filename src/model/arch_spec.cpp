#include "model/arch_spec.h"

#include <array>

namespace heft::model {

namespace {

constexpr std::array kArchs = {
    ArchSpec{.name = "llama"},
    ArchSpec{.name = "qwen2", .qkv_bias = true, .positions = Positions::RopeNeox},
    ArchSpec{.name = "qwen3", .qk_norm = true, .positions = Positions::RopeNeox},
    ArchSpec{.name = "gemma", .activation = Activation::GeluTanh, .positions = Positions::RopeNeox,
             .scale_embeddings = true, .scale_q = true},
    ArchSpec{.name = "gemma2", .activation = Activation::GeluTanh, .post_norms = true, .positions = Positions::RopeNeox,
             .scale_embeddings = true, .scale_q = true, .default_swa_period = 2, .swa_rope_scaled = true,
             .default_swa_window = 4096},
    ArchSpec{.name = "gemma3", .activation = Activation::GeluTanh, .qk_norm = true, .post_norms = true,
             .positions = Positions::RopeNeox, .scale_embeddings = true, .scale_q = true, .default_swa_period = 6,
             .swa_rope_base = 10000.0f},
    ArchSpec{.name = "phi3", .fused_gate_up = true, .fused_qkv = true, .positions = Positions::RopeNeox, .scale_q = true},
    ArchSpec{.name = "gpt2", .norm = NormKind::Layer, .activation = Activation::GeluTanh, .gated_ffn = false,
             .fused_qkv = true, .qkv_bias = true, .out_bias = true, .ffn_bias = true, .norm_bias = true,
             .positions = Positions::Learned},
};

}  // namespace

const ArchSpec* find_arch(std::string_view name) {
  for (const auto& a : kArchs)
    if (a.name == name) return &a;
  return nullptr;
}

std::string arch_names() {
  std::string out;
  for (const auto& a : kArchs) out.append(out.empty() ? "" : ", ").append(a.name);
  return out;
}

}  // namespace heft::model
