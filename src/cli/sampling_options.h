#pragma once
// Sampling flags shared by run and chat, with llama.cpp's names and defaults;
// a model's own defaults (general.sampling.*, from generation_config.json)
// apply where the user gave no flag.
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "engine/sampler.h"
#include "formats/metadata.h"
#include "tokenizer/tokenizer.h"

namespace heft::cli {

struct SamplingOptions {
  std::optional<float> temp, top_p, min_p, typical_p, repeat_penalty;
  std::optional<int32_t> top_k;
  float presence_penalty = 0, frequency_penalty = 0;
  int32_t repeat_last_n = 64;
  std::optional<uint64_t> seed;
  std::vector<std::string> logit_bias;  // "ID+BIAS", "ID-BIAS" or "ID=BIAS"

  void add_to(CLI::App* cmd);
  util::Result<engine::SamplerParams> params(const formats::Metadata& md, int64_t n_vocab) const;
};

}  // namespace heft::cli
