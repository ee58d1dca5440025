#include "store/fit.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "engine/context.h"
#include "formats/open_model.h"
#include "store/hf_cache.h"
#include "model/hf_names.h"
#include "store/fit_shape.h"
#include "tokenizer/tokenizer.h"
#include "util/mapped_file.h"

namespace heft::store {

namespace fs = std::filesystem;
using formats::GgmlType;

namespace {

// A field of /proc/self/status in bytes ("RssAnon:   1234 kB"), 0 when absent.
uint64_t status_bytes(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(key) + ":";
  while (std::getline(in, line))
    if (line.starts_with(prefix)) return std::strtoull(line.c_str() + prefix.size(), nullptr, 10) * 1024;
  return 0;
}

// The heap the run keeps for the metadata and the tokenizer, measured as this
// process's anonymous resident growth while building them (the copy of the
// metadata stands for the one the run's ModelFile holds).
util::Result<uint64_t> measure_tokenizer_bytes(const formats::ModelFile& mf) {
  const uint64_t before = status_bytes("RssAnon");
  formats::Metadata copy = mf.metadata;
  auto tok = HEFT_TRY(tokenizer::load_tokenizer(mf));
  const uint64_t after = status_bytes("RssAnon");
  if (before > 0 && after > 0) return after > before ? after - before : 0;
  // No /proc: what the metadata's strings and arrays hold, twice (the copy and the vocabulary).
  uint64_t bytes = 0;
  for (const auto& [key, v] : copy.entries()) {
    bytes += key.size() + v.packed.size() + v.strings.size() * 40;
    for (const auto& s : v.strings) bytes += s.size();
  }
  return 2 * bytes;
}

// Measured once per vocabulary in a process: the quantizations of one model share
// it, and a second build would reuse memory the first freed and measure less.
util::Result<uint64_t> tokenizer_bytes(const formats::ModelFile& mf) {
  uint64_t key = 1469598103934665603ull;  // FNV-1a over the tokenizer.* keys' sizes
  for (const auto& [k, v] : mf.metadata.entries()) {
    if (!k.starts_with("tokenizer.")) continue;
    for (uint64_t x : {static_cast<uint64_t>(k.size()), static_cast<uint64_t>(v.packed.size()), static_cast<uint64_t>(v.strings.size())})
      key = (key ^ x) * 1099511628211ull;
    for (const auto& str : v.strings) key = (key ^ str.size()) * 1099511628211ull;
  }
  static std::mutex mu;
  static std::map<uint64_t, uint64_t> measured;
  std::lock_guard lk(mu);
  if (auto it = measured.find(key); it != measured.end()) return it->second;
  const uint64_t bytes = HEFT_TRY(measure_tokenizer_bytes(mf));
  measured.emplace(key, bytes);
  return bytes;
}

// Vectors (norms, biases) the loader converts to F32 (model/model.cpp, materialize_f32).
uint64_t materialized_f32_bytes(const formats::ModelFile& mf) {
  uint64_t bytes = 0;
  for (const auto& t : mf.tensors)
    if (t.shape.size() == 1 && t.type != GgmlType::F32) bytes += t.elements() * sizeof(float);
  return bytes;
}

}  // namespace

util::Result<FitModel> fit_model(formats::GgufHeader&& header, const std::string& name) {
  if (!header.complete()) return util::fail("the GGUF header is incomplete", name);
  FitModel m;
  m.name = name;
  m.file = std::move(header.file);
  m.mapped_bytes = header.file_size;
  m.copied_bytes = materialized_f32_bytes(m.file);
  m.tokenizer_bytes = HEFT_TRY(tokenizer_bytes(m.file));
  return m;
}

util::Result<FitModel> fit_model(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    auto mapping = HEFT_TRY(util::MappedFile::open(path));
    if (formats::looks_like_gguf(mapping->bytes().first(std::min<size_t>(4, mapping->size())))) {
      // The header only: the mapping's pages past it are never touched.
      auto header = HEFT_TRY(formats::parse_gguf_header(mapping->bytes(), mapping->size(), path));
      auto m = HEFT_TRY(fit_model(std::move(header), path));
      // A split GGUF maps every part: "x-00001-of-00003.gguf" and its siblings.
      if (split_part(path) == 1) {
        const std::string stem = path.substr(0, path.size() - std::string("00001-of-00003.gguf").size());
        const std::string tail = path.substr(path.size() - std::string("-of-00003.gguf").size());
        const int parts = std::stoi(tail.substr(4, 5));
        for (int i = 2; i <= parts; ++i) {
          const auto size = fs::file_size(fmt::format("{}{:05}{}", stem, i, tail), ec);
          if (!ec) m.mapped_bytes += size;
        }
      }
      return m;
    }
  }
  // Hugging Face folders, safetensors, llama2.c: their readers map the files and read the headers.
  formats::ModelFile mf = HEFT_TRY(formats::open_model(path));
  FitModel m;
  m.name = path;
  for (const auto& mapping : mf.mappings) m.mapped_bytes += mapping->size();
  for (const auto& owned : mf.owned) m.copied_bytes += owned->size();
  m.tokenizer_bytes = HEFT_TRY(tokenizer_bytes(mf));
  // GGUF names and shapes; the tensors a layout change touches become copies at load.
  model::MappedModel mapped = HEFT_TRY(model::map_hf_names(std::move(mf)));
  for (size_t i = 0; i < mapped.file.tensors.size(); ++i) {
    const model::Transform& tf = mapped.transforms[i];
    if (tf.kind == model::Transform::Kind::None) continue;
    formats::TensorInfo& t = mapped.file.tensors[i];
    t.shape = model::transformed_shape(t, tf);
    if (tf.kind == model::Transform::Kind::AddOne) t.type = GgmlType::F32;
    t.bytes = *formats::row_bytes(t.type, t.shape[0]) * (t.elements() / t.shape[0]);
    m.copied_bytes += t.bytes;
  }
  m.file = std::move(mapped.file);
  m.file.index_tensors();
  m.copied_bytes += materialized_f32_bytes(m.file);
  return m;
}

util::Result<MemoryEstimate> estimate_memory(const FitModel& model, const FitParams& params) {
  const FitShape s = HEFT_TRY(fit_shape(model));
  const model::Hparams& hp = s.hp;
  if (params.parallel < 1) return util::fail("--parallel must be at least 1");
  if (params.n_ctx < 0) return util::fail("--ctx-size must not be negative");
  if (params.n_batch <= 0 || params.batch_tokens <= 0) return util::fail("batch sizes must be positive");
  MemoryEstimate e;
  e.n_ctx = fit_n_ctx(s, params.n_ctx);
  if (s.spec->positions == model::Positions::Learned && hp.n_ctx_train > 0 && e.n_ctx > hp.n_ctx_train)
    return util::fail("this model has learned positions for " + std::to_string(hp.n_ctx_train) +
                      " tokens; --ctx-size cannot exceed that");
  e.threads = params.threads ? params.threads : std::max(1u, std::thread::hardware_concurrency());

  // The cache: one sequence's context in blocks, or heft serve's pool of n_ctx x parallel rows.
  const int64_t bs = engine::Context::block_size();
  e.kv_rows = (e.n_ctx * params.parallel + bs - 1) / bs * bs;
  const int64_t k_dim = int64_t{hp.n_head_kv} * hp.head_dim_k, v_dim = int64_t{hp.n_head_kv} * hp.head_dim_v;
  e.kv_bytes = engine::KvCache::row_bytes(hp.n_layer, k_dim, v_dim, params.cache_type) * static_cast<uint64_t>(e.kv_rows);

  engine::ContextParams cp;
  cp.n_ctx = e.n_ctx;
  cp.cache_type = params.cache_type;
  cp.n_batch = params.n_batch;
  cp.kv_rows = e.kv_rows;
  cp.max_rows = params.parallel > 1 ? params.batch_tokens : 0;
  const engine::ScratchSizes scratch = engine::Context::scratch_sizes(hp, *s.spec, e.n_ctx, cp, e.threads, s.matrices);
  // Logits of the rows that ask for them (the last prompt row; a server: one per running
  // sequence), and each sequence's sampler (a count and a candidate per token).
  const uint64_t logits = static_cast<uint64_t>(params.parallel) * s.n_vocab * sizeof(float);
  const uint64_t samplers = static_cast<uint64_t>(params.parallel) * s.n_vocab * (sizeof(int32_t) + 12);
  e.scratch_bytes = scratch.bytes() + logits + samplers;

  e.weights_bytes = model.mapped_bytes + model.copied_bytes;
  e.tokenizer_bytes = model.tokenizer_bytes;
  e.baseline_bytes = (params.process_bytes ? params.process_bytes : kDefaultProcessBytes) + kGenerationBytes;
  return e;
}

uint64_t process_resident_bytes() {
  const uint64_t rss = status_bytes("VmRSS");
  return rss ? rss : kDefaultProcessBytes;
}

namespace {

// The least room any cgroup from root + path up to root leaves: limit less
// usage, from files `limit_file` and `usage_file` (v2: memory.max and
// memory.current; v1: memory.limit_in_bytes and memory.usage_in_bytes).
// No limit anywhere: UINT64_MAX.
uint64_t cgroup_room(const std::string& root, const std::string& path, const char* limit_file, const char* usage_file) {
  uint64_t room = UINT64_MAX;
  for (std::string dir = root + (path == "/" ? "" : path);; dir = fs::path(dir).parent_path().string()) {
    std::ifstream limit_in(dir + "/" + limit_file), usage_in(dir + "/" + usage_file);
    std::string limit_text;
    uint64_t usage = 0;
    // "max" (v2) or a number near 2^63 (v1) mean no limit.
    if (limit_in >> limit_text && limit_text != "max" && usage_in >> usage) {
      const uint64_t limit = std::strtoull(limit_text.c_str(), nullptr, 10);
      if (limit < (uint64_t{1} << 62)) room = std::min(room, limit > usage ? limit - usage : 0);
    }
    if (dir.size() <= root.size()) break;
  }
  return room;
}

}  // namespace

uint64_t available_memory() {
  uint64_t avail = 0;
  {
    std::ifstream in("/proc/meminfo");
    std::string line;
    while (std::getline(in, line))
      if (line.starts_with("MemAvailable:")) avail = std::strtoull(line.c_str() + 13, nullptr, 10) * 1024;
  }
  if (avail == 0) {
    const long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) avail = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
  }
  // This process's cgroups ("0::/path" for v2, "N:...memory...:/path" for v1);
  // every level's limit binds. v2 is mounted at /sys/fs/cgroup, or beside v1 at .../unified.
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    const size_t a = line.find(':'), b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    uint64_t room = UINT64_MAX;
    if (line.starts_with("0::")) {
      room = std::min(cgroup_room("/sys/fs/cgroup", path, "memory.max", "memory.current"),
                      cgroup_room("/sys/fs/cgroup/unified", path, "memory.max", "memory.current"));
    } else if (("," + controllers + ",").find(",memory,") != std::string::npos) {
      room = cgroup_room("/sys/fs/cgroup/memory", path, "memory.limit_in_bytes", "memory.usage_in_bytes");
    }
    if (room != UINT64_MAX) avail = avail ? std::min(avail, room) : room;
  }
  return avail;
}

QuantChoice choose_quant(std::span<const FitModel> candidates, const FitParams& params, uint64_t available,
                         double headroom) {
  QuantChoice c;
  const double budget = static_cast<double>(available) * (1.0 - std::clamp(headroom, 0.0, 1.0));
  for (size_t i = 0; i < candidates.size(); ++i) {
    c.estimates.push_back(estimate_memory(candidates[i], params));
    const auto& e = c.estimates.back();
    if (!e || static_cast<double>(e->total()) > budget) continue;
    if (!c.best || e->weights_bytes > c.estimates[*c.best]->weights_bytes) c.best = i;
  }
  return c;
}

}  // namespace heft::store
