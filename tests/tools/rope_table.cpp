// heft_rope_table MODEL --positions 0,1,100 [--ctx N] [--vectors FILE]: the
// RoPE cos/sin table heft's forward pass uses for a model file, for each
// parameter set its layers use (global, and sliding-window when some layer
// slides), as JSON on stdout; with --vectors (float32, one row of n_rot values
// per position), also those rows rotated by the global set, GGUF-llama and
// NeoX style. tests/reference/yarn_rope_numpy.py and rope_ggml.py compare them
// with NumPy and with ggml; a test-only tool, so the heft CLI keeps to
// user-facing commands.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/rope_layers.h"
#include "formats/open_model.h"
#include "model/model.h"

using namespace heft;

namespace {

int fail(const std::string& msg) {
  std::fprintf(stderr, "heft_rope_table: %s\n", msg.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path, positions_arg, vectors_path;
  int64_t n_ctx = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--positions" && i + 1 < argc) positions_arg = argv[++i];
    else if (a == "--ctx" && i + 1 < argc) n_ctx = std::strtoll(argv[++i], nullptr, 10);
    else if (a == "--vectors" && i + 1 < argc) vectors_path = argv[++i];
    else if (path.empty() && !a.starts_with("--")) path = a;
    else return fail("usage: heft_rope_table MODEL --positions P1,P2,... [--ctx N]");
  }
  if (path.empty() || positions_arg.empty()) return fail("usage: heft_rope_table MODEL --positions P1,P2,... [--ctx N]");
  std::vector<long long> positions;
  for (size_t i = 0; i < positions_arg.size();) {
    size_t j = positions_arg.find(',', i);
    positions.push_back(std::stoll(positions_arg.substr(i, j == std::string::npos ? j : j - i)));
    i = j == std::string::npos ? positions_arg.size() : j + 1;
  }
  auto mf = formats::open_model(path);
  if (!mf) return fail(mf.error().to_string());
  auto m = model::load_model(std::move(*mf));
  if (!m) return fail(m.error().to_string());
  const auto& hp = (*m)->hp;
  if (n_ctx <= 0) n_ctx = hp.n_ctx_train;
  const int64_t n_rot = hp.n_rot;
  std::printf("{\"n_rot\": %lld, \"sets\": [", static_cast<long long>(n_rot));
  const bool any_swa = hp.n_swa > 0;
  std::vector<float> cache(static_cast<size_t>(n_rot));
  for (int set = 0; set < (any_swa ? 2 : 1); ++set) {
    const engine::RopeParams p = engine::layer_rope_params(**m, n_ctx, set == 1);
    const engine::YarnCorrDims corr = engine::yarn_corr_dims(static_cast<int>(n_rot), p.n_ctx_orig, p.base, p.beta_fast, p.beta_slow);
    std::printf("%s\n{\"swa\": %s, \"base\": %.9g, \"freq_scale\": %.9g, \"ext_factor\": %.9g, \"attn_factor\": %.9g, "
                "\"beta_fast\": %.9g, \"beta_slow\": %.9g, \"n_ctx_orig\": %d, \"corr_low\": %.9g, \"corr_high\": %.9g, "
                "\"factors\": %s, \"rows\": [",
                set ? "," : "", set ? "true" : "false", p.base, p.freq_scale, p.ext_factor, p.attn_factor, p.beta_fast,
                p.beta_slow, p.n_ctx_orig, corr.low, corr.high, p.factors ? "true" : "false");
    for (size_t r = 0; r < positions.size(); ++r) {
      engine::rope_cache(cache.data(), n_rot, static_cast<float>(positions[r]), p);
      std::printf("%s\n[", r ? "," : "");
      for (int64_t i = 0; i < n_rot; ++i) std::printf("%s%.9g", i ? ", " : "", cache[static_cast<size_t>(i)]);
      std::printf("]");
    }
    std::printf("]}");
  }
  std::printf("]");
  if (!vectors_path.empty()) {
    std::vector<float> x(positions.size() * static_cast<size_t>(n_rot));
    std::ifstream f(vectors_path, std::ios::binary);
    if (!f.read(reinterpret_cast<char*>(x.data()), static_cast<std::streamsize>(x.size() * sizeof(float))))
      return fail(vectors_path + ": expected " + std::to_string(x.size()) + " float32 values");
    const engine::RopeParams p = engine::layer_rope_params(**m, n_ctx, false);
    for (const char* style : {"normal", "neox"}) {
      std::printf(",\n\"%s\": [", style);
      for (size_t r = 0; r < positions.size(); ++r) {
        engine::rope_cache(cache.data(), n_rot, static_cast<float>(positions[r]), p);
        std::vector<float> row(x.begin() + static_cast<long>(r * n_rot), x.begin() + static_cast<long>((r + 1) * n_rot));
        if (std::string_view(style) == "neox") engine::rope_apply_neox(row.data(), cache.data(), n_rot);
        else engine::rope_apply_normal(row.data(), cache.data(), n_rot);
        std::printf("%s\n[", r ? "," : "");
        for (int64_t i = 0; i < n_rot; ++i) std::printf("%s%.9g", i ? ", " : "", row[static_cast<size_t>(i)]);
        std::printf("]");
      }
      std::printf("]");
    }
  }
  std::printf(",\n\"positions\": [");
  for (size_t r = 0; r < positions.size(); ++r) std::printf("%s%lld", r ? ", " : "", positions[r]);
  std::printf("]}\n");
  return 0;
}
