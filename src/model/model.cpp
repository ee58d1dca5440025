#include "model/model.h"

#include <fmt/format.h>

#include "kernels/quant.h"
#include "model/hf_names.h"

namespace heft::model {

using formats::GgmlType;

namespace {

struct Loader {
  const formats::ModelFile& file;
  std::string error;

  // A weight by GGUF name, checked against the expected shape {cols, rows}.
  Weight get(const std::string& name, int64_t cols, int64_t rows, bool required) {
    const formats::TensorInfo* t = file.tensor(name);
    if (!t) {
      if (required && error.empty()) error = "missing tensor " + name;
      return {};
    }
    int64_t t_cols = static_cast<int64_t>(t->shape[0]);
    int64_t t_rows = t->shape.size() > 1 ? static_cast<int64_t>(t->elements() / t->shape[0]) : 1;
    if (t_cols != cols || t_rows != rows) {
      if (error.empty())
        error = fmt::format("tensor {} has shape {} x {}, expected {} x {}", name, t_cols, t_rows, cols, rows);
      return {};
    }
    if (!t->data) {
      if (error.empty()) error = "tensor " + name + " has no data";
      return {};
    }
    auto rb = formats::row_bytes(t->type, static_cast<uint64_t>(cols));
    if (!rb) {
      if (error.empty()) error = "tensor " + name + " has an unusable type";
      return {};
    }
    return Weight{t->type, t->data, cols, rows, *rb};
  }
};

// Vectors (norm weights, biases) are read as floats by the engine; other stored
// types are converted once here.
void materialize_f32(Model& m, Weight& w) {
  if (!w.present() || w.type == GgmlType::F32) return;
  std::vector<uint8_t> buf(static_cast<size_t>(w.cols * w.rows) * sizeof(float));
  for (int64_t r = 0; r < w.rows; ++r)
    kernels::dequantize_row(w.type, w.row(r), reinterpret_cast<float*>(buf.data()) + r * w.cols, w.cols);
  w = Weight{GgmlType::F32, buf.data(), w.cols, w.rows, static_cast<uint64_t>(w.cols) * 4};
  m.owned.push_back(std::move(buf));
}

}  // namespace

util::Result<std::unique_ptr<Model>> load_model(formats::ModelFile&& source) {
  formats::ModelFile file = HEFT_TRY(map_hf_model(std::move(source)));
  auto m = std::make_unique<Model>();
  m->hp = HEFT_TRY(read_hparams(file.metadata));
  m->spec = find_arch(m->hp.arch);
  if (!m->spec) return util::fail("architecture '" + m->hp.arch + "' is not supported for generation yet", file.path);
  const ArchSpec& spec = *m->spec;
  if (auto r = apply_family(m->hp, file.metadata, spec); !r) return util::fail(r.error().message, file.path);
  const Hparams& hp = m->hp;
  if (hp.n_head_kv == 0 || hp.n_head % hp.n_head_kv != 0)
    return util::fail("head_count must be a multiple of head_count_kv", file.path);
  if (spec.positions != Positions::Learned && (hp.n_rot > hp.head_dim_k || hp.n_rot % 2 != 0))
    return util::fail("rope.dimension_count must be even and at most the head size", file.path);
  if (hp.n_ff == 0) return util::fail("feed_forward_length is missing", file.path);

  m->file = std::move(file);
  Loader L{m->file, {}};
  const int64_t E = hp.n_embd, F = hp.n_ff, hd = hp.head_dim_k;
  const int64_t q_dim = int64_t{hp.n_head} * hd, kv_dim = int64_t{hp.n_head_kv} * hd;
  const int64_t v_dim = int64_t{hp.n_head_kv} * hp.head_dim_v, out_in = int64_t{hp.n_head} * hp.head_dim_v;

  const formats::TensorInfo* embd = m->file.tensor("token_embd.weight");
  if (!embd) return util::fail("missing tensor token_embd.weight", m->file.path);
  const int64_t n_vocab = embd->shape.size() > 1 ? static_cast<int64_t>(embd->shape[1]) : 0;
  m->hp.n_vocab = static_cast<uint32_t>(n_vocab);
  m->tok_embd = L.get("token_embd.weight", E, n_vocab, true);
  if (spec.positions == Positions::Learned) m->pos_embd = L.get("position_embd.weight", E, hp.n_ctx_train, true);
  m->output_norm = L.get("output_norm.weight", E, 1, true);
  if (spec.norm_bias) m->output_norm_bias = L.get("output_norm.bias", E, 1, true);
  m->output = L.get("output.weight", E, n_vocab, false);
  if (!m->output.present()) m->output = m->tok_embd;  // tied
  m->rope_freqs = L.get("rope_freqs.weight", hp.n_rot / 2, 1, false);
  m->rope_long = L.get("rope_factors_long.weight", hp.n_rot / 2, 1, false);
  m->rope_short = L.get("rope_factors_short.weight", hp.n_rot / 2, 1, false);

  m->layers.resize(hp.n_layer);
  for (uint32_t l = 0; l < hp.n_layer; ++l) {
    auto n = [&](const char* s, const char* kind = "weight") { return fmt::format("blk.{}.{}.{}", l, s, kind); };
    LayerWeights& w = m->layers[l];
    w.attn_norm = L.get(n("attn_norm"), E, 1, true);
    if (spec.norm_bias) w.attn_norm_bias = L.get(n("attn_norm", "bias"), E, 1, true);
    if (spec.fused_qkv) {
      w.wqkv = L.get(n("attn_qkv"), E, q_dim + kv_dim + v_dim, true);
      if (spec.qkv_bias) w.bqkv = L.get(n("attn_qkv", "bias"), q_dim + kv_dim + v_dim, 1, true);
    } else {
      w.wq = L.get(n("attn_q"), E, q_dim, true);
      w.wk = L.get(n("attn_k"), E, kv_dim, true);
      w.wv = L.get(n("attn_v"), E, v_dim, true);
      if (spec.qkv_bias) {
        w.bq = L.get(n("attn_q", "bias"), q_dim, 1, true);
        w.bk = L.get(n("attn_k", "bias"), kv_dim, 1, true);
        w.bv = L.get(n("attn_v", "bias"), v_dim, 1, true);
      }
    }
    if (spec.qk_norm) {
      w.q_norm = L.get(n("attn_q_norm"), hd, 1, true);
      w.k_norm = L.get(n("attn_k_norm"), hd, 1, true);
    }
    w.wo = L.get(n("attn_output"), out_in, E, true);
    if (spec.out_bias) w.bo = L.get(n("attn_output", "bias"), E, 1, true);
    if (spec.post_norms) {
      w.attn_post_norm = L.get(n("post_attention_norm"), E, 1, true);
      w.ffn_post_norm = L.get(n("post_ffw_norm"), E, 1, true);
    }
    w.ffn_norm = L.get(n("ffn_norm"), E, 1, true);
    if (spec.norm_bias) w.ffn_norm_bias = L.get(n("ffn_norm", "bias"), E, 1, true);
    if (spec.fused_gate_up) {
      w.ffn_up = L.get(n("ffn_up"), E, 2 * F, true);
    } else {
      w.ffn_up = L.get(n("ffn_up"), E, F, true);
      if (spec.gated_ffn) w.ffn_gate = L.get(n("ffn_gate"), E, F, true);
    }
    w.ffn_down = L.get(n("ffn_down"), F, E, true);
    if (spec.ffn_bias) {
      w.b_up = L.get(n("ffn_up", "bias"), spec.fused_gate_up ? 2 * F : F, 1, true);
      w.b_down = L.get(n("ffn_down", "bias"), E, 1, true);
    }
  }
  if (!L.error.empty()) return util::fail(L.error, m->file.path);
  for (Weight* v : {&m->output_norm, &m->output_norm_bias, &m->rope_freqs, &m->rope_long, &m->rope_short})
    materialize_f32(*m, *v);
  for (LayerWeights& w : m->layers)
    for (Weight* v : {&w.attn_norm, &w.attn_norm_bias, &w.ffn_norm, &w.ffn_norm_bias, &w.bq, &w.bk, &w.bv, &w.bo,
                      &w.bqkv, &w.q_norm, &w.k_norm, &w.attn_post_norm, &w.ffn_post_norm, &w.b_gate, &w.b_up, &w.b_down})
      materialize_f32(*m, *v);
  for (const Weight* w : {&m->tok_embd, &m->output, &m->pos_embd})
    if (w->present() && (!kernels::can_dequantize(w->type) || !kernels::can_dot(w->type)))
      return util::fail("weights of type " + std::string(formats::type_name(w->type)) + " cannot be computed yet",
                        m->file.path);
  for (const LayerWeights& w : m->layers)
    for (const Weight* v : {&w.wq, &w.wk, &w.wv, &w.wo, &w.ffn_gate, &w.ffn_up, &w.ffn_down, &w.wqkv})
      if (v->present() && !kernels::can_dot(v->type))
        return util::fail("weights of type " + std::string(formats::type_name(v->type)) + " cannot be computed yet",
                          m->file.path);
  return m;
}

}  // namespace heft::model
