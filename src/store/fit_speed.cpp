#include "store/fit_speed.h"

#include <algorithm>

#include "engine/context.h"
#include "store/fit_shape.h"

namespace heft::store {

using formats::GgmlType;

util::Result<std::vector<GgmlType>> matmul_types(const FitModel& model) {
  const FitShape s = HEFT_TRY(fit_shape(model));
  std::vector<GgmlType> types;
  for (const model::Weight& w : s.matrices)
    if (std::find(types.begin(), types.end(), w.type) == types.end()) types.push_back(w.type);
  return types;
}

util::Result<SpeedEstimate> estimate_speed(const FitModel& model, const FitParams& params, const Calibration& cal) {
  const FitShape s = HEFT_TRY(fit_shape(model));
  const model::Hparams& hp = s.hp;
  auto rates = [&](GgmlType t) -> util::Result<TypeRates> {
    auto it = cal.types.find(std::string(formats::type_name(t)));
    if (it == cal.types.end()) return util::fail("no calibration for weights of type " + std::string(formats::type_name(t)));
    return it->second;
  };
  const std::string cache_name(engine::cache_type_name(params.cache_type));
  auto token_att = cal.attention.find(cache_name + " token"), batch_att = cal.attention.find(cache_name + " batch");
  if (token_att == cal.attention.end() || batch_att == cal.attention.end() || cal.bandwidth_bytes_per_second <= 0)
    return util::fail("no calibration for the " + cache_name + " cache");
  const double elem = params.cache_type == engine::CacheType::F16 ? 2 : 4;
  const double hd = (hp.head_dim_k + hp.head_dim_v) / 2.0;
  const double layers = hp.n_layer, heads = hp.n_head;
  // One (position, query head) of attention at the kernel's rate.
  auto head_s = [&](const AttentionRates& r) { return r.position_seconds + r.dim_seconds * hd; };
  // Floats a token takes through the norms, RoPE and the cache's stores, per layer.
  const double vector_floats = 2.0 * hp.n_embd + static_cast<double>(hp.n_head + hp.n_head_kv) * hp.n_rot +
                               static_cast<double>(hp.n_head_kv) * (hp.head_dim_k + hp.head_dim_v);

  // One token through every matrix: bytes at the decode rate; and the pool's
  // hand-offs: two a matrix (activations, then rows), per layer two norms, RoPE, attention (and post-norms).
  double matrices_s = 0;
  for (const model::Weight& w : s.matrices)
    matrices_s += static_cast<double>(w.rows) * static_cast<double>(w.row_bytes) / HEFT_TRY(rates(w.type)).decode_bytes_per_second;
  const double per_layer = 4 + (s.spec->post_norms ? 2 : 0);
  const double dispatches = 2.0 * static_cast<double>(s.matrices.size()) + layers * per_layer + 1;
  const double fixed_s = matrices_s + dispatches * cal.dispatch_seconds + layers * vector_floats * cal.vector_seconds;
  // Attention of one token over `positions`: each query head at the kernel's rate, or the
  // cache read from memory once a KV head, whichever is slower.
  auto attention_s = [&](double positions) {
    const double compute = heads * positions * head_s(token_att->second);
    const double memory = hp.n_head_kv * positions * (hp.head_dim_k + hp.head_dim_v) * elem / cal.bandwidth_bytes_per_second;
    return layers * std::max(compute, memory);
  };

  SpeedEstimate e;
  const int64_t n_ctx = fit_n_ctx(s, params.n_ctx);
  const int64_t tg = std::min<int64_t>(128, n_ctx);
  double tg_s = 0;
  for (int64_t p = 0; p < tg; ++p) tg_s += fixed_s + attention_s(static_cast<double>(p + 1));
  e.tg_tokens_per_second = static_cast<double>(tg) / tg_s;
  e.tg_full_tokens_per_second = 1.0 / (fixed_s + attention_s(static_cast<double>(n_ctx)));

  // A prompt of P tokens in passes of n_batch: each layer matrix at the prompt rates, causal
  // attention over P(P+1)/2 positions a head, the vector work of every token, the output head
  // for the last row only, and each pass's hand-offs.
  const int64_t P = std::min<int64_t>(512, n_ctx), n_batch = std::clamp<int64_t>(params.n_batch, 1, n_ctx);
  const double tokens = static_cast<double>(P);
  double pp_s = 0;
  for (size_t i = 1; i < s.matrices.size(); ++i) {
    const model::Weight& w = s.matrices[i];
    const TypeRates r = HEFT_TRY(rates(w.type));
    const double cols = static_cast<double>(w.cols);
    pp_s += 2.0 * static_cast<double>(w.rows) * cols * tokens / r.prompt_flops_per_second + tokens * cols * r.prompt_input_seconds;
  }
  pp_s += layers * heads * tokens * (tokens + 1) / 2 * head_s(batch_att->second);
  pp_s += tokens * layers * vector_floats * cal.vector_seconds;
  pp_s += static_cast<double>(s.output.rows) * static_cast<double>(s.output.row_bytes) /
          HEFT_TRY(rates(s.output.type)).decode_bytes_per_second;
  pp_s += static_cast<double>((P + n_batch - 1) / n_batch) * dispatches * cal.dispatch_seconds;
  e.pp_tokens = P;
  e.pp_tokens_per_second = tokens / pp_s;
  return e;
}

}  // namespace heft::store
