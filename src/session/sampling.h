#pragma once
// Sampling settings as a user or a request gives them (each may be unset),
// resolved against the model's own defaults (general.sampling.*, from
// generation_config.json) and llama.cpp's, and validated. An error names the
// setting by the OpenAI API's field name (temperature, top_p, ...), so the
// server can return it as `param`; the CLI maps it to its flag.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/sampler.h"
#include "formats/metadata.h"
#include "util/error.h"

namespace heft::session {

struct SamplingSettings {
  std::optional<float> temperature, top_p, min_p, typical_p, repeat_penalty;
  std::optional<int32_t> top_k;
  float presence_penalty = 0, frequency_penalty = 0;
  int32_t repeat_last_n = 64;
  std::optional<uint64_t> seed;  // unset: a random seed
  std::vector<std::pair<int32_t, float>> logit_bias;
};

struct SettingError {
  std::string field;    // temperature, top_p, min_p, typical_p, top_k, repeat_penalty, presence_penalty,
                        // frequency_penalty, repeat_last_n, logit_bias
  std::string message;  // the whole sentence, naming the field
};

// The sampler's parameters, or the first setting out of range.
std::expected<engine::SamplerParams, SettingError> resolve_sampling(const SamplingSettings& s,
                                                                     const formats::Metadata& md, int64_t n_vocab);

}  // namespace heft::session
