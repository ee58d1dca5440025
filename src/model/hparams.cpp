#include "model/hparams.h"

namespace heft::model {

namespace {

// The RoPE scaling keys as llama-model.cpp reads them. Returns the stored
// factor: rope.scaling.factor, else rope.scale_linear, else 0 (no scaling).
util::Result<float> read_rope_scaling(Hparams& h, const formats::Metadata& md) {
  const std::string p = h.arch + ".rope.";
  auto type = md.get_string(p + "scaling.type");
  std::optional<double> factor = md.get_float(p + "scaling.factor");
  if (!md.find(p + "scaling.factor")) factor = md.get_float(p + "scale_linear");
  const float stored = factor ? static_cast<float>(*factor) : 0.0f;
  if (!type) h.rope_scaling = stored != 0.0f ? RopeScaling::Linear : RopeScaling::None;  // llama.cpp's default: linear
  else if (*type == "none") h.rope_scaling = RopeScaling::None;
  else if (*type == "linear") h.rope_scaling = RopeScaling::Linear;
  else if (*type == "yarn") h.rope_scaling = RopeScaling::Yarn;
  else if (*type == "longrope") h.rope_scaling = RopeScaling::LongRope;
  else  // llama.cpp refuses these too (an assertion); Llama 3 scaling travels as a rope_freqs tensor
    return util::fail(p + "scaling.type '" + *type + "' is not one llama.cpp knows (none, linear, yarn, longrope)");
  h.rope_scale_factor = stored == 0.0f ? 1.0f : stored;
  // A stored 0 means "not given" for the original context as well.
  auto orig = md.get_int(p + "scaling.original_context_length");
  h.rope_orig_ctx = orig && *orig > 0 && *orig <= 0xffffffffLL ? static_cast<uint32_t>(*orig) : h.n_ctx_train;
  // llama.cpp reads these only for Grok (and beta_fast/slow and log_multiplier for Mistral 3),
  // families heft does not run; its converter writes them for any model whose config has them.
  if (h.arch != "grok" && h.arch != "mistral3")
    for (const char* k : {"scaling.yarn_ext_factor", "scaling.yarn_attn_factor", "scaling.yarn_beta_fast",
                          "scaling.yarn_beta_slow", "scaling.yarn_log_multiplier"})
      if (md.contains(p + k)) h.ignored_keys.push_back(p + k);
  return stored;
}

}  // namespace

util::Result<Hparams> read_hparams(const formats::Metadata& md, uint32_t vocab_fallback) {
  Hparams h;
  auto arch = md.get_string("general.architecture");
  if (!arch) return util::fail("metadata has no general.architecture");
  h.arch = *arch;
  auto key = [&](const char* suffix) { return h.arch + "." + suffix; };
  auto u32 = [&](const char* suffix, uint32_t fallback) -> uint32_t {
    auto v = md.get_int(key(suffix));
    return v && *v >= 0 && *v <= 0xffffffffLL ? static_cast<uint32_t>(*v) : fallback;
  };
  auto f32 = [&](const char* suffix, float fallback) -> float {
    auto v = md.get_float(key(suffix));
    return v ? static_cast<float>(*v) : fallback;
  };
  h.n_layer = u32("block_count", 0);
  h.n_embd = u32("embedding_length", 0);
  h.n_head = u32("attention.head_count", 0);
  if (h.n_layer == 0 || h.n_embd == 0 || h.n_head == 0)
    return util::fail("metadata lacks " + key("block_count") + ", " + key("embedding_length") + " or " +
                      key("attention.head_count"));
  h.n_ff = u32("feed_forward_length", 0);
  h.n_head_kv = u32("attention.head_count_kv", h.n_head);
  h.head_dim_k = u32("attention.key_length", h.n_embd / h.n_head);
  h.head_dim_v = u32("attention.value_length", h.n_embd / h.n_head);
  h.n_ctx_train = u32("context_length", 0);
  h.n_rot = u32("rope.dimension_count", h.head_dim_k);
  h.rope_freq_base = f32("rope.freq_base", 10000.0f);
  h.n_vocab = u32("vocab_size", 0);
  if (h.n_vocab == 0) {
    if (const auto* toks = md.find("tokenizer.ggml.tokens"); toks && toks->is_array())
      h.n_vocab = static_cast<uint32_t>(toks->count);
    else
      h.n_vocab = vocab_fallback;
  }
  if (auto eps = md.get_float(key("attention.layer_norm_rms_epsilon"))) {
    h.norm_eps = static_cast<float>(*eps);
    h.norm_is_rms = true;
  } else if (auto eps2 = md.get_float(key("attention.layer_norm_epsilon"))) {
    h.norm_eps = static_cast<float>(*eps2);
    h.norm_is_rms = false;
  }
  const float stored_factor = HEFT_TRY(read_rope_scaling(h, md));
  h.rope_attn_factor = f32("rope.scaling.attn_factor", 1.0f);
  h.rope = resolve_rope_scaling(h.rope_scaling, stored_factor, h.rope_attn_factor, h.rope_orig_ctx);
  h.rope_freq_base_swa = f32("rope.freq_base_swa", h.rope_freq_base);
  h.attn_softcap = f32("attn_logit_softcapping", 0.0f);
  h.final_softcap = f32("final_logit_softcapping", 0.0f);
  h.query_pre_attn_scalar = f32("attention.query_pre_attn_scalar", 0.0f);
  h.n_swa = u32("attention.sliding_window", 0);
  return h;
}

util::Result<void> apply_family(Hparams& h, const formats::Metadata& md, const ArchSpec& spec) {
  // llama.cpp requires the family's own epsilon key and never reads the other kind.
  const std::string rms_key = h.arch + ".attention.layer_norm_rms_epsilon", ln_key = h.arch + ".attention.layer_norm_epsilon";
  const bool rms = spec.norm == NormKind::Rms;
  const std::string& own = rms ? rms_key : ln_key;
  if (auto eps = md.get_float(own)) {
    h.norm_eps = static_cast<float>(*eps);
    h.norm_is_rms = rms;
  } else if (md.contains(rms ? ln_key : rms_key)) {
    return util::fail(h.arch + " normalizes with " + (rms ? "RMSNorm" : "LayerNorm") + " but the file gives only " +
                      (rms ? ln_key : rms_key) + " (llama.cpp requires " + own + ")");
  }

  h.swa_layers.assign(h.n_layer, false);
  const std::string window_key = h.arch + ".attention.sliding_window", pattern_key = window_key + "_pattern";
  if (spec.default_swa_period == 0) {
    // A family without sliding-window layers: llama.cpp does not read these keys for it
    // (Phi-3 reads the window and turns it off), so neither does heft.
    for (const std::string& k : {window_key, pattern_key})
      if (md.contains(k)) h.ignored_keys.push_back(k);
    h.n_swa = 0;
    return {};
  }
  if (spec.default_swa_window && !md.contains(window_key)) h.n_swa = spec.default_swa_window;
  if (spec.swa_rope_base > 0.0f && !md.contains(h.arch + ".rope.freq_base_swa")) h.rope_freq_base_swa = spec.swa_rope_base;
  if (h.n_swa == 0) return {};
  uint32_t period = spec.default_swa_period;
  if (const formats::MetaValue* v = md.find(pattern_key)) {
    if (v->is_array()) {
      for (uint32_t l = 0; l < h.n_layer && l < v->count; ++l) h.swa_layers[l] = v->int_at(l) != 0;
      return {};
    }
    if (auto p = v->as_int(); p && *p >= 0) period = static_cast<uint32_t>(*p);
  }
  if (period == 0) return {};
  for (uint32_t l = 0; l < h.n_layer; ++l) h.swa_layers[l] = l % period < period - 1;
  return {};
}

}  // namespace heft::model
