#include "cli/model_options.h"

#include "cli/sampling_options.h"

namespace heft::cli {

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
  g.loaded = HEFT_TRY(session::load_model(model_path, ctx.quantize, ctx.threads));
  g.ctx = HEFT_TRY(engine::Context::create(*g.loaded.model, HEFT_TRY(ctx.params())));
  const engine::SamplerParams sp = HEFT_TRY(sampling.params(g.loaded.model->file.metadata, g.ctx->n_vocab()));
  g.seed = sp.seed;
  g.sampler = std::make_unique<engine::Sampler>(sp, g.ctx->n_vocab());
  return g;
}

}  // namespace heft::cli
