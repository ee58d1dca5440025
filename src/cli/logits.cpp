// `heft logits MODEL --ids 1,2,3 [--out FILE.npy|FILE.json]`: the raw logits at
// every position of a token sequence (teacher forcing, one forward pass per
// --batch-size tokens), for differential tests against independent references
// (tests/reference/: a NumPy forward pass, llama.cpp).
#include <fmt/format.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/command.h"
#include "store/hf_cache.h"
#include "cli/model_options.h"
#include "formats/open_model.h"

namespace heft::cli {

namespace {

struct LogitsArgs {
  std::string model, ids, out;
  ContextOptions ctx;
};

util::Result<std::vector<int32_t>> parse_ids(std::string_view s) {
  std::vector<int32_t> ids;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ',' || s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
      ++i;
      continue;
    }
    int32_t v = 0;
    auto [end, ec] = std::from_chars(s.data() + i, s.data() + s.size(), v);
    const size_t stop = static_cast<size_t>(end - s.data());
    const bool separated = stop == s.size() || s[stop] == ',' || s[stop] == ' ' || s[stop] == '\t' ||
                           s[stop] == '\n' || s[stop] == '\r';
    if (ec != std::errc() || !separated) {
      size_t e = s.find_first_of(", \t\r\n", i);
      return util::fail("--ids: '" + std::string(s.substr(i, e == std::string_view::npos ? e : e - i)) +
                        "' is not a token id");
    }
    ids.push_back(v);
    i = stop;
  }
  if (ids.empty()) return util::fail("--ids: no token ids");
  return ids;
}

// NumPy .npy, version 1.0: float32 little-endian, C order, shape (rows, cols).
std::string npy_bytes(const engine::Context& ctx, int64_t rows) {
  static_assert(std::endian::native == std::endian::little, "the .npy writer assumes a little-endian host");
  const int64_t cols = ctx.n_vocab();
  std::string header = fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}", rows, cols);
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  for (int64_t r = 0; r < rows; ++r)
    out.append(reinterpret_cast<const char*>(ctx.logits(r)), static_cast<size_t>(cols) * sizeof(float));
  return out;
}

// {"n_vocab": V, "ids": [...], "argmax": [...], "logits": [[...], ...]}; a non-finite logit is null.
std::string json_text(const engine::Context& ctx, const std::vector<int32_t>& ids) {
  const int64_t cols = ctx.n_vocab();
  std::string out = fmt::format("{{\"n_vocab\": {}, \"ids\": [{}], \"argmax\": [", cols, fmt::join(ids, ", "));
  for (size_t r = 0; r < ids.size(); ++r) {
    const float* row = ctx.logits(static_cast<int64_t>(r));
    int64_t best = 0;
    for (int64_t j = 1; j < cols; ++j)
      if (row[j] > row[best]) best = j;
    out += fmt::format("{}{}", r ? ", " : "", best);
  }
  out += "],\n\"logits\": [";
  for (size_t r = 0; r < ids.size(); ++r) {
    const float* row = ctx.logits(static_cast<int64_t>(r));
    out += r ? ",\n[" : "\n[";
    for (int64_t j = 0; j < cols; ++j) {
      if (j) out += ',';
      if (std::isfinite(row[j])) fmt::format_to(std::back_inserter(out), "{}", row[j]);
      else out += "null";
    }
    out += ']';
  }
  out += "]}\n";
  return out;
}

util::Result<void> write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return util::fail("cannot create the file", path);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  f.close();
  if (!f) return util::fail("cannot write the file", path);
  return {};
}

int run_logits(const LogitsArgs& a) {
  auto ids = parse_ids(a.ids);
  if (!ids) return report(ids.error());
  auto path = store::resolve_model_argument(a.model.empty() ? default_model_path() : a.model);
  if (!path) return report(path.error());
  auto mf = formats::open_model(*path);
  if (!mf) return report(mf.error());
  auto model = load_weights(std::move(*mf), a.ctx.quantize, a.ctx.threads);
  if (!model) return report(model.error());
  auto cparams = a.ctx.params();
  if (!cparams) return report(cparams.error());
  auto ctx = engine::Context::create(**model, *cparams);
  if (!ctx) return report(ctx.error());
  if (auto r = (*ctx)->decode(*ids, /*all_logits=*/true); !r) return report(r.error());

  const bool npy = std::filesystem::path(a.out).extension() == ".npy";
  const std::string bytes = npy ? npy_bytes(**ctx, static_cast<int64_t>(ids->size())) : json_text(**ctx, *ids);
  if (a.out.empty() || a.out == "-") {
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
    std::fflush(stdout);
    return 0;
  }
  if (auto r = write_file(a.out, bytes); !r) return report(r.error());
  return 0;
}

}  // namespace

Action add_logits(CLI::App& app) {
  auto a = std::make_shared<LogitsArgs>();
  auto* cmd = app.add_subcommand(
      "logits", "Raw logits at every position of a token-id sequence (teacher forcing), for comparing with references");
  cmd->add_option("model", a->model, "A .gguf, Hugging Face folder or llama2.c .bin; or ORG/NAME[:QUANT] in the Hugging Face cache, or ollama:NAME[:TAG] (default: the demo model)");
  cmd->add_option("-m,--model", a->model, "Same as MODEL");
  cmd->add_option("--ids", a->ids, "Token ids, separated by commas or spaces (no BOS is added)")->required();
  cmd->add_option("-o,--out", a->out,
                  "Write here instead of stdout: FILE.npy for a float32 array (tokens x vocabulary), else JSON "
                  "{n_vocab, ids, argmax, logits}");
  a->ctx.cache_type = "f32";  // a reference tool: no rounding of K and V unless asked for
  a->ctx.add_to(cmd);
  return [a] { return run_logits(*a); };
}

}  // namespace heft::cli
