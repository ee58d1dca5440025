// A GGUF written by heft from each shared GGUF holds identical tensor bytes and
// equal metadata (types included), and is byte-identical to its source when the
// source was laid out the standard way.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "formats/gguf_reader.h"
#include "formats/gguf_writer.h"
#include "formats/shared_files.h"
#include "util/mapped_file.h"

using namespace heft;

namespace {

void expect_same_metadata(const formats::Metadata& a, const formats::Metadata& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const auto& [ka, va] = a.entries()[i];
    const auto& [kb, vb] = b.entries()[i];
    EXPECT_EQ(ka, kb);
    EXPECT_EQ(va.type, vb.type) << ka;
    EXPECT_EQ(va.elem_type, vb.elem_type) << ka;
    EXPECT_TRUE(va.to_json() == vb.to_json()) << ka;
  }
}

}  // namespace

TEST(GgufRoundTrip, EverySharedGgufSurvivesAWriteAndRead) {
  auto files = test::shared_ggufs();
  ASSERT_GE(files.size(), 20u);  // the models and the vocabularies
  std::string dir = test::scratch_dir();
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    auto src = formats::read_gguf(path);
    ASSERT_TRUE(src) << src.error().to_string();
    std::vector<formats::GgufTensorSpec> specs;
    for (const auto& t : src->tensors) specs.push_back({t.name, t.type, t.shape});
    std::string out = dir + "/" + std::filesystem::path(path).filename().string();
    auto w = formats::write_gguf(out, src->metadata, specs, [&](size_t i, const formats::GgufChunkSink& sink) {
      return sink(src->tensors[i].span());
    }, {.overwrite = false, .version = src->gguf_version, .on_tensor_done = {}});
    ASSERT_TRUE(w) << w.error().to_string();

    auto back = formats::read_gguf(out);
    ASSERT_TRUE(back) << back.error().to_string();
    expect_same_metadata(src->metadata, back->metadata);
    ASSERT_EQ(src->tensors.size(), back->tensors.size());
    for (size_t i = 0; i < src->tensors.size(); ++i) {
      const auto& a = src->tensors[i];
      const auto& b = back->tensors[i];
      EXPECT_EQ(a.name, b.name);
      EXPECT_EQ(a.type, b.type);
      EXPECT_EQ(a.shape, b.shape);
      ASSERT_EQ(a.bytes, b.bytes);
      EXPECT_EQ(std::memcmp(a.data, b.data, a.bytes), 0) << a.name;
    }
    // Sources written by llama.cpp's tools use the same layout, so the whole file matches.
    auto m1 = util::MappedFile::open(path), m2 = util::MappedFile::open(out);
    ASSERT_TRUE(m1 && m2);
    EXPECT_TRUE((*m1)->size() == (*m2)->size() &&
                std::memcmp((*m1)->data(), (*m2)->data(), (*m1)->size()) == 0)
        << "not byte-identical";
    std::filesystem::remove(out);
  }
}

TEST(GgufWriter, RefusesToOverwriteAndLeavesNoPartialFile) {
  std::string dir = test::scratch_dir();
  std::string out = dir + "/x.gguf";
  formats::Metadata md;
  md.set("general.architecture", formats::MetaValue::string("llama"));
  std::vector<formats::GgufTensorSpec> specs = {{"a", formats::GgmlType::F32, {4}}};
  std::vector<float> data = {1, 2, 3, 4};
  auto fill = [&](size_t, const formats::GgufChunkSink& sink) {
    return sink({reinterpret_cast<const uint8_t*>(data.data()), 16});
  };
  ASSERT_TRUE(formats::write_gguf(out, md, specs, fill));
  auto again = formats::write_gguf(out, md, specs, fill);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("--force"), std::string::npos);

  // A fill that fails midway leaves neither the output nor a temporary file.
  std::string out2 = dir + "/y.gguf";
  auto failing = formats::write_gguf(out2, md, specs, [](size_t, const formats::GgufChunkSink&) -> util::Result<void> {
    return util::fail("simulated failure");
  });
  ASSERT_FALSE(failing);
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1u);  // only x.gguf
}

TEST(GgufWriter, RejectsInvalidTensors) {
  std::string out = test::scratch_dir() + "/z.gguf";
  formats::Metadata md;
  auto never = [](size_t, const formats::GgufChunkSink&) -> util::Result<void> { return {}; };
  EXPECT_FALSE(formats::write_gguf(out, md, {{"q", formats::GgmlType::Q8_0, {30}}}, never));
  EXPECT_FALSE(formats::write_gguf(out, md, {{std::string(64, 'n'), formats::GgmlType::F32, {4}}}, never));
  EXPECT_FALSE(formats::write_gguf(out, md, {{"d", formats::GgmlType::F32, {4}}, {"d", formats::GgmlType::F32, {4}}}, never));
}
