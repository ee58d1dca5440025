#pragma once
// Random-weight models of known shapes, for tests and benchmarks: seeded, so
// the same arguments always give the same file, written streaming.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace heft::convert {

struct SynthPreset {
  std::string_view name;
  uint32_t n_embd, n_layer, n_head, n_head_kv, n_ff, n_ctx, n_vocab;
  bool tied_output;
};

std::optional<SynthPreset> synth_preset(std::string_view name);
std::vector<std::string_view> synth_preset_names();

struct SynthOptions {
  std::string arch = "llama";
  std::string preset = "mini";
  std::string type = "F32";       // a file type: F32, F16, BF16, Q8_0, Q4_0, Q4_K_M, ...
  std::string vocab_from;         // a GGUF whose tokenizer.* metadata is copied; empty: a synthetic vocabulary
  std::string chat_template;      // a .jinja file written as tokenizer.chat_template; empty: none added
  uint64_t seed = 42;
  float stddev = 0.02f;
  // RoPE scaling metadata (rope.scaling.*): "" or "none", "linear", "yarn" with a factor > 0;
  // rope_orig_ctx 0 leaves rope.scaling.original_context_length out.
  std::string rope_scaling;
  float rope_factor = 0.0f;
  uint32_t rope_orig_ctx = 0;
  bool overwrite = false;
  unsigned threads = 0;
  bool progress = true;
};

util::Result<void> synthesize(const std::string& out_path, const SynthOptions& options);

}  // namespace heft::convert
