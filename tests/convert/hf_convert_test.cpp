// heft convert of the real Hugging Face TinyStories folder against the GGUF
// that llama.cpp's own tooling made from it (../shared/golden/README.md): the
// same tensors byte for byte (Q/K rows permuted for GGUF RoPE, the tied
// embedding stored as token_embd), the same hyper-parameters and the same
// tokenizer description.
#include <gtest/gtest.h>

#include <cstring>

#include "formats/gguf_reader.h"
#include "support/test_paths.h"

using namespace heft;

TEST(HfConvert, TinyStoriesMatchesLlamaCppsConversion) {
  const std::string out = test::scratch_dir() + "/ts.gguf";
  auto r = test::run_command(test::shell_quote(test::heft_binary()) + " convert " +
                             test::shell_quote(test::shared("models/TinyStories-656K")) + " " + test::shell_quote(out));
  ASSERT_EQ(r.status, 0) << r.err;
  auto ours = formats::read_gguf(out);
  auto ref = formats::read_gguf(test::shared("models/TinyStories-656K-gguf/tinystories-656k-f32.gguf"));
  ASSERT_TRUE(ours && ref);
  ASSERT_EQ(ours->tensors.size(), ref->tensors.size());
  for (const auto& t : ref->tensors) {
    const auto* mine = ours->tensor(t.name);
    ASSERT_NE(mine, nullptr) << t.name;
    EXPECT_EQ(mine->shape, t.shape) << t.name;
    ASSERT_EQ(mine->bytes, t.bytes) << t.name;
    EXPECT_EQ(std::memcmp(mine->data, t.data, t.bytes), 0) << t.name;
  }
  for (const auto& [key, value] : ref->metadata.entries()) {
    if (key.starts_with("general.") || key == "tokenizer.ggml.add_sep_token") continue;  // names and a key llama.cpp ignores
    const auto* mine = ours->metadata.find(key);
    ASSERT_NE(mine, nullptr) << key;
    EXPECT_TRUE(mine->to_json() == value.to_json()) << key;
  }
  EXPECT_EQ(ours->metadata.get_int("general.file_type"), 0);
}

TEST(HfConvert, RefusesToOverwriteAndPickles) {
  const std::string dir = test::scratch_dir();
  const std::string heft = test::shell_quote(test::heft_binary());
  auto a = test::run_command(heft + " convert " + test::shell_quote(test::shared("models/TinyStories-656K")) + " " +
                             test::shell_quote(dir + "/a.gguf"));
  ASSERT_EQ(a.status, 0) << a.err;
  auto again = test::run_command(heft + " convert " + test::shell_quote(test::shared("models/TinyStories-656K")) + " " +
                                 test::shell_quote(dir + "/a.gguf"));
  EXPECT_EQ(again.status, 1);
  auto pickle = test::run_command(heft + " convert " + test::shell_quote(test::shared("models/pickle-tiny-random-llama")) +
                                  " " + test::shell_quote(dir + "/p.gguf"));
  EXPECT_EQ(pickle.status, 1);
  EXPECT_NE(pickle.err.find("pickle"), std::string::npos);
}
