#include "session/sampling.h"

#include <cmath>
#include <random>

namespace heft::session {

namespace {

std::string num(double v) {
  std::string s = std::to_string(v);
  while (s.size() > 1 && s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

std::expected<engine::SamplerParams, SettingError> resolve_sampling(const SamplingSettings& s,
                                                                     const formats::Metadata& md, int64_t n_vocab) {
  engine::SamplerParams p;
  auto model_default = [&](const char* key, float fallback) {
    auto v = md.get_float(key);
    return v ? static_cast<float>(*v) : fallback;
  };
  p.temperature = s.temperature.value_or(model_default("general.sampling.temp", 0.8f));
  p.top_k = s.top_k.value_or(static_cast<int32_t>(md.get_int("general.sampling.top_k").value_or(40)));
  p.top_p = s.top_p.value_or(model_default("general.sampling.top_p", 0.95f));
  p.min_p = s.min_p.value_or(model_default("general.sampling.min_p", 0.05f));
  p.typical_p = s.typical_p.value_or(1.0f);
  p.repeat_penalty = s.repeat_penalty.value_or(model_default("general.sampling.penalty_repeat", 1.0f));
  p.presence_penalty = s.presence_penalty;
  p.frequency_penalty = s.frequency_penalty;
  p.penalty_last_n = s.repeat_last_n;
  p.seed = s.seed ? *s.seed : std::random_device{}();
  p.logit_bias = s.logit_bias;

  auto bad = [](std::string field, std::string rule, double got) {
    return std::unexpected(SettingError{field, field + " must be " + rule + " (got " + num(got) + ")"});
  };
  // NaN fails every comparison below: each test is written so that NaN is refused.
  if (!(p.temperature >= 0 && std::isfinite(p.temperature))) return bad("temperature", "0 or more", p.temperature);
  if (!(p.top_p > 0 && p.top_p <= 1)) return bad("top_p", "above 0 and at most 1", p.top_p);
  if (!(p.min_p >= 0 && p.min_p <= 1)) return bad("min_p", "between 0 and 1", p.min_p);
  if (!(p.typical_p > 0 && p.typical_p <= 1)) return bad("typical_p", "above 0 and at most 1", p.typical_p);
  if (!(p.repeat_penalty > 0 && std::isfinite(p.repeat_penalty)))
    return bad("repeat_penalty", "above 0 (1: off)", p.repeat_penalty);
  if (!std::isfinite(p.presence_penalty)) return bad("presence_penalty", "a finite number", p.presence_penalty);
  if (!std::isfinite(p.frequency_penalty)) return bad("frequency_penalty", "a finite number", p.frequency_penalty);
  if (p.penalty_last_n < 0) return bad("repeat_last_n", "0 or more", p.penalty_last_n);
  for (const auto& [id, bias] : p.logit_bias) {
    if (id < 0 || id >= n_vocab)
      return std::unexpected(SettingError{"logit_bias", "logit_bias: token id " + std::to_string(id) +
                                                            " is outside the vocabulary (0.." +
                                                            std::to_string(n_vocab - 1) + ")"});
    if (std::isnan(bias)) return std::unexpected(SettingError{"logit_bias", "logit_bias: a bias is not a number"});
  }
  return p;
}

}  // namespace heft::session
