#include "model/model.h"

#include <fmt/format.h>

#include "kernels/quant.h"

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

util::Result<std::unique_ptr<Model>> load_model(formats::ModelFile&& file) {
  auto m = std::make_unique<Model>();
  m->hp = HEFT_TRY(read_hparams(file.metadata));
  const Hparams& hp = m->hp;
  m->spec = find_arch(hp.arch);
  if (!m->spec) return util::fail("architecture '" + hp.arch + "' is not supported for generation yet", file.path);
  if (hp.n_head_kv == 0 || hp.n_head % hp.n_head_kv != 0)
    return util::fail("head_count must be a multiple of head_count_kv", file.path);
  if (hp.n_rot > hp.head_dim_k || hp.n_rot % 2 != 0)
    return util::fail("rope.dimension_count must be even and at most the head size", file.path);

  m->file = std::move(file);
  Loader L{m->file, {}};
  const int64_t n_embd = hp.n_embd, n_ff = hp.n_ff;
  const int64_t q_dim = int64_t{hp.n_head} * hp.head_dim_k, kv_dim = int64_t{hp.n_head_kv} * hp.head_dim_k;
  const int64_t v_dim = int64_t{hp.n_head_kv} * hp.head_dim_v, out_in = int64_t{hp.n_head} * hp.head_dim_v;

  const formats::TensorInfo* embd = m->file.tensor("token_embd.weight");
  if (!embd) return util::fail("missing tensor token_embd.weight", m->file.path);
  int64_t n_vocab = embd->shape.size() > 1 ? static_cast<int64_t>(embd->shape[1]) : 0;
  if (hp.n_vocab == 0) m->hp.n_vocab = static_cast<uint32_t>(n_vocab);
  m->tok_embd = L.get("token_embd.weight", n_embd, n_vocab, true);
  m->output_norm = L.get("output_norm.weight", n_embd, 1, true);
  m->output = L.get("output.weight", n_embd, n_vocab, false);
  if (!m->output.present()) m->output = m->tok_embd;  // tied
  m->rope_freqs = L.get("rope_freqs.weight", hp.n_rot / 2, 1, false);

  m->layers.resize(hp.n_layer);
  for (uint32_t l = 0; l < hp.n_layer; ++l) {
    auto n = [&](const char* s) { return fmt::format("blk.{}.{}.weight", l, s); };
    LayerWeights& w = m->layers[l];
    w.attn_norm = L.get(n("attn_norm"), n_embd, 1, true);
    w.wq = L.get(n("attn_q"), n_embd, q_dim, true);
    w.wk = L.get(n("attn_k"), n_embd, kv_dim, true);
    w.wv = L.get(n("attn_v"), n_embd, v_dim, true);
    w.wo = L.get(n("attn_output"), out_in, n_embd, true);
    w.ffn_norm = L.get(n("ffn_norm"), n_embd, 1, true);
    w.ffn_gate = L.get(n("ffn_gate"), n_embd, n_ff, m->spec->gated_ffn);
    w.ffn_up = L.get(n("ffn_up"), n_embd, n_ff, true);
    w.ffn_down = L.get(n("ffn_down"), n_ff, n_embd, true);
  }
  if (!L.error.empty()) return util::fail(L.error, m->file.path);
  materialize_f32(*m, m->output_norm);
  materialize_f32(*m, m->output_norm_bias);
  materialize_f32(*m, m->rope_freqs);
  for (LayerWeights& w : m->layers)
    for (Weight* v : {&w.attn_norm, &w.attn_norm_bias, &w.ffn_norm, &w.ffn_norm_bias, &w.bq, &w.bk, &w.bv, &w.bo,
                      &w.bqkv, &w.q_norm, &w.k_norm, &w.attn_post_norm, &w.ffn_post_norm, &w.b_gate, &w.b_up, &w.b_down})
      materialize_f32(*m, *v);
  for (const Weight* w : {&m->tok_embd, &m->output})
    if (!kernels::can_dequantize(w->type) || !kernels::can_dot(w->type))
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
