// `heft inspect MODEL [--tensors] [--json] [--full]` and `heft inspect --system`.
#include <fmt/format.h>

#include <map>

#include "chat/template_family.h"
#include "store/hf_cache.h"
#include "cli/command.h"
#include "cli/units.h"
#include "cli/system_info.h"
#include "formats/open_model.h"
#include "model/hparams.h"
#include "tokenizer/tokenizer.h"
#include "util/json.h"

namespace heft::cli {

namespace {

using formats::ModelFile;
using util::Json;

struct InspectOptions {
  std::string model;
  bool tensors = false;
  bool json = false;
  bool full = false;
  bool system = false;
};

std::string human_count(uint64_t n) {
  if (n >= 1'000'000'000) return fmt::format("{:.2f}B", n / 1e9);
  if (n >= 1'000'000) return fmt::format("{:.2f}M", n / 1e6);
  if (n >= 1'000) return fmt::format("{:.1f}K", n / 1e3);
  return std::to_string(n);
}

Json shape_json(const formats::TensorInfo& t) {
  Json a = Json::array();
  for (uint64_t d : t.shape) a.push_back(Json(d));
  return a;
}

std::map<std::string, uint64_t> bytes_by_type(const ModelFile& mf) {
  std::map<std::string, uint64_t> out;
  for (const auto& t : mf.tensors) out[std::string(formats::type_name(t.type))] += t.bytes;
  return out;
}

// The tokenizer as heft will run it (GGUF metadata or a Hugging Face folder's
// tokenizer.json): kind, pre-tokenizer, size and special tokens; null when the
// model carries none.
Json tokenizer_json(const ModelFile& mf) {
  auto tok = tokenizer::load_tokenizer(mf);
  if (!tok) return Json();
  Json out = Json::object();
  out.set("kind", Json(std::string(tokenizer::model_kind_name(tok->kind()))));
  if (auto model = mf.metadata.get_string("tokenizer.ggml.model")) out.set("ggml_model", Json(*model));
  if (!tok->pre_tokenizer().empty()) out.set("pre", Json(tok->pre_tokenizer()));
  out.set("reference", Json(tok->reference() == tokenizer::Reference::LlamaCpp ? "llama.cpp" : "huggingface"));
  out.set("vocab_size", Json(uint64_t{tok->n_vocab()}));
  out.set("adds_bos", Json(tok->adds_bos()));
  Json special = Json::object();
  const auto& sp = tok->special();
  for (auto [role, id] : {std::pair{"bos", sp.bos}, {"eos", sp.eos}, {"eot", sp.eot}, {"eom", sp.eom}, {"unknown", sp.unk},
                          {"padding", sp.pad}, {"separator", sp.sep}, {"cls", sp.cls}, {"mask", sp.mask}}) {
    if (id < 0) continue;
    Json t = Json::object();
    t.set("id", Json(int64_t{id}));
    t.set("text", Json(tok->token_text(id)));
    special.set(role, std::move(t));
  }
  out.set("special_tokens", std::move(special));
  Json eog = Json::array();
  for (int32_t id : tok->eog_ids()) eog.push_back(Json(int64_t{id}));
  out.set("end_of_generation", std::move(eog));
  return out;
}

// The hyper-parameters as a run would use them: with the family's reading
// (norm epsilon, sliding windows, ignored keys) when heft knows the family.
util::Result<model::Hparams> read_family_hparams(const formats::Metadata& md) {
  auto h = HEFT_TRY(model::read_hparams(md));
  if (const model::ArchSpec* spec = model::find_arch(h.arch)) HEFT_TRY(model::apply_family(h, md, *spec));
  return h;
}

Json hparams_json(const model::Hparams& h) {
  Json o = Json::object();
  o.set("layers", Json(int64_t{h.n_layer}));
  o.set("embedding", Json(int64_t{h.n_embd}));
  o.set("feed_forward", Json(int64_t{h.n_ff}));
  o.set("heads", Json(int64_t{h.n_head}));
  o.set("kv_heads", Json(int64_t{h.n_head_kv}));
  o.set("head_dim", Json(int64_t{h.head_dim_k}));
  o.set("vocab_size", Json(int64_t{h.n_vocab}));
  o.set("context_length", Json(int64_t{h.n_ctx_train}));
  o.set("rope_dimensions", Json(int64_t{h.n_rot}));
  o.set("rope_freq_base", Json(double{h.rope_freq_base}));
  o.set("rope_scaling", Json(std::string(model::rope_scaling_name(h.rope_scaling))));
  if (h.rope_scaling != model::RopeScaling::None) {
    o.set("rope_scale_factor", Json(double{h.rope_scale_factor}));
    o.set("rope_freq_scale", Json(double{h.rope.freq_scale}));
  }
  if (h.rope_scaling == model::RopeScaling::Yarn) {
    Json y = Json::object();
    y.set("original_context", Json(int64_t{h.rope.n_ctx_orig}));
    y.set("ext_factor", Json(double{h.rope.ext_factor}));
    y.set("attn_factor", Json(double{h.rope.attn_factor}));
    y.set("beta_fast", Json(double{h.rope.beta_fast}));
    y.set("beta_slow", Json(double{h.rope.beta_slow}));
    y.set("magnitude", Json(double{model::rope_magnitude(h.rope)}));
    o.set("yarn", std::move(y));
  }
  if (!h.ignored_keys.empty()) {
    Json ignored = Json::array();
    for (const auto& k : h.ignored_keys) ignored.push_back(Json(k));
    o.set("ignored_keys", std::move(ignored));
  }
  o.set(h.norm_is_rms ? "rms_norm_eps" : "layer_norm_eps", Json(double{h.norm_eps}));
  return o;
}

Json build_json(const ModelFile& mf, const InspectOptions& opt) {
  const auto& md = mf.metadata;
  Json doc = Json::object();
  doc.set("format", Json(std::string(formats::format_name(mf.format))));
  doc.set("path", Json(mf.path));
  if (mf.format == formats::FileFormat::Gguf) doc.set("gguf_version", Json(int64_t{mf.gguf_version}));
  doc.set("architecture", md.get_string("general.architecture") ? Json(*md.get_string("general.architecture")) : Json());
  doc.set("parameters", Json(mf.parameter_count()));
  if (auto h = read_family_hparams(md)) doc.set("hparams", hparams_json(*h));
  else if (md.contains("general.architecture")) doc.set("hparams_error", Json(h.error().message));
  Json by_type = Json::object();
  for (const auto& [name, b] : bytes_by_type(mf)) by_type.set(name, Json(b));
  doc.set("bytes_by_type", std::move(by_type));

  doc.set("tokenizer", tokenizer_json(mf));

  Json chat = Json::object();
  auto tmpl = md.get_string("tokenizer.chat_template");
  chat.set("present", Json(tmpl.has_value()));
  if (tmpl) chat.set("family", Json(std::string(chat::template_family(*tmpl))));
  doc.set("chat_template", std::move(chat));
  doc.set("license", md.get_string("general.license") ? Json(*md.get_string("general.license")) : Json());

  Json meta = Json::object(), types = Json::object();
  for (const auto& [k, v] : md.entries()) {
    meta.set(k, v.to_json(opt.full ? -1 : 16));
    Json t = Json::object();
    t.set("type", Json(std::string(formats::value_type_name(v.type))));
    if (v.is_array()) t.set("element_type", Json(std::string(formats::value_type_name(v.elem_type))));
    types.set(k, std::move(t));
  }
  doc.set("metadata", std::move(meta));
  doc.set("metadata_types", std::move(types));

  Json tensors = Json::array();
  for (const auto& t : mf.tensors) {
    Json o = Json::object();
    o.set("name", Json(t.name));
    o.set("type", Json(std::string(formats::type_name(t.type))));
    o.set("shape", shape_json(t));
    o.set("offset", Json(t.offset));
    o.set("bytes", Json(t.bytes));
    tensors.push_back(std::move(o));
  }
  doc.set("tensors", std::move(tensors));
  return doc;
}

std::string short_value(const formats::MetaValue& v) {
  if (v.is_array()) {
    if (v.count > 8) return fmt::format("[{} x {}]", v.count, formats::value_type_name(v.elem_type));
    return v.to_json().dump();
  }
  if (const std::string* s = v.as_string()) {
    std::string t = s->size() > 120 ? s->substr(0, 117) + "..." : *s;
    for (char& c : t)
      if (c == '\n') c = ' ';
    return t;
  }
  return v.to_json().dump();
}

void print_text(const ModelFile& mf, const InspectOptions& opt) {
  const auto& md = mf.metadata;
  fmt::print("file:          {}\n", mf.path);
  fmt::print("format:        {}{}\n", formats::format_name(mf.format),
             mf.format == formats::FileFormat::Gguf ? fmt::format(" v{}", mf.gguf_version) : "");
  fmt::print("architecture:  {}\n", md.get_string("general.architecture").value_or("(unknown)"));
  if (auto name = md.get_string("general.name")) fmt::print("name:          {}\n", *name);
  uint64_t params = mf.parameter_count();
  fmt::print("parameters:    {} ({})\n", human_count(params), params);
  auto h = read_family_hparams(md);
  if (!h && md.contains("general.architecture")) fmt::print("hparams:       {}\n", h.error().message);
  if (h) {
    fmt::print("layers:        {}\n", h->n_layer);
    fmt::print("embedding:     {}\n", h->n_embd);
    fmt::print("feed-forward:  {}\n", h->n_ff);
    fmt::print("heads:         {} (KV heads {}, head dim {})\n", h->n_head, h->n_head_kv, h->head_dim_k);
    fmt::print("vocab size:    {}\n", h->n_vocab);
    fmt::print("context:       {}\n", h->n_ctx_train);
    fmt::print("rope:          base {}, {} dims, scaling {}", h->rope_freq_base, h->n_rot,
               model::rope_scaling_name(h->rope_scaling));
    if (h->rope_scaling != model::RopeScaling::None)
      fmt::print(" x{} (frequency scale {})", h->rope_scale_factor, h->rope.freq_scale);
    fmt::print("\n");
    if (h->rope_scaling == model::RopeScaling::Yarn)
      fmt::print("yarn:          original context {}, ext_factor {}, attn_factor {}, beta_fast {}, beta_slow {} "
                 "(cos and sin x{})\n",
                 h->rope.n_ctx_orig, h->rope.ext_factor, h->rope.attn_factor, h->rope.beta_fast, h->rope.beta_slow,
                 model::rope_magnitude(h->rope));
    for (const auto& k : h->ignored_keys)
      fmt::print("ignored:       {} (llama.cpp does not use it for {}; neither does heft)\n", k, h->arch);
    fmt::print("norm:          {} eps {}\n", h->norm_is_rms ? "RMS" : "layer", h->norm_eps);
  }
  uint64_t total = 0;
  for (const auto& t : mf.tensors) total += t.bytes;
  fmt::print("weights:       {} in {} tensors\n", human_bytes(total), mf.tensors.size());
  for (const auto& [name, b] : bytes_by_type(mf)) fmt::print("  {:<8} {}\n", name, human_bytes(b));
  if (Json tok = tokenizer_json(mf); tok.is_object()) {
    fmt::print("tokenizer:     {} ({}), {} tokens", tok.get_string("kind"), tok.get_string("reference"),
               tok.get_int("vocab_size", 0));
    if (auto pre = tok.get_string("pre"); !pre.empty()) fmt::print(", pre-tokenizer {}", pre);
    fmt::print("\n");
    for (const auto& [role, t] : tok.find("special_tokens")->as_object())
      fmt::print("  {:<10} {:>6} {}\n", role, t.get_int("id", -1), t.find("text")->dump());
  } else {
    fmt::print("tokenizer:     none\n");
  }
  auto tmpl = md.get_string("tokenizer.chat_template");
  fmt::print("chat template: {}\n", tmpl ? fmt::format("yes ({})", chat::template_family(*tmpl)) : "no");
  fmt::print("license:       {}\n", md.get_string("general.license").value_or("(not stated)"));
  fmt::print("metadata:\n");
  for (const auto& [k, v] : md.entries()) {
    if (k.starts_with("tokenizer.ggml.") && v.is_array()) continue;
    if (k == "tokenizer.chat_template") continue;
    if (!k.starts_with("general.") && !opt.full) continue;
    fmt::print("  {} = {}\n", k, short_value(v));
  }
  if (opt.tensors) {
    fmt::print("tensors:\n");
    for (const auto& t : mf.tensors) {
      std::string shape;
      for (size_t i = 0; i < t.shape.size(); ++i) shape += (i ? " x " : "") + std::to_string(t.shape[i]);
      fmt::print("  {:<40} {:<7} {:<22} offset {:>12} {:>12} B\n", t.name, formats::type_name(t.type), shape,
                 t.offset, t.bytes);
    }
  }
}

}  // namespace

Action add_inspect(CLI::App& app) {
  auto opt = std::make_shared<InspectOptions>();
  auto* cmd = app.add_subcommand("inspect", "Show what a model file holds: format, architecture, sizes, tokenizer, "
                                            "template, licence, metadata, tensors");
  cmd->add_option("model", opt->model, "A .gguf, .safetensors, Hugging Face folder or llama2.c .bin; or ORG/NAME[:QUANT] in the Hugging Face cache, or ollama:NAME[:TAG]");
  cmd->add_flag("--tensors", opt->tensors, "List every tensor (name, type, shape, offset, bytes)");
  cmd->add_flag("--json", opt->json, "Print one JSON document (schema: docs/inspect-json.md)");
  cmd->add_flag("--full", opt->full, "Do not shorten long arrays (JSON) / show all metadata (text)");
  cmd->add_flag("--system", opt->system, "Describe this machine instead: CPU, SIMD features, cores, memory");
  return [opt]() -> int {
    if (opt->system) return print_system_info(opt->json);
    if (opt->model.empty()) return report({"inspect needs a MODEL (or --system)"});
    auto path = store::resolve_model_argument(opt->model);
    if (!path) return report(path.error());
    auto mf = formats::open_model(*path);
    if (!mf) return report(mf.error());
    if (opt->json) fmt::print("{}\n", build_json(*mf, *opt).dump(2));
    else print_text(*mf, *opt);
    return 0;
  };
}

}  // namespace heft::cli
