// store::fit: a GGUF sized from its first bytes gives what the whole file
// gives; the best quantization is the largest that fits with headroom; the
// speed model's arithmetic.
#include <gtest/gtest.h>

#include <fstream>

#include "formats/gguf_reader.h"
#include "store/fit.h"
#include "store/fit_speed.h"
#include "support/test_paths.h"
#include "util/mapped_file.h"

using namespace heft;

namespace {

const std::string kMini = "models/synthetic-mini-gguf/synthetic-mini-";

store::FitModel from_file(const std::string& rel) {
  auto m = store::fit_model(test::shared(rel));
  EXPECT_TRUE(m) << m.error().to_string();
  return m ? std::move(*m) : store::FitModel{};
}

}  // namespace

TEST(FitMemory, AHeaderFromTheFirstBytesSizesTheModelAsTheWholeFileDoes) {
  const std::string path = test::shared(kMini + "q4_k_m.gguf");
  auto text = util::read_file(path, 64 << 20);
  ASSERT_TRUE(text);
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(text->data()), text->size());
  // As a download would: ask for more until the header is complete.
  size_t have = 4096;
  auto h = formats::parse_gguf_header(bytes.first(have), bytes.size(), "remote.gguf");
  while (h && !h->complete()) {
    have = std::max<size_t>(h->needed_bytes, 2 * have);
    h = formats::parse_gguf_header(bytes.first(std::min(have, bytes.size())), bytes.size(), "remote.gguf");
  }
  ASSERT_TRUE(h) << h.error().to_string();
  EXPECT_LT(have, bytes.size() / 4);
  auto remote = store::fit_model(std::move(*h), "remote.gguf");
  ASSERT_TRUE(remote) << remote.error().to_string();
  const store::FitModel local = from_file(kMini + "q4_k_m.gguf");
  EXPECT_EQ(remote->mapped_bytes, bytes.size());
  EXPECT_EQ(remote->mapped_bytes, local.mapped_bytes);
  EXPECT_EQ(remote->copied_bytes, local.copied_bytes);

  store::FitParams p;
  p.n_ctx = 256;
  p.threads = 2;
  auto a = store::estimate_memory(*remote, p);
  auto b = store::estimate_memory(local, p);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->weights_bytes, b->weights_bytes);
  EXPECT_EQ(a->kv_bytes, b->kv_bytes);
  EXPECT_EQ(a->scratch_bytes, b->scratch_bytes);
  EXPECT_EQ(a->n_ctx, 256);
  EXPECT_EQ(a->kv_rows, 256);
  EXPECT_EQ(a->threads, 2u);
}

TEST(FitMemory, ContextDefaultsToTheModelsAndServersSizeTheirPool) {
  const store::FitModel m = from_file(kMini + "q8_0.gguf");
  store::FitParams p;
  auto run = store::estimate_memory(m, p);
  ASSERT_TRUE(run) << run.error().to_string();
  EXPECT_EQ(run->n_ctx, 512);  // the training context (mini: 512), as heft run
  p.parallel = 4;
  auto serve = store::estimate_memory(m, p);
  ASSERT_TRUE(serve);
  EXPECT_EQ(serve->kv_rows, 4 * 512);
  EXPECT_EQ(serve->kv_bytes, 4 * run->kv_bytes);
  EXPECT_GT(serve->scratch_bytes, run->scratch_bytes);  // a logits row and a sampler per sequence
  p.parallel = 0;
  EXPECT_FALSE(store::estimate_memory(m, p));
}

TEST(FitMemory, TheBestQuantizationIsTheLargestThatFitsWithHeadroom) {
  std::vector<store::FitModel> c;
  for (const char* q : {"q4_0", "q8_0", "q2_k", "f32"}) c.push_back(from_file(kMini + q + ".gguf"));
  store::FitParams p;
  p.n_ctx = 128;
  std::vector<uint64_t> total;
  for (const auto& m : c) total.push_back(store::estimate_memory(m, p)->total());
  // Everything fits: the F32 file.
  auto all = store::choose_quant(c, p, total[3] * 2);
  EXPECT_EQ(all.best, 3u);
  ASSERT_EQ(all.estimates.size(), 4u);
  // Q8_0 fits only without the 10% headroom.
  auto q8 = store::choose_quant(c, p, total[1] + 1);
  EXPECT_EQ(q8.best, 0u);
  EXPECT_EQ(store::choose_quant(c, p, total[1] + 1, 0.0).best, 1u);
  // Nothing fits.
  EXPECT_FALSE(store::choose_quant(c, p, total[2] / 2).best);
  // A candidate that cannot run is skipped, with its reason.
  c.push_back(from_file(kMini + "q4_0.gguf"));
  c.back().file.metadata.set("general.architecture", formats::MetaValue::string("mamba"));
  auto with_bad = store::choose_quant(c, p, total[3] * 2);
  EXPECT_FALSE(with_bad.estimates.back());
  EXPECT_EQ(with_bad.best, 3u);
}

TEST(FitMemory, AvailableMemoryIsSomethingAndAtMostTheMachine) {
  const uint64_t avail = store::available_memory();
  EXPECT_GT(avail, 0u);
  uint64_t total = 0;
  std::ifstream in("/proc/meminfo");
  std::string key;
  in >> key >> total;
  EXPECT_EQ(key, "MemTotal:");
  EXPECT_LE(avail, total * 1024);
  EXPECT_GT(store::process_resident_bytes(), 0u);
}

TEST(FitSpeed, GenerationIsBytesOverBandwidthAndSlowsAsTheContextFills) {
  const store::FitModel m = from_file(kMini + "q8_0.gguf");
  auto types = store::matmul_types(m);
  ASSERT_TRUE(types);
  store::Calibration cal;
  cal.bandwidth_bytes_per_second = 20e9;
  cal.attention["f16 token"] = cal.attention["f16 batch"] = {1e-9, 1e-11};
  for (auto t : *types) cal.types[std::string(formats::type_name(t))] = {20e9, 100e9};
  store::FitParams p;
  p.n_ctx = 4096;
  auto s = store::estimate_speed(m, p, cal);
  ASSERT_TRUE(s) << s.error().to_string();
  // No hand-off cost: a token reads every matrix once at 20 GB/s, plus its attention.
  uint64_t matrix_bytes = 0;
  for (const auto& t : m.file.tensors)
    if (t.shape.size() == 2 && t.name != "token_embd.weight") matrix_bytes += t.bytes;
  if (!m.file.tensor("output.weight")) matrix_bytes += m.file.tensor("token_embd.weight")->bytes;
  EXPECT_LT(s->tg_tokens_per_second, 20e9 / static_cast<double>(matrix_bytes));
  EXPECT_GT(s->tg_tokens_per_second, 0.8 * 20e9 / static_cast<double>(matrix_bytes));
  EXPECT_LT(s->tg_full_tokens_per_second, s->tg_tokens_per_second);
  EXPECT_EQ(s->pp_tokens, 512);
  // Twice the rates, about twice the speed.
  for (auto& [k, r] : cal.types) r = {40e9, 200e9};
  cal.bandwidth_bytes_per_second = 40e9;
  cal.attention["f16 token"] = cal.attention["f16 batch"] = {0.5e-9, 0.5e-11};
  auto fast = store::estimate_speed(m, p, cal);
  ASSERT_TRUE(fast);
  EXPECT_NEAR(fast->tg_tokens_per_second / s->tg_tokens_per_second, 2.0, 1e-6);
  EXPECT_NEAR(fast->pp_tokens_per_second / s->pp_tokens_per_second, 2.0, 1e-6);
  // A type it has no rate for is an error, not a guess.
  cal.types.clear();
  EXPECT_FALSE(store::estimate_speed(m, p, cal));
}
