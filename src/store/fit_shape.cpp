#include "store/fit_shape.h"

#include <fmt/format.h>

#include "engine/context.h"
#include "kernels/quant.h"
#include "model/model.h"

namespace heft::store {

util::Result<FitShape> fit_shape(const FitModel& model) {
  const formats::ModelFile& mf = model.file;
  FitShape s;
  s.hp = HEFT_TRY(model::read_hparams(mf.metadata));
  s.spec = model::find_arch(s.hp.arch);
  if (!s.spec) return util::fail("architecture '" + s.hp.arch + "' is not supported for generation yet", model.name);
  if (auto r = model::apply_family(s.hp, mf.metadata, *s.spec); !r) return util::fail(r.error().message, model.name);
  const model::Hparams& hp = s.hp;
  if (hp.n_head_kv == 0 || hp.n_head % hp.n_head_kv != 0)
    return util::fail("head_count must be a multiple of head_count_kv", model.name);
  if (hp.n_ff == 0) return util::fail("feed_forward_length is missing", model.name);

  // A matrix as the engine will see it, checked as model::load_model checks it.
  std::string error;
  auto weight = [&](const formats::TensorInfo* t) -> model::Weight {
    if (!t || t->shape.empty() || t->shape[0] == 0) return {};
    auto rb = formats::row_bytes(t->type, t->shape[0]);
    if (!rb || !kernels::can_dot(t->type)) {
      if (error.empty()) error = fmt::format("weights of type {} cannot be computed yet", formats::type_name(t->type));
      return {};
    }
    // data stays null: only the type and the shape are read.
    return model::Weight{t->type, nullptr, static_cast<int64_t>(t->shape[0]), static_cast<int64_t>(t->rows()), *rb};
  };
  const formats::TensorInfo* embd = mf.tensor("token_embd.weight");
  if (!embd || embd->shape.size() < 2) return util::fail("missing tensor token_embd.weight", model.name);
  if (!kernels::can_dequantize(embd->type))
    return util::fail(fmt::format("weights of type {} cannot be computed yet", formats::type_name(embd->type)), model.name);
  s.n_vocab = embd->shape[1];
  const formats::TensorInfo* out = mf.tensor("output.weight");
  s.output = weight(out ? out : embd);
  s.matrices.push_back(s.output);
  for (uint32_t l = 0; l < hp.n_layer; ++l)
    for (const char* name : {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down", "attn_qkv"})
      if (const formats::TensorInfo* t = mf.tensor(fmt::format("blk.{}.{}.weight", l, name))) s.matrices.push_back(weight(t));
  if (!error.empty()) return util::fail(error, model.name);
  if (s.matrices.size() < 2) return util::fail("no layer weights found", model.name);
  return s;
}

int64_t fit_n_ctx(const FitShape& shape, int64_t n_ctx) {
  model::Model m;  // the rule reads the training context only
  m.hp = shape.hp;
  return engine::Context::default_n_ctx(m, n_ctx);
}

}  // namespace heft::store
