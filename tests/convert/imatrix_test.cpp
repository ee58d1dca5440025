// heft quantize --imatrix: both of llama.cpp's importance-matrix formats are
// read alike, the importance-weighted quantizers are what gets used, and the
// mixture rules see the imatrix (Q4_0's first ffn_down layers become Q4_1).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>

#include "convert/quant_policy.h"
#include "formats/gguf_reader.h"
#include "formats/gguf_writer.h"
#include "kernels/quant.h"
#include "support/test_paths.h"

using namespace heft;

namespace {

struct Entry {
  std::string name;
  std::vector<float> mean;  // importance per column
};

std::vector<Entry> random_entries(const formats::ModelFile& mf) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.05f, 4.0f);
  std::vector<Entry> out;
  for (const auto& t : mf.tensors)
    if (t.shape.size() == 2) {
      Entry e{t.name, std::vector<float>(t.shape[0])};
      for (float& v : e.mean) v = u(rng);
      out.push_back(std::move(e));
    }
  return out;
}

void write_legacy(const std::string& path, const std::vector<Entry>& entries, int ncall) {
  std::ofstream f(path, std::ios::binary);
  auto put = [&](int32_t v) { f.write(reinterpret_cast<const char*>(&v), 4); };
  put(static_cast<int32_t>(entries.size()));
  for (const auto& e : entries) {
    put(static_cast<int32_t>(e.name.size()));
    f.write(e.name.data(), static_cast<std::streamsize>(e.name.size()));
    put(ncall);
    put(static_cast<int32_t>(e.mean.size()));
    for (float v : e.mean) {
      float scaled = v * static_cast<float>(ncall);  // legacy files hold sums times the call count
      f.write(reinterpret_cast<const char*>(&scaled), 4);
    }
  }
  put(10);
  std::string ds = "test.txt";
  put(static_cast<int32_t>(ds.size()));
  f.write(ds.data(), static_cast<std::streamsize>(ds.size()));
}

void write_gguf_imatrix(const std::string& path, const std::vector<Entry>& entries, float count) {
  formats::Metadata md;
  md.set("general.type", formats::MetaValue::string("imatrix"));
  md.set("imatrix.datasets", formats::MetaValue::string_array({"test.txt"}));
  std::vector<formats::GgufTensorSpec> specs;
  for (const auto& e : entries) {
    specs.push_back({e.name + ".in_sum2", formats::GgmlType::F32, {e.mean.size(), 1}});
    specs.push_back({e.name + ".counts", formats::GgmlType::F32, {1, 1}});
  }
  auto r = formats::write_gguf(path, md, specs, [&](size_t i, const formats::GgufChunkSink& sink) -> util::Result<void> {
    const Entry& e = entries[i / 2];
    std::vector<float> v = i % 2 == 0 ? e.mean : std::vector<float>{count};
    if (i % 2 == 0)
      for (float& x : v) x *= count;
    return sink({reinterpret_cast<const uint8_t*>(v.data()), v.size() * 4});
  });
  ASSERT_TRUE(r) << r.error().to_string();
}

formats::ModelFile quantize(const std::string& src, const std::string& out, const std::string& type,
                            const std::string& imatrix) {
  std::string cmd = test::shell_quote(test::heft_binary()) + " quantize " + test::shell_quote(src) + " " +
                    test::shell_quote(out) + " " + type;
  if (!imatrix.empty()) cmd += " --imatrix " + test::shell_quote(imatrix);
  auto r = test::run_command(cmd);
  EXPECT_EQ(r.status, 0) << r.err;
  auto mf = formats::read_gguf(out);
  EXPECT_TRUE(mf);
  return std::move(*mf);
}

}  // namespace

TEST(Imatrix, BothFormatsGiveTheImportanceWeightedQuantizers) {
  const std::string dir = test::scratch_dir();
  const std::string src = test::shared("models/synthetic-mini-gguf/synthetic-mini-f32.gguf");
  auto f32 = formats::read_gguf(src);
  ASSERT_TRUE(f32);
  auto entries = random_entries(*f32);
  write_legacy(dir + "/m.dat", entries, 7);
  write_gguf_imatrix(dir + "/m.gguf", entries, 7.0f);

  auto legacy = quantize(src, dir + "/a.gguf", "Q4_K_M", dir + "/m.dat");
  auto gguf = quantize(src, dir + "/b.gguf", "Q4_K_M", dir + "/m.gguf");
  auto plain = quantize(src, dir + "/c.gguf", "Q4_K_M", "");
  int weighted_differs = 0;
  for (const auto& e : entries) {
    const auto* a = legacy.tensor(e.name);
    const auto* b = gguf.tensor(e.name);
    const auto* c = plain.tensor(e.name);
    const auto* s = f32->tensor(e.name);
    ASSERT_TRUE(a && b && c && s);
    ASSERT_EQ(a->bytes, b->bytes);
    EXPECT_EQ(std::memcmp(a->data, b->data, a->bytes), 0) << e.name;
    // The file holds exactly what the importance-weighted quantizer gives for these weights.
    // (The files hold sums of count * mean; the reader divides back, as llama.cpp does.)
    std::vector<float> importance = e.mean;
    for (float& v : importance) v = v * 7.0f / 7.0f;
    std::vector<uint8_t> want(a->bytes);
    kernels::quantize_rows(a->type, reinterpret_cast<const float*>(s->data), want.data(), static_cast<int64_t>(s->shape[1]),
                           static_cast<int64_t>(s->shape[0]), importance.data());
    EXPECT_EQ(std::memcmp(a->data, want.data(), want.size()), 0) << e.name;
    weighted_differs += std::memcmp(a->data, c->data, a->bytes) != 0;
  }
  EXPECT_GT(weighted_differs, static_cast<int>(entries.size()) / 2);
}

TEST(Imatrix, Q4_0FirstFfnDownLayersBecomeQ4_1) {
  // llama.cpp guards the first eighth of ffn_down layers with Q4_1 when an imatrix is given.
  std::vector<convert::TensorDesc> descs;
  for (int l = 0; l < 16; ++l)
    descs.push_back({"blk." + std::to_string(l) + ".ffn_down.weight", formats::GgmlType::F32, {512, 256}});
  auto ft = convert::file_type_from_name("Q4_0");
  auto with = convert::choose_tensor_types(*ft, descs, {.n_head = 8, .n_head_kv = 8, .has_imatrix = true});
  auto without = convert::choose_tensor_types(*ft, descs, {.n_head = 8, .n_head_kv = 8, .has_imatrix = false});
  for (int l = 0; l < 16; ++l) {
    EXPECT_EQ(with[static_cast<size_t>(l)], l < 2 ? formats::GgmlType::Q4_1 : formats::GgmlType::Q4_0) << l;
    EXPECT_EQ(without[static_cast<size_t>(l)], formats::GgmlType::Q4_0) << l;
  }
}

TEST(Imatrix, MalformedFilesAreErrors) {
  const std::string dir = test::scratch_dir();
  std::ofstream(dir + "/bad.dat", std::ios::binary) << "\x05\x00\x00\x00garbage";
  auto r = test::run_command(test::shell_quote(test::heft_binary()) + " quantize " +
                             test::shell_quote(test::shared("models/TinyStories-656K-gguf/tinystories-656k-f32.gguf")) +
                             " " + test::shell_quote(dir + "/o.gguf") + " Q8_0 --imatrix " + test::shell_quote(dir + "/bad.dat"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("bad.dat"), std::string::npos) << r.err;
}
