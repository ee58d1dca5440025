// safetensors written by heft read back: every dtype, shapes in both orders,
// __metadata__, data offsets that tile the buffer; and sharded checkpoints.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "formats/open_model.h"
#include "formats/safetensors.h"
#include "support/test_paths.h"

using namespace heft;
using formats::GgmlType;

TEST(Safetensors, WriteThenReadEveryDtype) {
  const std::string path = test::scratch_dir() + "/all.safetensors";
  std::vector<formats::SafetensorsTensor> tensors;
  const GgmlType types[] = {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::F64, GgmlType::I8,
                            GgmlType::I16, GgmlType::I32, GgmlType::I64, GgmlType::U8, GgmlType::U16,
                            GgmlType::U32, GgmlType::U64, GgmlType::BOOL, GgmlType::F8_E4M3, GgmlType::F8_E5M2};
  for (GgmlType t : types) tensors.push_back({"t." + std::string(formats::type_name(t)), t, {3, 2}});
  auto fill = [&](size_t i, const formats::ChunkSink& sink) -> util::Result<void> {
    std::vector<uint8_t> bytes(6 * formats::type_traits(tensors[i].type)->block_bytes);
    for (size_t k = 0; k < bytes.size(); ++k) bytes[k] = static_cast<uint8_t>(i * 31 + k);
    return sink(bytes);
  };
  ASSERT_TRUE(formats::write_safetensors(path, tensors, {{"format", "pt"}}, fill));
  auto mf = formats::read_safetensors(path);
  ASSERT_TRUE(mf) << mf.error().to_string();
  EXPECT_EQ(mf->metadata.get_string("safetensors.format"), "pt");
  ASSERT_EQ(mf->tensors.size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto* t = mf->tensor(tensors[i].name);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->type, tensors[i].type);
    EXPECT_EQ(t->shape, (std::vector<uint64_t>{3, 2}));
    for (uint64_t k = 0; k < t->bytes; ++k) ASSERT_EQ(t->data[k], static_cast<uint8_t>(i * 31 + k));
  }
  // The header pads the data to 8 bytes, as the reference writer does.
  EXPECT_EQ(mf->data_offset % 8, 0u);
}

TEST(Safetensors, ShardedCheckpointThroughItsIndex) {
  const std::string dir = test::scratch_dir();
  auto write = [&](const std::string& name, const std::string& tensor) {
    std::vector<formats::SafetensorsTensor> ts = {{tensor, GgmlType::F32, {4}}};
    return formats::write_safetensors(dir + "/" + name, ts, {}, [](size_t, const formats::ChunkSink& sink) {
      float v[4] = {1, 2, 3, 4};
      return sink({reinterpret_cast<const uint8_t*>(v), 16});
    });
  };
  ASSERT_TRUE(write("model-00001-of-00002.safetensors", "a"));
  ASSERT_TRUE(write("model-00002-of-00002.safetensors", "b"));
  std::ofstream(dir + "/model.safetensors.index.json")
      << R"({"metadata": {"total_size": 32}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}})";
  auto mf = formats::read_safetensors_index(dir + "/model.safetensors.index.json");
  ASSERT_TRUE(mf) << mf.error().to_string();
  EXPECT_EQ(mf->tensors.size(), 2u);
  EXPECT_EQ(mf->mappings.size(), 2u);
  EXPECT_EQ(mf->tensor("b")->file_index, 1u);

  std::ofstream(dir + "/bad.safetensors.index.json")
      << R"({"weight_map": {"a": "model-00002-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}})";
  auto bad = formats::read_safetensors_index(dir + "/bad.safetensors.index.json");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("does not contain it"), std::string::npos) << bad.error().message;
  std::ofstream(dir + "/escape.safetensors.index.json") << R"({"weight_map": {"a": "../x.safetensors"}})";
  EXPECT_FALSE(formats::read_safetensors_index(dir + "/escape.safetensors.index.json"));
}
