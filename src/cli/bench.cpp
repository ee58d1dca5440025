// `heft bench MODEL [-p 512] [-n 128] [-t THREADS] [-r REPS] [--json]`:
// prompt processing (ppN: N random tokens as one batch) and text generation
// (tgN: N tokens one at a time, logits for each) in tokens per second, as
// llama-bench measures them: a fresh context per test, one warm-up run, then
// repetitions, mean and sample standard deviation. Several values per option
// (-p 128,512) run every combination.
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

#include "cli/command.h"
#include "store/hf_cache.h"
#include "convert/quant_policy.h"
#include "engine/context.h"
#include "formats/open_model.h"
#include "kernels/simd.h"
#include "model/model.h"
#include "util/cpu_info.h"
#include "util/json.h"

namespace heft::cli {

namespace {

struct BenchArgs {
  std::string model;
  std::vector<int64_t> prompt{512}, gen{128};
  std::vector<unsigned> threads;
  int reps = 5;
  std::string cache_type = "f16";
  int64_t n_batch = 512;
  bool json = false;
};

struct Result {
  std::string test;
  int64_t n_prompt = 0, n_gen = 0;
  unsigned threads = 0;
  std::vector<double> ns;  // per repetition
};

std::string file_type_name(const formats::ModelFile& mf) {
  const auto* v = mf.metadata.find("general.file_type");
  if (!v || !v->as_int()) return "?";
  for (std::string_view name : convert::file_type_names())
    if (auto ft = convert::file_type_from_name(name); ft && ft->id == *v->as_int()) return std::string(name);
  return "?";
}

std::string human_params(uint64_t n) {
  if (n >= 1'000'000'000) return fmt::format("{:.2f} B", n / 1e9);
  return fmt::format("{:.2f} M", n / 1e6);
}

uint64_t model_bytes(const formats::ModelFile& mf) {
  uint64_t b = 0;
  for (const auto& t : mf.tensors) b += t.bytes;
  return b;
}

// This process's own peak: the high-water mark of its address space
// (VmHWM). getrusage's ru_maxrss is not: Linux carries the old address
// space's peak across exec, so heft started by a large process (node or
// Python via vfork/posix_spawn) reported that process's size instead.
uint64_t peak_rss_bytes() {
  if (FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    unsigned long long kb = 0;
    bool found = false;
    while (!found && std::fgets(line, sizeof line, f)) found = std::sscanf(line, "VmHWM: %llu kB", &kb) == 1;
    std::fclose(f);
    if (found) return static_cast<uint64_t>(kb) * 1024;
  }
  rusage ru{};  // no /proc (not Linux)
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}
double stddev(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

// Tokens per second of each repetition.
std::vector<double> rates(const Result& r) {
  std::vector<double> ts;
  const double n = static_cast<double>(r.n_prompt + r.n_gen);
  for (double ns : r.ns) ts.push_back(n * 1e9 / ns);
  return ts;
}

util::Result<Result> run_test(const model::Model& m, const BenchArgs& a, unsigned threads, int64_t n_prompt, int64_t n_gen) {
  engine::ContextParams p;
  p.n_ctx = std::max<int64_t>(n_prompt + n_gen, 16);
  p.n_threads = threads;
  p.n_batch = a.n_batch;
  if (a.cache_type == "f32") p.cache_type = engine::CacheType::F32;
  else if (a.cache_type != "f16") return util::fail("--cache-type must be f16 or f32");
  auto ctx = HEFT_TRY(engine::Context::create(m, p));
  std::mt19937 rng(42);
  auto token = [&] { return static_cast<int32_t>(rng() % static_cast<uint32_t>(m.hp.n_vocab)); };
  std::vector<int32_t> prompt(static_cast<size_t>(n_prompt));

  Result r;
  r.n_prompt = n_prompt;
  r.n_gen = n_gen;
  r.threads = threads;
  r.test = n_prompt > 0 ? fmt::format("pp{}", n_prompt) : fmt::format("tg{}", n_gen);
  auto once = [&]() -> util::Result<double> {
    ctx->clear();
    for (auto& t : prompt) t = token();
    const auto t0 = std::chrono::steady_clock::now();
    if (n_prompt > 0) HEFT_TRY(ctx->decode(prompt));
    for (int64_t i = 0; i < n_gen; ++i) {
      const int32_t t = token();
      HEFT_TRY(ctx->decode({&t, 1}));
    }
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  };
  HEFT_TRY(once());  // warm-up: pages of the mapping, caches, the thread pool
  for (int i = 0; i < a.reps; ++i) r.ns.push_back(HEFT_TRY(once()));
  return r;
}

int run_bench(const BenchArgs& a) {
  auto path = store::resolve_model_argument(a.model);
  if (!path) return report(path.error());
  auto mf = formats::open_model(*path);
  if (!mf) return report(mf.error());
  const std::string ftype = file_type_name(*mf);
  const uint64_t params = mf->parameter_count(), size = model_bytes(*mf);
  auto model = model::load_model(std::move(*mf));
  if (!model) return report(model.error());
  const model::Model& m = **model;
  std::string arch = "?";
  if (const auto* v = m.file.metadata.find("general.architecture"); v && v->as_string()) arch = *v->as_string();
  const std::string model_type = fmt::format("{} {} {}", arch, human_params(params), ftype);
  const std::string simd(kernels::simd_name(kernels::simd_target()));
  std::vector<unsigned> threads = a.threads;
  if (threads.empty()) threads.push_back(util::cpu_info().logical_cores);

  std::vector<Result> results;
  for (unsigned t : threads) {
    for (int64_t p : a.prompt)
      if (p > 0) {
        auto r = run_test(m, a, t, p, 0);
        if (!r) return report(r.error());
        results.push_back(std::move(*r));
      }
    for (int64_t n : a.gen)
      if (n > 0) {
        auto r = run_test(m, a, t, 0, n);
        if (!r) return report(r.error());
        results.push_back(std::move(*r));
      }
  }

  const uint64_t rss = peak_rss_bytes();
  if (a.json) {
    util::Json arr = util::Json::array();
    for (const Result& r : results) {
      const auto ts = rates(r);
      util::Json o = util::Json::object();
      o.set("model_filename", util::Json(a.model));
      o.set("model_type", util::Json(model_type));
      o.set("model_size", util::Json(size));
      o.set("model_n_params", util::Json(params));
      o.set("simd", util::Json(simd));
      o.set("cpu_info", util::Json(util::cpu_info().model));
      o.set("n_threads", util::Json(int64_t{r.threads}));
      o.set("n_batch", util::Json(a.n_batch));
      o.set("type_kv", util::Json(a.cache_type));
      o.set("n_prompt", util::Json(r.n_prompt));
      o.set("n_gen", util::Json(r.n_gen));
      o.set("test", util::Json(r.test));
      o.set("avg_ns", util::Json(mean(r.ns)));
      o.set("stddev_ns", util::Json(stddev(r.ns)));
      o.set("avg_ts", util::Json(mean(ts)));
      o.set("stddev_ts", util::Json(stddev(ts)));
      util::Json samples = util::Json::array();
      for (double x : ts) samples.push_back(util::Json(x));
      o.set("samples_ts", std::move(samples));
      o.set("peak_rss_bytes", util::Json(rss));
      arr.push_back(std::move(o));
    }
    fmt::print("{}\n", arr.dump(2));
    return 0;
  }
  fmt::print("| model | size | params | simd | threads | test | t/s |\n");
  fmt::print("| --- | ---: | ---: | --- | ---: | ---: | ---: |\n");
  for (const Result& r : results) {
    const auto ts = rates(r);
    fmt::print("| {} | {:.2f} MiB | {} | {} | {} | {} | {:.2f} ± {:.2f} |\n", model_type, static_cast<double>(size) / (1 << 20),
               human_params(params), simd, r.threads, r.test, mean(ts), stddev(ts));
  }
  fmt::print("\npeak resident memory: {:.1f} MiB\n", static_cast<double>(rss) / (1 << 20));
  return 0;
}

}  // namespace

Action add_bench(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "Measure prompt processing (pp) and generation (tg) speed, like llama-bench");
  auto a = std::make_shared<BenchArgs>();
  cmd->add_option("model,-m,--model", a->model, "Model file (GGUF, safetensors, HF folder); or ORG/NAME[:QUANT] in the Hugging Face cache, or ollama:NAME[:TAG]")->required();
  cmd->add_option("-p,--n-prompt", a->prompt, "Prompt lengths, comma-separated; 0 skips")->delimiter(',')->capture_default_str();
  cmd->add_option("-n,--n-gen", a->gen, "Generation lengths, comma-separated; 0 skips")->delimiter(',')->capture_default_str();
  cmd->add_option("-t,--threads", a->threads, "Thread counts, comma-separated (default: all logical cores)")->delimiter(',');
  cmd->add_option("-r,--repetitions", a->reps, "Repetitions of each test")->capture_default_str()->check(CLI::Range(1, 1000));
  cmd->add_option("--cache-type", a->cache_type, "KV cache type: f16 or f32")->capture_default_str();
  cmd->add_option("-b,--batch-size", a->n_batch, "Prompt tokens per forward pass")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  cmd->add_flag("--json", a->json, "Print a JSON array, one object per test (llama-bench's field names)");
  return [a] { return run_bench(*a); };
}

}  // namespace heft::cli
