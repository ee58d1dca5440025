#pragma once
// Sampling flags shared by run and chat, with llama.cpp's names and defaults;
// a model's own defaults (general.sampling.*, from generation_config.json)
// apply where the user gave no flag.
#include <string>
#include <vector>

#include "cli/command.h"
#include "engine/sampler.h"
#include "formats/metadata.h"
#include "session/sampling.h"
#include "tokenizer/tokenizer.h"

namespace heft::cli {

struct SamplingOptions {
  session::SamplingSettings settings;   // what the flags set (logit biases apart)
  std::vector<std::string> logit_bias;  // "ID+BIAS", "ID-BIAS" or "ID=BIAS"

  void add_to(CLI::App* cmd);
  util::Result<engine::SamplerParams> params(const formats::Metadata& md, int64_t n_vocab) const;
};

}  // namespace heft::cli
