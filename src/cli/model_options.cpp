#include "cli/model_options.h"

#include <unistd.h>

#include <filesystem>

#include "cli/sampling_options.h"
#include "convert/quantize_in_memory.h"
#include "formats/open_model.h"
#include "model/hf_names.h"

namespace heft::cli {

util::Result<std::unique_ptr<model::Model>> load_weights(formats::ModelFile&& mf, const std::string& quantize,
                                                         unsigned threads) {
  if (!quantize.empty()) {
    auto ft = convert::file_type_from_name(quantize);
    if (!ft) return util::fail("--quantize: unknown type '" + quantize + "'");
    mf = HEFT_TRY(model::map_hf_model(std::move(mf)));
    HEFT_TRY(convert::quantize_in_memory(mf, *ft, threads));
  }
  return model::load_model(std::move(mf));
}

util::Result<LoadedModel> load_model_and_tokenizer(const std::string& path, const std::string& quantize,
                                                   unsigned threads) {
  auto mf = HEFT_TRY(formats::open_model(path));
  LoadedModel out;
  out.tokenizer = HEFT_TRY(tokenizer::load_tokenizer(mf));
  out.model = HEFT_TRY(load_weights(std::move(mf), quantize, threads));
  // Real checkpoints often pad the embedding matrix past the tokenizer's last id; the reverse cannot work.
  if (out.tokenizer->n_vocab() > out.model->hp.n_vocab)
    return util::fail("the tokenizer has " + std::to_string(out.tokenizer->n_vocab()) + " tokens but the model only " +
                          std::to_string(out.model->hp.n_vocab),
                      path);
  return out;
}

void ContextOptions::add_to(CLI::App* cmd) {
  cmd->add_option("-c,--ctx-size", n_ctx, "Context size in tokens (default: the model's, at most 4096)");
  cmd->add_option("-t,--threads", threads, "Threads (default: all cores)");
  cmd->add_option("--cache-type", cache_type, "KV cache type: f16 or f32")->capture_default_str();
  cmd->add_option("-b,--batch-size", n_batch, "Prompt tokens per forward pass")->capture_default_str();
  cmd->add_option("--quantize", quantize, "Re-encode the weights at load, e.g. Q8_0 or Q4_K_M (llama-quantize's choices)");
}

util::Result<engine::ContextParams> ContextOptions::params() const {
  engine::ContextParams p;
  p.n_ctx = n_ctx;
  p.n_threads = threads;
  p.n_batch = n_batch;
  if (cache_type == "f16") p.cache_type = engine::CacheType::F16;
  else if (cache_type == "f32") p.cache_type = engine::CacheType::F32;
  else return util::fail("--cache-type must be f16 or f32, not '" + cache_type + "'");
  if (n_ctx < 0) return util::fail("--ctx-size must not be negative");
  if (n_batch <= 0) return util::fail("--batch-size must be positive");
  return p;
}

util::Result<GenerationSetup> prepare_generation(const std::string& model_path, const ContextOptions& ctx,
                                                 const SamplingOptions& sampling) {
  GenerationSetup g;
  const std::string path = model_path.empty() ? default_model_path() : model_path;
  g.loaded = HEFT_TRY(load_model_and_tokenizer(path, ctx.quantize, ctx.threads));
  g.ctx = HEFT_TRY(engine::Context::create(*g.loaded.model, HEFT_TRY(ctx.params())));
  const engine::SamplerParams sp = HEFT_TRY(sampling.params(g.loaded.model->file.metadata, g.ctx->n_vocab()));
  g.seed = sp.seed;
  g.sampler = std::make_unique<engine::Sampler>(sp, g.ctx->n_vocab());
  return g;
}

std::string default_model_path() {
  // Next to the binary's source tree (build/heft → models/), else the working directory.
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
    fs::path candidate = dir / "models" / "tinystories-656k-q8_0.gguf";
    if (fs::exists(candidate, ec)) return candidate.string();
  }
  return "models/tinystories-656k-q8_0.gguf";
}

}  // namespace heft::cli
