#include "formats/hf_config.h"

#include <array>
#include <cmath>
#include <utility>

namespace heft::formats {

using util::Json;

namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kArchitectures = {{
    {"LlamaForCausalLM", "llama"},
    {"MistralForCausalLM", "llama"},
    {"Qwen2ForCausalLM", "qwen2"},
    {"Qwen3ForCausalLM", "qwen3"},
    {"GemmaForCausalLM", "gemma"},
    {"Gemma2ForCausalLM", "gemma2"},
    {"Gemma3ForCausalLM", "gemma3"},
    {"Gemma3ForConditionalGeneration", "gemma3"},
    {"Phi3ForCausalLM", "phi3"},
    {"GPT2LMHeadModel", "gpt2"},
    {"LLaMAForCausalLM", "llama"},
    {"SmolLM3ForCausalLM", "smollm3"},
}};

// First present numeric member among the candidate names.
const Json* first_number(const Json& cfg, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (const Json* v = cfg.find(n); v && v->is_number()) return v;
  return nullptr;
}

// YaRN settings transformers reads that llama.cpp (and so heft) computes itself
// for these families: accepted when they say what is computed anyway (and
// written as llama.cpp's converter writes them), refused otherwise, since a
// folder runs as transformers would run it.
util::Result<void> check_yarn_settings(const Json& rs, const std::string& a, Metadata& md, const std::string& source) {
  auto refuse = [&](const std::string& what) {
    return util::fail("config.json: rope_scaling " + what + "; heft computes YaRN as llama.cpp does for this family "
                      "(beta_fast 32, beta_slow 1, attention factor 0.1 ln(factor) + 1) and cannot apply it",
                      source);
  };
  auto number = [&](const char* name) -> std::optional<double> {
    const Json* v = rs.find(name);
    return v && v->is_number() ? std::optional(v->as_double()) : std::nullopt;
  };
  const double factor = number("factor").value_or(1.0);
  if (auto v = number("beta_fast")) {
    if (*v != 32.0) return refuse("beta_fast is " + Json(*v).dump());
    md.set(a + "rope.scaling.yarn_beta_fast", MetaValue::f32(static_cast<float>(*v)));
  }
  if (auto v = number("beta_slow")) {
    if (*v != 1.0) return refuse("beta_slow is " + Json(*v).dump());
    md.set(a + "rope.scaling.yarn_beta_slow", MetaValue::f32(static_cast<float>(*v)));
  }
  if (auto v = number("extrapolation_factor")) {
    if (*v != 1.0) return refuse("extrapolation_factor is " + Json(*v).dump());
    md.set(a + "rope.scaling.yarn_ext_factor", MetaValue::f32(static_cast<float>(*v)));
  }
  if (const Json* t = rs.find("truncate"); t && t->is_bool() && !t->as_bool()) return refuse("truncate is false");
  // transformers' attention factor: given, or from mscale / mscale_all_dim, or 0.1 ln(factor) + 1.
  auto get_mscale = [&](double m) { return factor <= 1.0 ? 1.0 : 0.1 * m * std::log(factor) + 1.0; };
  std::optional<double> attention = number("attention_factor");
  if (!attention) attention = number("attn_factor");
  const double mscale = number("mscale").value_or(0.0), mscale_all_dim = number("mscale_all_dim").value_or(0.0);
  double expected = get_mscale(1.0), actual = attention ? *attention : expected;
  if (!attention && mscale != 0.0 && mscale_all_dim != 0.0) actual = get_mscale(mscale) / get_mscale(mscale_all_dim);
  if (std::fabs(actual - expected) > 1e-6 * expected)
    return refuse("asks for attention factor " + Json(actual).dump() + " (" + Json(expected).dump() + " computed)");
  if (attention) md.set(a + "rope.scaling.yarn_attn_factor", MetaValue::f32(static_cast<float>(*attention)));
  return {};
}

util::Result<void> translate_rope_scaling(const Json& rs, const std::string& a, Metadata& md, const std::string& source) {
  std::string type = rs.get_string("rope_type", rs.get_string("type"));
  if (type.empty() || type == "default") return {};
  // Llama 3 scaling becomes a rope_freqs tensor, LongRoPE factor tensors (model/hf_names.cpp), as llama.cpp writes them.
  if (type == "llama3") return {};
  if (type == "longrope" || type == "su") {
    // transformers takes LongRoPE's factor only for its attention factor (hf_names.cpp); as a
    // GGUF rope.scaling.factor it would also scale every angle.
    md.set(a + "rope.scaling.type", MetaValue::string("longrope"));
    return {};
  }
  if (type != "linear" && type != "yarn")
    return util::fail("config.json: rope_scaling type '" + type +
                          "' is not supported (heft runs default, linear, yarn, llama3 and longrope)",
                      source);
  md.set(a + "rope.scaling.type", MetaValue::string(type));
  if (const Json* f = rs.find("factor"); f && f->is_number())
    md.set(a + "rope.scaling.factor", MetaValue::f32(static_cast<float>(f->as_double())));
  if (type == "linear") return {};
  if (const Json* o = rs.find("original_max_position_embeddings"); o && o->is_number())
    md.set(a + "rope.scaling.original_context_length", MetaValue::u32(static_cast<uint32_t>(o->as_int())));
  return check_yarn_settings(rs, a, md, source);
}

}  // namespace

std::optional<std::string> gguf_arch_for(const std::string& hf) {
  for (auto [h, g] : kArchitectures)
    if (h == hf) return std::string(g);
  return std::nullopt;
}

util::Result<void> translate_hf_config(const Json& config_in, Metadata& md, const std::string& source) {
  // Multimodal configs (Gemma 3) keep the language model under text_config.
  const Json& cfg = config_in.find("text_config") && config_in.find("text_config")->is_object()
                        ? *config_in.find("text_config")
                        : config_in;
  const Json* archs = config_in.find("architectures");
  if (!archs || !archs->is_array() || archs->size() == 0 || !archs->as_array()[0].is_string())
    return util::fail("config.json has no \"architectures\" list", source);
  std::string hf_arch = archs->as_array()[0].as_string();
  auto arch = gguf_arch_for(hf_arch);
  if (!arch) return util::fail("architecture " + hf_arch + " is not supported", source);
  md.set("general.architecture", MetaValue::string(*arch));
  const std::string a = *arch + ".";

  auto set_u32 = [&](const std::string& key, std::initializer_list<const char*> names) -> std::optional<int64_t> {
    const Json* v = first_number(cfg, names);
    if (!v || v->as_int() < 0 || v->as_int() > 0xffffffffLL) return std::nullopt;
    md.set(key, MetaValue::u32(static_cast<uint32_t>(v->as_int())));
    return v->as_int();
  };
  auto set_f32 = [&](const std::string& key, std::initializer_list<const char*> names) {
    if (const Json* v = first_number(cfg, names)) md.set(key, MetaValue::f32(static_cast<float>(v->as_double())));
  };

  set_u32(a + "context_length", {"max_position_embeddings", "n_positions", "n_ctx"});
  auto n_embd = set_u32(a + "embedding_length", {"hidden_size", "n_embd"});
  if (!set_u32(a + "feed_forward_length", {"intermediate_size", "n_inner"}) && n_embd)
    md.set(a + "feed_forward_length", MetaValue::u32(static_cast<uint32_t>(4 * *n_embd)));  // GPT-2's default
  set_u32(a + "block_count", {"num_hidden_layers", "n_layer"});
  auto n_head = set_u32(a + "attention.head_count", {"num_attention_heads", "n_head"});
  if (!set_u32(a + "attention.head_count_kv", {"num_key_value_heads"}) && n_head)
    md.set(a + "attention.head_count_kv", MetaValue::u32(static_cast<uint32_t>(*n_head)));
  set_f32(a + "rope.freq_base", {"rope_theta"});
  set_u32(a + "vocab_size", {"vocab_size"});
  if (first_number(cfg, {"rms_norm_eps"}))
    set_f32(a + "attention.layer_norm_rms_epsilon", {"rms_norm_eps"});
  else
    set_f32(a + "attention.layer_norm_epsilon", {"layer_norm_epsilon", "layer_norm_eps"});

  std::optional<int64_t> head_dim;
  if (const Json* hd = first_number(cfg, {"head_dim"})) head_dim = hd->as_int();
  else if (n_embd && n_head && *n_head > 0) head_dim = *n_embd / *n_head;
  if (head_dim && first_number(cfg, {"head_dim"})) {
    md.set(a + "attention.key_length", MetaValue::u32(static_cast<uint32_t>(*head_dim)));
    md.set(a + "attention.value_length", MetaValue::u32(static_cast<uint32_t>(*head_dim)));
  }
  if (head_dim && *arch != "gpt2") {
    double partial = cfg.get_double("partial_rotary_factor", 1.0);
    md.set(a + "rope.dimension_count", MetaValue::u32(static_cast<uint32_t>(std::llround(*head_dim * partial))));
  }

  if (const Json* rs = cfg.find("rope_scaling"); rs && rs->is_object()) HEFT_TRY(translate_rope_scaling(*rs, a, md, source));
  // Gemma 2/3: soft-capping, sliding windows, attention scaling, local RoPE base.
  set_f32(a + "attn_logit_softcapping", {"attn_logit_softcapping"});
  set_f32(a + "final_logit_softcapping", {"final_logit_softcapping"});
  set_f32(a + "attention.query_pre_attn_scalar", {"query_pre_attn_scalar"});
  set_f32(a + "rope.freq_base_swa", {"rope_local_base_freq"});
  const bool sliding_family = *arch == "gemma2" || *arch == "gemma3";
  if (sliding_family) {
    set_u32(a + "attention.sliding_window", {"sliding_window"});
    if (const Json* types = cfg.find("layer_types"); types && types->is_array()) {
      formats::MetaValue pattern;
      pattern.type = formats::ValueType::Array;
      pattern.elem_type = formats::ValueType::Bool;
      for (const Json& t : types->as_array()) pattern.packed.push_back(t.is_string() && t.as_string() == "sliding_attention");
      pattern.count = pattern.packed.size();
      md.set(a + "attention.sliding_window_pattern", std::move(pattern));
    } else if (const Json* p = cfg.find("sliding_window_pattern"); p && p->is_integer()) {
      md.set(a + "attention.sliding_window_pattern", MetaValue::u32(static_cast<uint32_t>(p->as_int())));
    }
  }
  return {};
}

void translate_generation_config(const Json& gen, Metadata& md) {
  auto f = [&](const char* from, const char* to) {
    if (const Json* v = gen.find(from); v && v->is_number())
      md.set(to, MetaValue::f32(static_cast<float>(v->as_double())));
  };
  f("temperature", "general.sampling.temp");
  f("top_p", "general.sampling.top_p");
  f("min_p", "general.sampling.min_p");
  f("repetition_penalty", "general.sampling.penalty_repeat");
  if (const Json* k = gen.find("top_k"); k && k->is_integer() && k->as_int() >= 0)
    md.set("general.sampling.top_k", MetaValue::i32(static_cast<int32_t>(k->as_int())));
}

void translate_model_card(const ModelCard& card, Metadata& md) {
  if (auto v = card.first("license"); !v.empty()) md.set("general.license", MetaValue::string(v));
  if (auto v = card.first("license_name"); !v.empty()) md.set("general.license.name", MetaValue::string(v));
  if (auto v = card.first("license_link"); !v.empty()) md.set("general.license.link", MetaValue::string(v));
  if (const auto* bases = card.list("base_model"); bases && !bases->empty()) {
    md.set("general.base_model.count", MetaValue::u32(static_cast<uint32_t>(bases->size())));
    for (size_t i = 0; i < bases->size(); ++i) {
      const std::string& id = (*bases)[i];
      std::string p = "general.base_model." + std::to_string(i) + ".";
      auto slash = id.find('/');
      md.set(p + "name", MetaValue::string(slash == std::string::npos ? id : id.substr(slash + 1)));
      if (slash != std::string::npos) md.set(p + "organization", MetaValue::string(id.substr(0, slash)));
      md.set(p + "repo_url", MetaValue::string("https://huggingface.co/" + id));
    }
  }
  std::vector<std::string> tags;
  if (const auto* t = card.list("tags")) tags = *t;
  if (auto p = card.first("pipeline_tag"); !p.empty()) tags.push_back(p);
  if (!tags.empty()) md.set("general.tags", MetaValue::string_array(tags));
  if (const auto* l = card.list("language"); l && !l->empty()) md.set("general.languages", MetaValue::string_array(*l));
  if (const auto* d = card.list("datasets"); d && !d->empty()) md.set("general.datasets", MetaValue::string_array(*d));
}

}  // namespace heft::formats
