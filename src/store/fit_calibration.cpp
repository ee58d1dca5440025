// fit's measurements of this machine (store/fit_speed.h): the real kernels on
// synthetic buffers, timed, and the cache file that keeps them.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "engine/matmul.h"
#include "engine/ops.h"
#include "kernels/attention.h"
#include "kernels/fp16.h"
#include "kernels/quant.h"
#include "kernels/simd.h"
#include "store/fit_speed.h"
#include "util/atomic_file.h"
#include "util/cpu_info.h"
#include "util/json.h"
#include "util/mapped_file.h"
#include "util/thread_pool.h"

namespace heft::store {

namespace fs = std::filesystem;
using formats::GgmlType;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The fastest of `reps` timings of fn, after one untimed run: what the
// machine can do, which another process's moment on a core does not change.
template <class F>
double fastest_seconds(int reps, F&& fn) {
  fn();
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    fn();
    best = std::min(best, seconds_since(t0));
  }
  return best;
}

// Weights for the decode and bandwidth measurements: 256 MiB, beyond any one
// core's share of a last-level cache, so reading them measures memory (larger
// only takes longer to fault in). Every byte 0x3b: as F32, F16 or BF16, and as
// any block's scales, a normal number.
using BigBuffer = std::vector<uint8_t>;
constexpr size_t kBigBufferBytes = size_t{256} << 20;

std::vector<float> random_floats(size_t n) {
  std::mt19937 rng(1);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Streaming read of the whole buffer, each thread its slice, four sums in flight.
double measure_bandwidth(const BigBuffer& buf, util::ThreadPool& pool) {
  const int64_t words = static_cast<int64_t>(buf.size() / sizeof(uint64_t));
  const auto* w = reinterpret_cast<const uint64_t*>(buf.data());
  std::vector<uint64_t> sink(pool.size() * 8);
  const double s = fastest_seconds(5, [&] {
    pool.parallel_for(words, [&](int64_t i0, int64_t i1, unsigned t) {
      uint64_t a = 0, b = 0, c = 0, d = 0;
      int64_t i = i0;
      for (; i + 4 <= i1; i += 4) {
        a += w[i];
        b ^= w[i + 1];
        c += w[i + 2];
        d ^= w[i + 3];
      }
      for (; i < i1; ++i) a += w[i];
      sink[t * 8] += a + b + c + d;
    }, 512);
  });
  return static_cast<double>(buf.size()) / s;
}

// What a matmul call costs beyond its arithmetic (two hand-offs to the pool,
// the activations' conversion): one token through a matrix small enough to
// stay in the first-level cache, all threads, per hand-off.
double measure_dispatch(util::ThreadPool& pool) {
  const int64_t cols = 256, rows = 64 * static_cast<int64_t>(pool.size()), n = 500;
  std::vector<float> w_data(static_cast<size_t>(rows * cols), 0.01f);
  model::Weight w{GgmlType::F32, reinterpret_cast<const uint8_t*>(w_data.data()), cols, rows, cols * sizeof(float)};
  const auto x = random_floats(cols);
  std::vector<float> y(static_cast<size_t>(rows));
  std::vector<uint8_t> scratch(engine::matmul_scratch_bytes(w, 1));
  const double s = fastest_seconds(3, [&] {
    for (int64_t i = 0; i < n; ++i) engine::matmul(w, x.data(), 1, y.data(), scratch.data(), pool, engine::Order::Token);
  });
  return s / static_cast<double>(2 * n);
}

// engine::matmul on one token over the big buffer as one matrix of `type`.
double measure_decode(GgmlType type, const BigBuffer& buf, util::ThreadPool& pool) {
  const int64_t cols = 4096;
  const uint64_t rb = *formats::row_bytes(type, cols);
  model::Weight w{type, buf.data(), cols, static_cast<int64_t>(buf.size() / rb), rb};
  const auto x = random_floats(cols);
  std::vector<float> y(static_cast<size_t>(w.rows));
  std::vector<uint8_t> scratch(engine::matmul_scratch_bytes(w, 1));
  const double s = fastest_seconds(8, [&] { engine::matmul(w, x.data(), 1, y.data(), scratch.data(), pool, engine::Order::Token); });
  return static_cast<double>(w.rows * rb) / s;
}

// engine::matmul on 128 tokens (the FFN's piece) through a matrix of 2048
// columns, at 2048 rows and at 256: the difference is the per-row (flops)
// part, the rest the part each input element costs (the activations).
void measure_prompt(GgmlType type, const BigBuffer& buf, util::ThreadPool& pool, TypeRates& r) {
  const int64_t cols = 2048, n = 128, big = 2048, small = 256;
  const uint64_t rb = *formats::row_bytes(type, cols);
  const auto x = random_floats(static_cast<size_t>(n * cols));
  std::vector<float> y(static_cast<size_t>(n * big));
  auto time = [&](int64_t rows) {
    model::Weight w{type, buf.data(), cols, rows, rb};
    std::vector<uint8_t> scratch(engine::matmul_scratch_bytes(w, n));
    return fastest_seconds(5, [&] { engine::matmul(w, x.data(), n, y.data(), scratch.data(), pool, engine::Order::Batch); });
  };
  const double t_big = time(big), t_small = time(small);
  const double per_row = std::max(t_big - t_small, 0.5 * t_big) / static_cast<double>(big - small);
  r.prompt_flops_per_second = 2.0 * static_cast<double>(cols * n) / per_row;
  r.prompt_input_seconds = std::max(0.0, t_small - per_row * small) / static_cast<double>(n * cols);
}

// The attention kernel on 1024 cached positions, heads of 64 and of 128 (the
// difference: the per-dimension part), every thread busy; `batch`: a prompt
// row's summation order, else a generated token's.
AttentionRates measure_attention(engine::CacheType cache_type, bool batch, util::ThreadPool& pool) {
  const int64_t n_kv = 1024, calls = 16 * static_cast<int64_t>(pool.size());
  const bool f16 = cache_type == engine::CacheType::F16;
  auto time = [&](int64_t hd) {
    const size_t elem = f16 ? 2 : 4, row = static_cast<size_t>(hd) * elem;
    std::vector<uint8_t> kv(static_cast<size_t>(n_kv) * row);
    const auto values = random_floats(static_cast<size_t>(n_kv * hd));
    for (size_t i = 0; i < values.size(); ++i) {
      const float f = values[i] * 0.1f;
      const uint16_t h = kernels::fp32_to_fp16(f);
      if (f16) std::memcpy(kv.data() + 2 * i, &h, 2);
      else std::memcpy(kv.data() + 4 * i, &f, 4);
    }
    const auto q = random_floats(static_cast<size_t>(hd));
    const size_t stride = kernels::attention_scratch_floats(n_kv, hd, hd);
    std::vector<float> scratch(stride * pool.size()), out(static_cast<size_t>(hd * calls));
    return fastest_seconds(5, [&] {
      pool.parallel_for(calls, [&](int64_t i0, int64_t i1, unsigned t) {
        for (int64_t i = i0; i < i1; ++i) {
          kernels::AttentionArgs a;
          a.q = q.data();
          a.k = a.v = kv.data();
          a.k_stride = a.v_stride = row;
          a.f16 = f16;
          a.hd_k = a.hd_v = hd;
          a.n_kv = n_kv;
          a.scale = 0.088f;
          a.batch = batch;
          kernels::attention_head(a, out.data() + i * hd, scratch.data() + t * stride);
        }
      });
    }) / static_cast<double>(calls * n_kv);
  };
  const double t64 = time(64), t128 = time(128);
  AttentionRates r;
  r.dim_seconds = std::max(t128 - t64, 0.0) / 64;
  r.position_seconds = std::max(t64 - 64 * r.dim_seconds, 0.0);
  return r;
}

// RMS norm of 4096-float rows, every thread busy: a float's share (RoPE and the
// cache's stores cost about as much a float).
double measure_vector(util::ThreadPool& pool) {
  const int64_t n = 4096, rows = 64 * static_cast<int64_t>(pool.size());
  const auto x = random_floats(static_cast<size_t>(n * rows));
  const std::vector<float> w(static_cast<size_t>(n), 1.0f);
  std::vector<float> y(x.size());
  return fastest_seconds(5, [&] {
    pool.parallel_for(rows, [&](int64_t r0, int64_t r1, unsigned) {
      for (int64_t r = r0; r < r1; ++r) engine::rms_norm(x.data() + r * n, w.data(), y.data() + r * n, n, 1e-5f);
    });
  }) / static_cast<double>(n * rows);
}

std::string cpu_key() { return util::cpu_info().model.empty() ? util::cpu_info().arch : util::cpu_info().model; }

util::Json to_json(const Calibration& c) {
  util::Json o = util::Json::object();
  o.set("cpu", util::Json(c.cpu));
  o.set("simd", util::Json(c.simd));
  o.set("heft", util::Json(c.version));
  o.set("threads", util::Json(int64_t{c.threads}));
  o.set("bandwidth_bytes_per_second", util::Json(c.bandwidth_bytes_per_second));
  o.set("dispatch_seconds", util::Json(c.dispatch_seconds));
  o.set("vector_seconds", util::Json(c.vector_seconds));
  util::Json att = util::Json::object();
  for (const auto& [k, r] : c.attention) {
    util::Json a = util::Json::object();
    a.set("position_seconds", util::Json(r.position_seconds));
    a.set("dim_seconds", util::Json(r.dim_seconds));
    att.set(k, std::move(a));
  }
  o.set("attention", std::move(att));
  util::Json types = util::Json::object();
  for (const auto& [name, r] : c.types) {
    util::Json t = util::Json::object();
    t.set("decode_bytes_per_second", util::Json(r.decode_bytes_per_second));
    t.set("prompt_flops_per_second", util::Json(r.prompt_flops_per_second));
    t.set("prompt_input_seconds", util::Json(r.prompt_input_seconds));
    types.set(name, std::move(t));
  }
  o.set("types", std::move(types));
  return o;
}

// An entry read back; what is missing or not a positive number is measured again.
Calibration from_json(const util::Json& o) {
  auto positive = [](const util::Json& j, const char* key) { return std::max(0.0, j.get_double(key, 0)); };
  Calibration c;
  c.cpu = o.get_string("cpu");
  c.simd = o.get_string("simd");
  c.version = o.get_string("heft");
  c.threads = static_cast<unsigned>(std::max<int64_t>(0, o.get_int("threads", 0)));
  c.bandwidth_bytes_per_second = positive(o, "bandwidth_bytes_per_second");
  c.dispatch_seconds = positive(o, "dispatch_seconds");
  c.vector_seconds = positive(o, "vector_seconds");
  if (const util::Json* att = o.find("attention"); att && att->is_object())
    for (const auto& [k, v] : att->as_object()) {
      AttentionRates r{positive(v, "position_seconds"), positive(v, "dim_seconds")};
      if (r.position_seconds + r.dim_seconds > 0) c.attention[k] = r;
    }
  if (const util::Json* types = o.find("types"); types && types->is_object())
    for (const auto& [k, v] : types->as_object()) {
      TypeRates r{positive(v, "decode_bytes_per_second"), positive(v, "prompt_flops_per_second"),
                  positive(v, "prompt_input_seconds")};
      if (r.decode_bytes_per_second > 0 && r.prompt_flops_per_second > 0) c.types[k] = r;
    }
  return c;
}

bool same_machine(const Calibration& a, const Calibration& b) {
  return a.cpu == b.cpu && a.simd == b.simd && a.version == b.version && a.threads == b.threads;
}

}  // namespace

std::string calibration_path() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  fs::path dir = xdg && *xdg ? fs::path(xdg) : fs::path(home && *home ? home : "/tmp") / ".cache";
  return (dir / "heft" / "fit-calibration.json").string();
}

util::Result<Calibration> calibrate(std::span<const GgmlType> types, engine::CacheType cache_type, unsigned threads,
                                    bool recalibrate) {
  Calibration want;
  want.cpu = cpu_key();
  want.simd = std::string(kernels::simd_name(kernels::simd_target()));
  want.version = HEFT_VERSION;
  want.threads = threads ? threads : std::max(1u, std::thread::hardware_concurrency());

  // The cache: {"format": 1, "machines": [entry, ...]}; anything unreadable counts as empty.
  const std::string path = calibration_path();
  util::Json machines = util::Json::array();
  if (auto text = util::read_file(path, 4 << 20))
    if (auto doc = util::Json::parse(*text, path); doc && doc->get_int("format", 0) == 1)
      if (const util::Json* m = doc->find("machines"); m && m->is_array()) machines = *m;
  Calibration c = want;
  size_t slot = machines.as_array().size();
  for (size_t i = 0; i < machines.as_array().size(); ++i)
    if (const Calibration e = from_json(machines.as_array()[i]); same_machine(e, want)) {
      slot = i;
      if (!recalibrate) c = e;
    }

  const std::string cache_name(engine::cache_type_name(cache_type));
  const std::string token = cache_name + " token", batch = cache_name + " batch";
  std::vector<GgmlType> missing;
  for (GgmlType t : types) {
    if (!kernels::can_dot(t))
      return util::fail("weights of type " + std::string(formats::type_name(t)) + " cannot be computed yet");
    if (!c.types.contains(std::string(formats::type_name(t))) && std::find(missing.begin(), missing.end(), t) == missing.end())
      missing.push_back(t);
  }
  const bool need_memory = missing.size() > 0 || c.bandwidth_bytes_per_second <= 0;
  if (!need_memory && c.dispatch_seconds > 0 && c.vector_seconds > 0 && c.attention.contains(token) && c.attention.contains(batch))
    return c;

  const auto t0 = Clock::now();
  util::ThreadPool pool(c.threads);
  if (c.dispatch_seconds <= 0) c.dispatch_seconds = measure_dispatch(pool);
  if (c.vector_seconds <= 0) c.vector_seconds = measure_vector(pool);
  if (!c.attention.contains(token)) c.attention[token] = measure_attention(cache_type, false, pool);
  if (!c.attention.contains(batch)) c.attention[batch] = measure_attention(cache_type, true, pool);
  if (need_memory) {
    BigBuffer buf(kBigBufferBytes, 0x3b);
    if (c.bandwidth_bytes_per_second <= 0) c.bandwidth_bytes_per_second = measure_bandwidth(buf, pool);
    for (GgmlType t : missing) {
      TypeRates& r = c.types[std::string(formats::type_name(t))];
      r.decode_bytes_per_second = measure_decode(t, buf, pool);
      measure_prompt(t, buf, pool, r);
    }
  }
  c.seconds_measuring = seconds_since(t0);

  // Saved for next time; a cache that cannot be written only costs the measuring again.
  if (slot < machines.as_array().size()) machines.as_array()[slot] = to_json(c);
  else machines.push_back(to_json(c));
  util::Json doc = util::Json::object();
  doc.set("format", util::Json(1));
  doc.set("machines", std::move(machines));
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (auto f = util::AtomicFile::create(path, true)) {
    const std::string text = doc.dump(2) + "\n";
    if ((*f)->write(text.data(), text.size())) (void)(*f)->commit();
  }
  return c;
}

}  // namespace heft::store
