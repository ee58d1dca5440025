#pragma once
// What run, chat, perplexity and logits share: opening a model (with its tokenizer), and
// the context options (-c, -t, --cache-type, --batch-size).
#include <memory>
#include <optional>
#include <string>

#include "cli/command.h"
#include "engine/context.h"
#include "engine/sampler.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace heft::cli {

struct LoadedModel {
  std::unique_ptr<model::Model> model;
  std::optional<tokenizer::Tokenizer> tokenizer;
};

// The weights of an opened model file; quantize: a file type name (Q8_0, Q4_K_M, ...) to
// re-encode them to at load (llama-quantize's per-tensor choices); empty: as stored.
util::Result<std::unique_ptr<model::Model>> load_weights(formats::ModelFile&& mf, const std::string& quantize,
                                                         unsigned threads);

// load_weights plus the model's tokenizer.
util::Result<LoadedModel> load_model_and_tokenizer(const std::string& path, const std::string& quantize = {},
                                                   unsigned threads = 0);

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

// The model path default when none is given: the demo model in this repository.
std::string default_model_path();

}  // namespace heft::cli
