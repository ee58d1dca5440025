#include "model/hf_names.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <optional>

#include "formats/metadata.h"
#include "kernels/quant.h"
#include "model/hparams.h"
#include "util/mapped_file.h"

namespace heft::model {

using formats::GgmlType;
using formats::MetaValue;
using formats::TensorInfo;

namespace {

struct NameRule {
  const char* hf;    // with {N} for the layer number
  const char* gguf;
};

// Llama, Mistral, Qwen2/3, Gemma, Phi-3: the "model.layers.N." family of names.
constexpr NameRule kDecoderRules[] = {
    {"model.embed_tokens.weight", "token_embd.weight"},
    {"model.norm.weight", "output_norm.weight"},
    {"lm_head.weight", "output.weight"},
    {"model.layers.{N}.input_layernorm.weight", "blk.{N}.attn_norm.weight"},
    {"model.layers.{N}.self_attn.q_proj.weight", "blk.{N}.attn_q.weight"},
    {"model.layers.{N}.self_attn.k_proj.weight", "blk.{N}.attn_k.weight"},
    {"model.layers.{N}.self_attn.v_proj.weight", "blk.{N}.attn_v.weight"},
    {"model.layers.{N}.self_attn.q_proj.bias", "blk.{N}.attn_q.bias"},
    {"model.layers.{N}.self_attn.k_proj.bias", "blk.{N}.attn_k.bias"},
    {"model.layers.{N}.self_attn.v_proj.bias", "blk.{N}.attn_v.bias"},
    {"model.layers.{N}.self_attn.qkv_proj.weight", "blk.{N}.attn_qkv.weight"},
    {"model.layers.{N}.self_attn.o_proj.weight", "blk.{N}.attn_output.weight"},
    {"model.layers.{N}.self_attn.q_norm.weight", "blk.{N}.attn_q_norm.weight"},
    {"model.layers.{N}.self_attn.k_norm.weight", "blk.{N}.attn_k_norm.weight"},
    {"model.layers.{N}.mlp.gate_proj.weight", "blk.{N}.ffn_gate.weight"},
    {"model.layers.{N}.mlp.up_proj.weight", "blk.{N}.ffn_up.weight"},
    {"model.layers.{N}.mlp.gate_up_proj.weight", "blk.{N}.ffn_up.weight"},
    {"model.layers.{N}.mlp.down_proj.weight", "blk.{N}.ffn_down.weight"},
};
// Gemma 2/3 name their four norms differently.
constexpr NameRule kGemma2NormRules[] = {
    {"model.layers.{N}.post_attention_layernorm.weight", "blk.{N}.post_attention_norm.weight"},
    {"model.layers.{N}.pre_feedforward_layernorm.weight", "blk.{N}.ffn_norm.weight"},
    {"model.layers.{N}.post_feedforward_layernorm.weight", "blk.{N}.post_ffw_norm.weight"},
};
constexpr NameRule kLlamaNormRules[] = {
    {"model.layers.{N}.post_attention_layernorm.weight", "blk.{N}.ffn_norm.weight"},
};
constexpr NameRule kGpt2Rules[] = {
    {"wte.weight", "token_embd.weight"},
    {"wpe.weight", "position_embd.weight"},
    {"ln_f.weight", "output_norm.weight"},
    {"ln_f.bias", "output_norm.bias"},
    {"lm_head.weight", "output.weight"},
    {"h.{N}.ln_1.weight", "blk.{N}.attn_norm.weight"},
    {"h.{N}.ln_1.bias", "blk.{N}.attn_norm.bias"},
    {"h.{N}.attn.c_attn.weight", "blk.{N}.attn_qkv.weight"},
    {"h.{N}.attn.c_attn.bias", "blk.{N}.attn_qkv.bias"},
    {"h.{N}.attn.c_proj.weight", "blk.{N}.attn_output.weight"},
    {"h.{N}.attn.c_proj.bias", "blk.{N}.attn_output.bias"},
    {"h.{N}.ln_2.weight", "blk.{N}.ffn_norm.weight"},
    {"h.{N}.ln_2.bias", "blk.{N}.ffn_norm.bias"},
    {"h.{N}.mlp.c_fc.weight", "blk.{N}.ffn_up.weight"},
    {"h.{N}.mlp.c_fc.bias", "blk.{N}.ffn_up.bias"},
    {"h.{N}.mlp.c_proj.weight", "blk.{N}.ffn_down.weight"},
    {"h.{N}.mlp.c_proj.bias", "blk.{N}.ffn_down.bias"},
};

// "model.layers.12.mlp.up_proj.weight" against "model.layers.{N}.mlp.up_proj.weight".
std::optional<std::string> match(const NameRule& rule, std::string_view name) {
  std::string_view pat = rule.hf;
  size_t at = pat.find("{N}");
  if (at == std::string_view::npos) return name == pat ? std::optional<std::string>(rule.gguf) : std::nullopt;
  std::string_view prefix = pat.substr(0, at), suffix = pat.substr(at + 3);
  if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) || !name.ends_with(suffix))
    return std::nullopt;
  std::string_view num = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (num.empty() || num.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  std::string out = rule.gguf;
  out.replace(out.find("{N}"), 3, num);
  return out;
}

// Strips wrappers around the language model (multimodal checkpoints, GPT-2's "transformer.").
std::string strip_prefix(std::string_view name, const std::string& arch) {
  for (auto [from, to] : {std::pair<std::string_view, std::string_view>{"model.language_model.", "model."},
                          {"language_model.model.", "model."}, {"language_model.lm_head.", "lm_head."}})
    if (name.starts_with(from)) return std::string(to) + std::string(name.substr(from.size()));
  if (arch == "gpt2" && name.starts_with("transformer.")) name.remove_prefix(12);
  return std::string(name);
}

bool ignored(std::string_view name, const std::string& arch) {
  if (arch == "gpt2" && (name.ends_with(".attn.bias") || name.ends_with(".attn.masked_bias"))) return true;
  for (std::string_view p : {"vision_tower.", "multi_modal_projector.", "model.vision_tower.", "model.multi_modal_projector."})
    if (name.starts_with(p)) return true;
  return name.ends_with("rotary_emb.inv_freq");
}

class Builder {
 public:
  explicit Builder(formats::ModelFile& out) : out_(out) {}

  // A new F32 tensor owned by the ModelFile.
  TensorInfo& add_f32(std::string name, std::vector<uint64_t> shape, const std::vector<float>& values) {
    auto buf = std::make_shared<std::vector<uint8_t>>(values.size() * 4);
    if (!values.empty()) std::memcpy(buf->data(), values.data(), buf->size());
    TensorInfo t;
    t.name = std::move(name);
    t.type = GgmlType::F32;
    t.shape = std::move(shape);
    t.bytes = buf->size();
    t.data = buf->data();
    out_.owned.push_back(std::move(buf));
    out_.tensors.push_back(std::move(t));
    return out_.tensors.back();
  }


 private:
  formats::ModelFile& out_;
};




// Llama 3's frequency factors, computed as llama.cpp's converter does.
std::vector<float> llama3_factors(const util::Json& rs, float base, uint32_t dim, uint32_t orig_ctx) {
  const double factor = rs.get_double("factor", 8.0), low = rs.get_double("low_freq_factor", 1.0),
               high = rs.get_double("high_freq_factor", 4.0);
  const double old_ctx = rs.get_double("original_max_position_embeddings", orig_ctx ? orig_ctx : 8192);
  const double low_wavelen = old_ctx / low, high_wavelen = old_ctx / high;
  std::vector<float> out;
  for (uint32_t i = 0; i < dim; i += 2) {
    const float freq = 1.0f / std::pow(base, static_cast<float>(i) / static_cast<float>(dim));
    const double wavelen = 2 * M_PI / freq;
    if (wavelen < high_wavelen) out.push_back(1.0f);
    else if (wavelen > low_wavelen) out.push_back(static_cast<float>(factor));
    else {
      const double smooth = (old_ctx / wavelen - low) / (high - low);
      out.push_back(static_cast<float>(1.0 / ((1 - smooth) / factor + smooth)));
    }
  }
  return out;
}

util::Result<util::Json> read_config(const std::string& dir) {
  std::string text = HEFT_TRY(util::read_file((std::filesystem::path(dir) / "config.json").string(), 64 << 20));
  util::Json j = HEFT_TRY(util::Json::parse(text, dir + "/config.json"));
  if (const util::Json* tc = j.find("text_config"); tc && tc->is_object()) {
    util::Json merged = *tc;
    if (const util::Json* a = j.find("architectures")) merged.set("architectures", *a);
    return merged;
  }
  return j;
}

}  // namespace

util::Result<MappedModel> map_hf_names(formats::ModelFile&& hf) {
  if (hf.gguf_names) {
    MappedModel m{std::move(hf), {}};
    m.transforms.resize(m.file.tensors.size());
    return m;
  }
  const std::string arch = hf.metadata.get_string("general.architecture").value_or("");
  Hparams hp = HEFT_TRY(read_hparams(hf.metadata));
  util::Json config = HEFT_TRY(read_config(hf.path));

  formats::ModelFile out;
  out.gguf_names = true;
  out.format = hf.format;
  out.path = hf.path;
  out.metadata = hf.metadata;
  out.mappings = hf.mappings;
  out.owned = hf.owned;
  Builder build(out);

  std::vector<const NameRule*> rules;
  if (arch == "gpt2") {
    for (const auto& r : kGpt2Rules) rules.push_back(&r);
  } else {
    for (const auto& r : kDecoderRules) rules.push_back(&r);
    if (arch == "gemma2" || arch == "gemma3")
      for (const auto& r : kGemma2NormRules) rules.push_back(&r);
    else
      for (const auto& r : kLlamaNormRules) rules.push_back(&r);
  }
  for (const TensorInfo& t : hf.tensors) {
    const std::string name = strip_prefix(t.name, arch);
    if (ignored(t.name, arch) || ignored(name, arch)) continue;
    std::optional<std::string> gguf;
    for (const NameRule* r : rules)
      if ((gguf = match(*r, name))) break;
    if (!gguf) return util::fail("tensor '" + t.name + "' has no place in a " + arch + " model", hf.path);
    if (out.tensor(*gguf)) return util::fail("two tensors map to " + *gguf, hf.path);
    TensorInfo copy = t;
    copy.name = *gguf;
    out.tensors.push_back(std::move(copy));
    out.index_tensors();
  }
  // Tied embeddings stored only as lm_head (TinyStories) or only as the embedding.
  if (!out.tensor("token_embd.weight")) {
    const TensorInfo* lm = out.tensor("output.weight");
    if (!lm) return util::fail("the checkpoint has no embedding matrix", hf.path);
    TensorInfo t = *lm;
    t.name = "token_embd.weight";
    for (auto& x : out.tensors)
      if (x.name == "output.weight") x = t;
  }
  const bool tie = config.get_bool("tie_word_embeddings", arch == "gemma" || arch == "gemma2" || arch == "gemma3" || arch == "gpt2");
  if (tie) {
    std::erase_if(out.tensors, [](const TensorInfo& t) { return t.name == "output.weight"; });
  }
  out.index_tensors();

  std::vector<Transform> transforms(out.tensors.size());
  for (size_t i = 0; i < out.tensors.size(); ++i) {
    const TensorInfo& t = out.tensors[i];
    const bool is_llama = arch == "llama";
    Transform& tf = transforms[i];
    if (is_llama && (t.name.ends_with("attn_q.weight") || t.name.ends_with("attn_q.bias")))
      tf = {Transform::Kind::PermuteHeads, hp.n_head};
    else if (is_llama && (t.name.ends_with("attn_k.weight") || t.name.ends_with("attn_k.bias")))
      tf = {Transform::Kind::PermuteHeads, hp.n_head_kv};
    else if (arch.starts_with("gemma") && t.name.ends_with("norm.weight"))
      tf = {Transform::Kind::AddOne, 0};
    else if (arch == "gpt2" && t.shape.size() == 2 &&
             (t.name.ends_with("attn_qkv.weight") || t.name.ends_with("attn_output.weight") ||
              t.name.ends_with("ffn_up.weight") || t.name.ends_with("ffn_down.weight")))
      tf = {Transform::Kind::Transpose, 0};
  }

  // RoPE factors from config.json.
  if (const util::Json* rs = config.find("rope_scaling"); rs && rs->is_object()) {
    std::string type = rs->get_string("rope_type", rs->get_string("type"));
    if (type == "llama3" && !out.tensor("rope_freqs.weight"))
      build.add_f32("rope_freqs.weight", {hp.n_rot / 2}, llama3_factors(*rs, hp.rope_freq_base, hp.n_rot, hp.rope_orig_ctx));
    if (type == "longrope" || type == "su") {
      for (const char* which : {"long", "short"}) {
        const util::Json* f = rs->find(std::string(which) + "_factor");
        if (!f || !f->is_array() || f->size() != hp.n_rot / 2)
          return util::fail(std::string("rope_scaling.") + which + "_factor must list " + std::to_string(hp.n_rot / 2) +
                                " numbers",
                            hf.path + "/config.json");
        std::vector<float> v;
        for (const auto& x : f->as_array()) v.push_back(static_cast<float>(x.as_double()));
        build.add_f32(fmt::format("rope_factors_{}.weight", which), {hp.n_rot / 2}, v);
      }
      const double orig = config.get_double("original_max_position_embeddings", rs->get_double("original_max_position_embeddings", 0));
      const double max_pos = config.get_double("max_position_embeddings", orig);
      const double scale = orig > 0 ? max_pos / orig : 1.0;
      const double attn = scale > 1.0 ? std::sqrt(1 + std::log(scale) / std::log(orig)) : 1.0;
      out.metadata.set(arch + ".rope.scaling.attn_factor", MetaValue::f32(static_cast<float>(attn)));
      if (orig > 0) out.metadata.set(arch + ".rope.scaling.original_context_length", MetaValue::u32(static_cast<uint32_t>(orig)));
    }
  }
  out.index_tensors();
  transforms.resize(out.tensors.size());  // added factor tensors need nothing
  return MappedModel{std::move(out), std::move(transforms)};
}

std::vector<uint64_t> transformed_shape(const TensorInfo& t, const Transform& tf) {
  std::vector<uint64_t> shape = t.shape;
  if (tf.kind == Transform::Kind::Transpose && shape.size() == 2) std::swap(shape[0], shape[1]);
  return shape;
}

void transformed_rows(const TensorInfo& t, const Transform& tf, int64_t row0, int64_t n, float* out) {
  const int64_t cols = static_cast<int64_t>(t.shape[0]);
  const uint64_t row_bytes = *formats::row_bytes(t.type, static_cast<uint64_t>(cols));
  auto source_row = [&](int64_t r, float* dst) { kernels::dequantize_row(t.type, t.data + static_cast<uint64_t>(r) * row_bytes, dst, cols); };
  switch (tf.kind) {
    case Transform::Kind::None:
    case Transform::Kind::AddOne:
      for (int64_t r = 0; r < n; ++r) source_row(row0 + r, out + r * cols);
      if (tf.kind == Transform::Kind::AddOne)
        for (int64_t i = 0; i < n * cols; ++i) out[i] += 1.0f;
      return;
    case Transform::Kind::PermuteHeads: {
      // Output row (h, 2i + j) is input row (h, j * half + i): rotate-half to interleaved pairs.
      const int64_t rows = static_cast<int64_t>(t.rows()), hd = rows / tf.heads, half = hd / 2;
      for (int64_t r = 0; r < n; ++r) {
        const int64_t o = row0 + r, h = o / hd, k = o % hd;
        source_row(h * hd + (k % 2) * half + k / 2, out + r * cols);
      }
      return;
    }
    case Transform::Kind::Transpose: {
      // Input: `in` rows of `cols` outputs each (Conv1D). Output row o is input column o.
      const int64_t in = static_cast<int64_t>(t.rows());
      std::vector<float> row(static_cast<size_t>(cols));
      for (int64_t i = 0; i < in; ++i) {
        source_row(i, row.data());
        for (int64_t r = 0; r < n; ++r) out[r * in + i] = row[static_cast<size_t>(row0 + r)];
      }
      return;
    }
  }
}

util::Result<formats::ModelFile> map_hf_model(formats::ModelFile&& hf) {
  MappedModel m = HEFT_TRY(map_hf_names(std::move(hf)));
  formats::ModelFile& out = m.file;
  for (size_t i = 0; i < out.tensors.size(); ++i) {
    const Transform& tf = m.transforms[i];
    if (tf.kind == Transform::Kind::None) continue;
    TensorInfo& t = out.tensors[i];
    const auto shape = transformed_shape(t, tf);
    const int64_t cols = static_cast<int64_t>(shape[0]);
    const int64_t rows = static_cast<int64_t>(t.elements() / shape[0]);
    std::vector<float> v(static_cast<size_t>(rows * cols));
    transformed_rows(t, tf, 0, rows, v.data());
    // Norms become F32; other tensors keep their type (the row transforms are exact for F32/F16/BF16).
    const GgmlType type = tf.kind == Transform::Kind::AddOne ? GgmlType::F32 : t.type;
    auto buf = std::make_shared<std::vector<uint8_t>>(*formats::row_bytes(type, static_cast<uint64_t>(cols)) * static_cast<uint64_t>(rows));
    kernels::quantize_rows(type, v.data(), buf->data(), rows, cols, nullptr);
    t.type = type;
    t.shape = shape;
    t.data = buf->data();
    t.bytes = buf->size();
    out.owned.push_back(std::move(buf));
  }
  return std::move(out);
}

}  // namespace heft::model
