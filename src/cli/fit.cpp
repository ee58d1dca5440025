// `heft fit MODEL [-c N] [--parallel N] [--cache-type f16|f32] [-t N] [--json]`:
// will the model run here, and how fast? Memory predicted from the model's
// header (store/fit.h), speed from the kernels' measured rates
// (store/fit_speed.h). For a repository with several GGUF quantizations and
// none named, every one is sized and the best that fits is chosen; one not
// pulled is sized from its files' headers, fetched from the Hub.
#include <fmt/format.h>

#include <filesystem>

#include "cli/command.h"
#include "cli/units.h"
#include "store/fit.h"
#include "store/fit_speed.h"
#include "store/hf_cache.h"
#include "store/hub_api.h"
#include "store/remote_model.h"
#include "util/json.h"

namespace heft::cli {

namespace {

namespace fs = std::filesystem;

struct FitArgs {
  std::string model, cache_type = "f16", token_file;
  store::FitParams params;
  bool json = false, recalibrate = false, no_speed = false;
};

// The candidates MODEL names: the file or folder itself, else in the Hugging
// Face cache what it resolves to, or for ORG/NAME without a quantization that
// holds several GGUFs, each of them (a split one by its first part); a
// repository not in the cache is read from the Hub, headers only.
util::Result<std::vector<store::FitModel>> candidates(const std::string& arg, const std::string& token_file) {
  std::vector<store::FitModel> out;
  auto path = store::resolve_model_argument(arg);
  if (path) {
    out.push_back(HEFT_TRY(store::fit_model(*path)));
    return out;
  }
  auto ref = store::parse_repo_ref(arg);
  if (!ref) return std::unexpected(path.error());
  const std::string cache = store::hub_cache_dir();
  auto commit = store::resolve_revision(cache, *ref);
  if (!commit) {
    // Not pulled: each GGUF's first megabytes from the Hub (HF_HUB_OFFLINE: the store's answer).
    auto hub = store::hub_config(token_file);
    if (!hub) return std::unexpected(hub.error());
    if (hub->offline) return std::unexpected(path.error());
    out = HEFT_TRY(store::remote_fit_models(*hub, *ref));
    if (out.empty()) return util::fail(ref->repo + " has no GGUF file to size");
    return out;
  }
  if (!ref->selector.empty()) return std::unexpected(path.error());
  const fs::path snap = fs::path(cache) / store::repo_folder(ref->repo) / "snapshots" / *commit;
  for (const std::string& f : store::snapshot_files(snap.string())) {
    std::string lower = f;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!lower.ends_with(".gguf") || store::split_part(f) > 1) continue;  // a split file by its first part
    auto model = store::fit_model((snap / f).string());
    if (!model) return std::unexpected(model.error());
    model->name = f;
    out.push_back(std::move(*model));
  }
  if (out.size() < 2) return std::unexpected(path.error());
  return out;
}

std::string rate(double tokens_per_second) {
  return tokens_per_second >= 100 ? fmt::format("{:.0f}", tokens_per_second) : fmt::format("{:.1f}", tokens_per_second);
}

int run_fit(FitArgs a) {
  // This process before it loads anything: the same binary and libraries a run has.
  a.params.process_bytes = store::process_resident_bytes();
  if (a.cache_type == "f32") a.params.cache_type = engine::CacheType::F32;
  else if (a.cache_type != "f16") return report(util::Error("--cache-type must be f16 or f32, not '" + a.cache_type + "'"));

  auto models = candidates(a.model, a.token_file);
  if (!models) return report(models.error());
  const uint64_t available = store::available_memory();
  const store::QuantChoice choice = store::choose_quant(*models, a.params, available);
  // The one reported: the best that fits, else the smallest that can run.
  std::optional<size_t> shown = choice.best;
  for (size_t i = 0; i < models->size() && !choice.best; ++i)
    if (choice.estimates[i] && (!shown || choice.estimates[i]->total() < choice.estimates[*shown]->total())) shown = i;
  if (!shown) return report(choice.estimates.front().error());
  const store::FitModel& model = (*models)[*shown];
  const store::MemoryEstimate& mem = *choice.estimates[*shown];
  const bool fits = mem.total() <= available;

  std::optional<store::SpeedEstimate> speed;
  std::optional<store::Calibration> cal;
  if (!a.no_speed) {
    auto types = store::matmul_types(model);
    if (!types) return report(types.error());
    auto c = store::calibrate(*types, a.params.cache_type, mem.threads, a.recalibrate);
    if (!c) return report(c.error());
    auto s = store::estimate_speed(model, a.params, *c);
    if (!s) return report(s.error());
    cal = std::move(*c);
    speed = *s;
  }

  if (a.json) {
    util::Json o = util::Json::object();
    o.set("model", util::Json(model.name));
    o.set("memory_bytes", util::Json(mem.total()));
    o.set("weights_bytes", util::Json(mem.weights_bytes));
    o.set("kv_bytes", util::Json(mem.kv_bytes));
    o.set("scratch_bytes", util::Json(mem.scratch_bytes));
    o.set("tokenizer_bytes", util::Json(mem.tokenizer_bytes));
    o.set("baseline_bytes", util::Json(mem.baseline_bytes));
    o.set("available_bytes", util::Json(available));
    o.set("fits", util::Json(fits));
    o.set("n_ctx", util::Json(mem.n_ctx));
    o.set("parallel", util::Json(a.params.parallel));
    o.set("kv_tokens", util::Json(mem.kv_rows));
    o.set("cache_type", util::Json(a.cache_type));
    o.set("threads", util::Json(int64_t{mem.threads}));
    if (speed) {
      o.set("pp_tokens", util::Json(speed->pp_tokens));
      o.set("pp_tokens_per_second", util::Json(speed->pp_tokens_per_second));
      o.set("tg_tokens_per_second", util::Json(speed->tg_tokens_per_second));
      o.set("tg_full_context_tokens_per_second", util::Json(speed->tg_full_tokens_per_second));
      o.set("bandwidth_bytes_per_second", util::Json(cal->bandwidth_bytes_per_second));
      o.set("calibration_seconds", util::Json(cal->seconds_measuring));
    }
    if (models->size() > 1) {
      util::Json list = util::Json::array();
      for (size_t i = 0; i < models->size(); ++i) {
        util::Json c = util::Json::object();
        c.set("model", util::Json((*models)[i].name));
        if (const auto& e = choice.estimates[i]) {
          c.set("memory_bytes", util::Json(e->total()));
          c.set("weights_bytes", util::Json(e->weights_bytes));
          c.set("fits", util::Json(e->total() <= available));
        } else {
          c.set("error", util::Json(e.error().to_string()));
        }
        list.push_back(std::move(c));
      }
      o.set("candidates", std::move(list));
      o.set("best", choice.best ? util::Json((*models)[*choice.best].name) : util::Json());
    }
    fmt::print("{}\n", o.dump(2));
    return 0;
  }

  if (models->size() > 1) {
    fmt::print("{:<56} {:>10} {:>10}  {}\n", "FILE", "WEIGHTS", "TOTAL", "FITS");
    for (size_t i = 0; i < models->size(); ++i) {
      const auto& e = choice.estimates[i];
      if (!e) fmt::print("{:<56} {}\n", (*models)[i].name, e.error().message);
      else
        fmt::print("{:<56} {:>10} {:>10}  {}{}\n", (*models)[i].name, human_bytes(e->weights_bytes), human_bytes(e->total()),
                   e->total() <= available ? "yes" : "no", choice.best == i ? "  <- best that fits" : "");
    }
    fmt::print("\n");
  }
  fmt::print("model:      {}\n", model.name);
  fmt::print("context:    {} tokens x {} sequence{} (KV cache {}, {} cache rows), {} threads\n", mem.n_ctx, a.params.parallel,
             a.params.parallel > 1 ? "s" : "", a.cache_type, mem.kv_rows, mem.threads);
  fmt::print("weights:    {:>10}  (the file as mapped{})\n", human_bytes(mem.weights_bytes),
             model.copied_bytes ? fmt::format(", {} copied at load", human_bytes(model.copied_bytes)) : "");
  fmt::print("KV cache:   {:>10}\n", human_bytes(mem.kv_bytes));
  fmt::print("scratch:    {:>10}  (activations, logits, samplers)\n", human_bytes(mem.scratch_bytes));
  fmt::print("tokenizer:  {:>10}\n", human_bytes(mem.tokenizer_bytes));
  fmt::print("process:    {:>10}\n", human_bytes(mem.baseline_bytes));
  fmt::print("total:      {:>10}  predicted peak resident memory\n", human_bytes(mem.total()));
  fmt::print("available:  {:>10}\n", human_bytes(available));
  fmt::print("fits:       {}\n", fits ? fmt::format("yes ({:.0f}% of what is available)", 100.0 * static_cast<double>(mem.total()) /
                                                                                              static_cast<double>(std::max<uint64_t>(available, 1)))
                                      : "no");
  if (speed)
    fmt::print("speed:      pp{} ~{} tokens/s, tg128 ~{} tokens/s ({} with the context full); memory {:.1f} GB/s{}\n",
               speed->pp_tokens, rate(speed->pp_tokens_per_second), rate(speed->tg_tokens_per_second),
               rate(speed->tg_full_tokens_per_second), cal->bandwidth_bytes_per_second / 1e9,
               cal->seconds_measuring > 0 ? fmt::format(" (measured now in {:.1f} s; cached in {})", cal->seconds_measuring,
                                                        store::calibration_path())
                                          : "");
  return 0;
}

}  // namespace

Action add_fit(CLI::App& app) {
  auto a = std::make_shared<FitArgs>();
  auto* cmd = app.add_subcommand("fit", "Will a model run here? Predicted peak memory (weights, KV cache, scratch) against "
                                        "what is available, and expected prompt and generation speed");
  cmd->add_option("model", a->model, "A .gguf, Hugging Face folder or ORG/NAME[:QUANT], in the Hugging Face cache or "
                                     "else on the Hub (headers only); without :QUANT every GGUF is sized and the best "
                                     "that fits chosen")
      ->required();
  cmd->add_option("-c,--ctx-size", a->params.n_ctx, "Context size in tokens (default: the model's, at most 4096, as heft run)");
  cmd->add_option("--parallel", a->params.parallel,
                  "Sequences at once, as heft serve --parallel runs them (its default is 8; passes of 512 rows)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 16));
  cmd->add_option("--cache-type", a->cache_type, "KV cache type: f16 or f32")->capture_default_str();
  cmd->add_option("-b,--batch-size", a->params.n_batch, "Prompt tokens per forward pass")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  cmd->add_option("-t,--threads", a->params.threads, "Threads (default: all logical cores)");
  auto* recalibrate = cmd->add_flag("--recalibrate", a->recalibrate, "Measure this machine's kernel and memory speeds again");
  cmd->add_flag("--no-speed", a->no_speed, "Memory only: no speed estimate (nothing is measured)")->excludes(recalibrate);
  cmd->add_flag("--json", a->json,
                "Print one JSON object: memory_bytes (predicted peak resident memory), weights_bytes, kv_bytes, "
                "scratch_bytes, tokenizer_bytes, baseline_bytes, available_bytes, fits, n_ctx, parallel, kv_tokens, "
                "threads, pp_tokens, pp_tokens_per_second, tg_tokens_per_second, tg_full_context_tokens_per_second, "
                "bandwidth_bytes_per_second; with several quantizations, candidates and best");
  return [a] { return run_fit(*a); };
}

}  // namespace heft::cli
