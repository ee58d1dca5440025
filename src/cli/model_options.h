#pragma once
// What run, chat, perplexity and logits share: the context options (-c, -t, --cache-type, --batch-size).
#include <memory>
#include <optional>
#include <string>

#include "cli/command.h"
#include "engine/context.h"
#include "engine/sampler.h"
#include "model/model.h"
#include "session/model_loader.h"
#include "tokenizer/tokenizer.h"

namespace heft::cli {

using session::LoadedModel;
using session::default_model_path;
using session::load_weights;

struct ContextOptions {
  int64_t n_ctx = 0;
  unsigned threads = 0;
  std::string cache_type = "f16";
  int64_t n_batch = 512;
  std::string quantize;

  void add_to(CLI::App* cmd);
  util::Result<engine::ContextParams> params() const;
};

struct SamplingOptions;

// A model ready to generate: weights, tokenizer, a context and a sampler.
struct GenerationSetup {
  LoadedModel loaded;
  std::unique_ptr<engine::Context> ctx;
  std::unique_ptr<engine::Sampler> sampler;
  uint64_t seed = 0;
};
util::Result<GenerationSetup> prepare_generation(const std::string& model_path, const ContextOptions& ctx,
                                                 const SamplingOptions& sampling);

}  // namespace heft::cli
