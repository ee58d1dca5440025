#pragma once
// Loads models and the llama.cpp goldens (../shared/golden) for engine tests.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/context.h"
#include "engine/sampler.h"
#include "formats/open_model.h"
#include "model/model.h"
#include "support/test_paths.h"
#include "util/json.h"
#include "util/mapped_file.h"

namespace heft::test {

inline std::unique_ptr<model::Model> load(const std::string& rel) {
  auto mf = formats::open_model(shared(rel));
  EXPECT_TRUE(mf) << (mf ? "" : mf.error().to_string());
  if (!mf) return nullptr;
  auto m = model::load_model(std::move(*mf));
  EXPECT_TRUE(m) << (m ? "" : m.error().to_string());
  return m ? std::move(*m) : nullptr;
}

inline util::Json golden(const std::string& name) {
  auto text = util::read_file(shared("golden/" + name));
  EXPECT_TRUE(text);
  auto j = util::Json::parse(*text, name);
  EXPECT_TRUE(j);
  return *j;
}

inline std::vector<int32_t> ids(const util::Json& arr) {
  std::vector<int32_t> out;
  for (const auto& v : arr.as_array()) out.push_back(static_cast<int32_t>(v.as_int()));
  return out;
}

// Greedy continuation: the prompt as one batch, then one token at a time.
inline std::vector<int32_t> greedy(const model::Model& m, const std::vector<int32_t>& prompt, int n,
                                   engine::CacheType cache, unsigned threads, int64_t n_ctx = 512) {
  auto ctx = engine::Context::create(m, {.n_ctx = n_ctx, .cache_type = cache, .n_threads = threads, .n_batch = 512});
  EXPECT_TRUE(ctx);
  engine::Sampler sampler({.temperature = 0.0f}, (*ctx)->n_vocab());
  std::vector<int32_t> out;
  auto r = (*ctx)->decode(prompt);
  EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
  for (int i = 0; i < n && r; ++i) {
    int32_t t = sampler.sample((*ctx)->last_logits());
    out.push_back(t);
    int32_t one[1] = {t};
    r = (*ctx)->decode(one);
  }
  return out;
}

}  // namespace heft::test
