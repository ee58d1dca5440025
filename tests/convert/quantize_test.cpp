// heft quantize against llama-quantize: from the same F32 file, every tensor of
// every file type gets llama.cpp's type and llama.cpp's exact bytes
// (../shared/models/synthetic-mini-gguf holds llama-quantize's outputs).
#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "formats/gguf_reader.h"
#include "support/test_paths.h"

using namespace heft;

TEST(Quantize, EveryFileTypeIsByteIdenticalToLlamaQuantize) {
  const std::map<std::string, std::string> types = {
      {"q8_0", "Q8_0"}, {"q4_0", "Q4_0"}, {"q4_1", "Q4_1"}, {"q5_0", "Q5_0"},     {"q5_1", "Q5_1"},
      {"q2_k", "Q2_K"}, {"q3_k_m", "Q3_K_M"}, {"q4_k_m", "Q4_K_M"}, {"q5_k_m", "Q5_K_M"}, {"q6_k", "Q6_K"}};
  const std::string dir = test::scratch_dir();
  const std::string src = test::shared("models/synthetic-mini-gguf/synthetic-mini-f32.gguf");
  for (const auto& [suffix, type] : types) {
    SCOPED_TRACE(type);
    const std::string out = dir + "/" + suffix + ".gguf";
    auto r = test::run_command(test::shell_quote(test::heft_binary()) + " quantize " + test::shell_quote(src) + " " +
                               test::shell_quote(out) + " " + type + " -t 2");
    ASSERT_EQ(r.status, 0) << r.err;
    auto ours = formats::read_gguf(out);
    auto ref = formats::read_gguf(test::shared("models/synthetic-mini-gguf/synthetic-mini-" + suffix + ".gguf"));
    ASSERT_TRUE(ours && ref);
    EXPECT_EQ(ours->metadata.get_int("general.file_type"), ref->metadata.get_int("general.file_type"));
    ASSERT_EQ(ours->tensors.size(), ref->tensors.size());
    for (const auto& t : ref->tensors) {
      const formats::TensorInfo* mine = ours->tensor(t.name);
      ASSERT_NE(mine, nullptr) << t.name;
      EXPECT_EQ(formats::type_name(mine->type), formats::type_name(t.type)) << t.name;
      ASSERT_EQ(mine->bytes, t.bytes) << t.name;
      EXPECT_EQ(std::memcmp(mine->data, t.data, t.bytes), 0) << t.name << " bytes differ";
    }
  }
}

TEST(Quantize, RefusesUnknownTypesAndExistingOutput) {
  const std::string dir = test::scratch_dir();
  const std::string src = test::shared("models/TinyStories-656K-gguf/tinystories-656k-f32.gguf");
  const std::string heft = test::shell_quote(test::heft_binary());
  auto bad = test::run_command(heft + " quantize " + test::shell_quote(src) + " " + test::shell_quote(dir + "/x.gguf") + " Q9_9");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("Q4_K_M"), std::string::npos) << "lists the known types: " << bad.err;
  auto ok = test::run_command(heft + " quantize " + test::shell_quote(src) + " " + test::shell_quote(dir + "/y.gguf") + " Q8_0");
  ASSERT_EQ(ok.status, 0) << ok.err;
  auto again = test::run_command(heft + " quantize " + test::shell_quote(src) + " " + test::shell_quote(dir + "/y.gguf") + " Q8_0");
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.err.find("--force"), std::string::npos);
}
