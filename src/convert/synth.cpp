#include "convert/synth.h"

#include <array>
#include <cmath>
#include <fmt/format.h>

#include "convert/quant_policy.h"
#include "convert/tensor_stream.h"
#include "formats/gguf_reader.h"
#include "formats/gguf_writer.h"
#include "util/mapped_file.h"
#include "util/progress.h"
#include "util/thread_pool.h"

namespace heft::convert {

using formats::GgmlType;
using formats::MetaValue;

namespace {

constexpr std::array kPresets = {
    SynthPreset{"mini", 256, 4, 8, 4, 768, 512, 2048, true},
    SynthPreset{"smollm-135m", 576, 30, 9, 3, 1536, 2048, 49152, true},
    SynthPreset{"tinyllama-1.1b", 2048, 22, 32, 4, 5632, 2048, 32000, false},
};

// splitmix64: a tiny, well-mixed generator; one stream per (seed, tensor, row),
// so rows can be generated in any order and on any thread.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t hash_name(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

void normal_row(uint64_t stream, float stddev, float* out, int64_t n) {
  uint64_t state = stream;
  for (int64_t i = 0; i < n; i += 2) {
    state = mix(state);
    double u1 = (static_cast<double>(state >> 11) + 1.0) * 0x1.0p-53;
    state = mix(state);
    double u2 = static_cast<double>(state >> 11) * 0x1.0p-53;
    double r = std::sqrt(-2.0 * std::log(u1));
    out[i] = static_cast<float>(r * std::cos(2.0 * M_PI * u2)) * stddev;
    if (i + 1 < n) out[i + 1] = static_cast<float>(r * std::sin(2.0 * M_PI * u2)) * stddev;
  }
}

// A SentencePiece-style vocabulary of any size: control tokens, the 256 byte
// tokens, then filler pieces, so llama.cpp and heft can load the file.
void synthetic_vocab(formats::Metadata& md, uint32_t n_vocab) {
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<float> scores = {0, 0, 0};
  std::vector<int32_t> types = {2, 3, 3};
  for (int b = 0; b < 256 && tokens.size() < n_vocab; ++b) {
    tokens.push_back(fmt::format("<0x{:02X}>", b));
    scores.push_back(0);
    types.push_back(6);
  }
  for (uint32_t i = 0; tokens.size() < n_vocab; ++i) {
    tokens.push_back(fmt::format("\xe2\x96\x81t{}", i));
    scores.push_back(-static_cast<float>(i));
    types.push_back(1);
  }
  md.set("tokenizer.ggml.model", MetaValue::string("llama"));
  md.set("tokenizer.ggml.tokens", MetaValue::string_array(std::move(tokens)));
  md.set("tokenizer.ggml.scores", MetaValue::f32_array(scores));
  md.set("tokenizer.ggml.token_type", MetaValue::i32_array(types));
  md.set("tokenizer.ggml.bos_token_id", MetaValue::u32(1));
  md.set("tokenizer.ggml.eos_token_id", MetaValue::u32(2));
  md.set("tokenizer.ggml.unknown_token_id", MetaValue::u32(0));
  md.set("tokenizer.ggml.add_bos_token", MetaValue::boolean(true));
}

}  // namespace

std::optional<SynthPreset> synth_preset(std::string_view name) {
  for (const auto& p : kPresets)
    if (p.name == name) return p;
  return std::nullopt;
}

std::vector<std::string_view> synth_preset_names() {
  std::vector<std::string_view> out;
  for (const auto& p : kPresets) out.push_back(p.name);
  return out;
}

util::Result<void> synthesize(const std::string& out_path, const SynthOptions& opt) {
  if (opt.arch != "llama") return util::fail("synth supports --arch llama");
  auto preset_or = synth_preset(opt.preset);
  if (!preset_or) return util::fail("unknown preset '" + opt.preset + "'");
  SynthPreset p = *preset_or;
  auto ft = file_type_from_name(opt.type);
  if (!ft) return util::fail("unknown type '" + opt.type + "'");
  const bool scaled = opt.rope_scaling == "linear" || opt.rope_scaling == "yarn";
  if (!scaled && !opt.rope_scaling.empty() && opt.rope_scaling != "none")
    return util::fail("--rope-scaling must be none, linear or yarn, not '" + opt.rope_scaling + "'");
  if (scaled && !(opt.rope_factor > 0.0f)) return util::fail("--rope-scaling " + opt.rope_scaling + " needs --rope-factor > 0");
  if (!scaled && (opt.rope_factor != 0.0f || opt.rope_orig_ctx != 0))
    return util::fail("--rope-factor and --rope-orig-ctx need --rope-scaling linear or yarn");

  formats::Metadata md;
  md.set("general.architecture", MetaValue::string("llama"));
  md.set("general.type", MetaValue::string("model"));
  md.set("general.name", MetaValue::string("synthetic-" + opt.preset));
  md.set("llama.block_count", MetaValue::u32(p.n_layer));
  md.set("llama.context_length", MetaValue::u32(p.n_ctx));
  md.set("llama.embedding_length", MetaValue::u32(p.n_embd));
  md.set("llama.feed_forward_length", MetaValue::u32(p.n_ff));
  md.set("llama.attention.head_count", MetaValue::u32(p.n_head));
  md.set("llama.attention.head_count_kv", MetaValue::u32(p.n_head_kv));
  md.set("llama.rope.freq_base", MetaValue::f32(10000.0f));
  md.set("llama.attention.layer_norm_rms_epsilon", MetaValue::f32(1e-5f));
  md.set("llama.rope.dimension_count", MetaValue::u32(p.n_embd / p.n_head));
  if (!opt.rope_scaling.empty()) md.set("llama.rope.scaling.type", MetaValue::string(opt.rope_scaling));
  if (scaled) md.set("llama.rope.scaling.factor", MetaValue::f32(opt.rope_factor));
  if (opt.rope_orig_ctx) md.set("llama.rope.scaling.original_context_length", MetaValue::u32(opt.rope_orig_ctx));
  md.set("general.file_type", MetaValue::u32(ft->id));
  if (formats::type_traits(ft->base)->quantized) md.set("general.quantization_version", MetaValue::u32(2));

  if (!opt.vocab_from.empty()) {
    auto src = HEFT_TRY(formats::read_gguf(opt.vocab_from));
    const auto* toks = src.metadata.find("tokenizer.ggml.tokens");
    if (!toks || toks->elem_type != formats::ValueType::String)
      return util::fail("has no tokenizer.ggml.tokens to copy", opt.vocab_from);
    p.n_vocab = static_cast<uint32_t>(toks->count);
    for (const auto& [k, v] : src.metadata.entries())
      if (k.starts_with("tokenizer.")) md.set(k, v);
  } else {
    synthetic_vocab(md, p.n_vocab);
  }
  md.set("llama.vocab_size", MetaValue::u32(p.n_vocab));
  if (!opt.chat_template.empty())
    md.set("tokenizer.chat_template", MetaValue::string(HEFT_TRY(util::read_file(opt.chat_template, 1 << 20))));

  // Tensors in the order llama.cpp's converter writes them.
  std::vector<TensorDesc> descs;
  const uint64_t E = p.n_embd, F = p.n_ff, kv = uint64_t{p.n_embd} / p.n_head * p.n_head_kv;
  descs.push_back({"token_embd.weight", GgmlType::F32, {E, p.n_vocab}});
  for (uint32_t l = 0; l < p.n_layer; ++l) {
    auto n = [&](const char* s) { return fmt::format("blk.{}.{}.weight", l, s); };
    descs.push_back({n("attn_norm"), GgmlType::F32, {E}});
    descs.push_back({n("attn_q"), GgmlType::F32, {E, E}});
    descs.push_back({n("attn_k"), GgmlType::F32, {E, kv}});
    descs.push_back({n("attn_v"), GgmlType::F32, {E, kv}});
    descs.push_back({n("attn_output"), GgmlType::F32, {E, E}});
    descs.push_back({n("ffn_norm"), GgmlType::F32, {E}});
    descs.push_back({n("ffn_gate"), GgmlType::F32, {E, F}});
    descs.push_back({n("ffn_up"), GgmlType::F32, {E, F}});
    descs.push_back({n("ffn_down"), GgmlType::F32, {F, E}});
  }
  descs.push_back({"output_norm.weight", GgmlType::F32, {E}});
  if (!p.tied_output) descs.push_back({"output.weight", GgmlType::F32, {E, p.n_vocab}});

  auto types = choose_tensor_types(*ft, descs, {.n_head = p.n_head, .n_head_kv = p.n_head_kv});
  std::vector<formats::GgufTensorSpec> specs;
  for (size_t i = 0; i < descs.size(); ++i) specs.push_back({descs[i].name, types[i], descs[i].shape});

  util::ThreadPool pool(opt.threads);
  const uint64_t base = mix(opt.seed);
  auto fill = [&](size_t i, const formats::GgufChunkSink& sink) -> util::Result<void> {
    const TensorDesc& d = descs[i];
    const int64_t cols = static_cast<int64_t>(d.shape[0]);
    const int64_t rows = d.shape.size() > 1 ? static_cast<int64_t>(d.shape[1]) : 1;
    const bool is_norm = d.shape.size() == 1;
    const uint64_t stream = mix(base ^ hash_name(d.name));
    RowSource source = [&](int64_t row0, int64_t n, float* out) {
      for (int64_t r = 0; r < n; ++r) {
        if (is_norm) std::fill(out + r * cols, out + (r + 1) * cols, 1.0f);
        else normal_row(mix(stream + static_cast<uint64_t>(row0 + r)), opt.stddev, out + r * cols, cols);
      }
    };
    return stream_tensor(source, rows, cols, specs[i].type, nullptr, sink, pool);
  };
  return write_gguf_with_progress(out_path, md, specs, fill, opt.overwrite, opt.progress, "synth");
}

}  // namespace heft::convert
