// `heft perplexity MODEL -f TEXT_FILE [-c CTX]`: llama-perplexity's method and numbers.
#include <fmt/format.h>

#include "cli/command.h"
#include "cli/model_options.h"
#include "engine/perplexity.h"
#include "util/json.h"
#include "util/mapped_file.h"
#include "util/progress.h"

namespace heft::cli {

namespace {

struct PerplexityArgs {
  std::string model, file;
  int64_t chunk_ctx = 512;
  bool json = false;
  ContextOptions ctx;
};

int run_perplexity(const PerplexityArgs& a) {
  auto text = util::read_file(a.file);
  if (!text) return report(text.error());
  auto loaded = session::load_model(a.model, a.ctx.quantize, a.ctx.threads);
  if (!loaded) return report(loaded.error());
  const auto& tok = *loaded->tokenizer;
  auto cparams = a.ctx.params();
  if (!cparams) return report(cparams.error());
  cparams->n_ctx = a.chunk_ctx;
  auto ctx = engine::Context::create(*loaded->model, *cparams);
  if (!ctx) return report(ctx.error());
  // As llama-perplexity: the whole text with the model's BOS; each chunk starts with BOS.
  std::vector<int32_t> ids = tok.encode(*text, {.add_special = true, .parse_special = true});
  const int32_t bos = tok.adds_bos() ? tok.bos() : -1;
  util::Progress bar("perplexity", static_cast<uint64_t>(ids.size()) / static_cast<uint64_t>(std::max<int64_t>(1, a.chunk_ctx)));
  auto r = engine::perplexity(**ctx, ids, a.chunk_ctx, bos, [&](int64_t done, int64_t) { bar.update(static_cast<uint64_t>(done)); });
  bar.finish();
  if (!r) return report(r.error());
  if (a.json) {
    util::Json doc = util::Json::object();
    doc.set("perplexity", util::Json(r->perplexity));
    doc.set("uncertainty", util::Json(r->uncertainty));
    doc.set("chunks", util::Json(r->chunks));
    doc.set("tokens_scored", util::Json(r->tokens_scored));
    doc.set("n_ctx", util::Json(a.chunk_ctx));
    util::Json running = util::Json::array();
    for (double v : r->running) running.push_back(util::Json(v));
    doc.set("running_estimate_per_chunk", std::move(running));
    fmt::print("{}\n", doc.dump(2));
  } else {
    for (size_t i = 0; i < r->running.size(); ++i) fmt::print("[{}]{:.4f},", i + 1, r->running[i]);
    fmt::print("\nFinal estimate: PPL = {:.4f} +/- {:.5f}\n", r->perplexity, r->uncertainty);
  }
  return 0;
}

}  // namespace

Action add_perplexity(CLI::App& app) {
  auto a = std::make_shared<PerplexityArgs>();
  auto* cmd = app.add_subcommand("perplexity", "Perplexity of a text, by llama-perplexity's method (comparable numbers)");
  cmd->add_option("model", a->model, "A .gguf, Hugging Face folder or llama2.c .bin; or ORG/NAME[:QUANT] in the Hugging Face cache, or ollama:NAME[:TAG] (default: the demo model)");
  cmd->add_option("-m,--model", a->model, "Same as MODEL");
  cmd->add_option("-f,--file", a->file, "The text file")->required();
  a->ctx.add_to(cmd);
  cmd->remove_option(cmd->get_option("--ctx-size"));
  cmd->add_option("-c,--ctx-size", a->chunk_ctx, "Chunk size in tokens; the second half of each chunk is scored")
      ->capture_default_str();
  cmd->add_flag("--json", a->json, "Print JSON: perplexity, uncertainty, chunks, tokens_scored, running_estimate_per_chunk");
  return [a] { return run_perplexity(*a); };
}

}  // namespace heft::cli
