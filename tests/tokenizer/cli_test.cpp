// `heft tokenize` and `heft detokenize` as a user runs them. Expected ids are
// llama.cpp's (golden/tokenizer-dev.json, golden/prompts-dev.json); the
// pieces are those token texts with U+2581 shown as a space.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "support/test_paths.h"

namespace heft::test {
namespace {

const std::string kTiny = "models/TinyStories-656K-gguf/tinystories-656k-f32.gguf";

CommandResult heft(const std::string& args) { return run_command(shell_quote(heft_binary()) + " " + args); }

TEST(TokenizeCli, DefaultOutputShowsIdsAndPieces) {
  CommandResult r = heft("tokenize " + shell_quote(shared(kTiny)) + " 'Once upon a time, there was a little'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "     1 -> '<|start_story|>'\n    80 -> ' '\n   147 -> 'On'\n   201 -> 'ce '\n   282 -> 'upon a tim'\n"
            "   215 -> 'e, '\n   286 -> 'there was a '\n   158 -> 'li'\n   420 -> 'tt'\n   161 -> 'le'\n");
}

TEST(TokenizeCli, IdsFlagsAndSpecialParsing) {
  std::string m = shell_quote(shared(kTiny));
  CommandResult r = heft("tokenize " + m + " 'The end.<|end_story|>' --ids");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "[1, 80, 247, 183, 10, 208, 183, 209, 210]\n");
  r = heft("tokenize " + m + " 'The end.<|end_story|>' --ids --parse-special --no-add-special");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "[80, 247, 183, 10, 2]\n");
  r = heft("tokenize " + m + " '<|start_story|>Once upon a time' --ids --parse-special");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "[1, 1, 80, 147, 201, 282, 57]\n");
}

TEST(TokenizeCli, FileIsReadByteForByte) {
  std::string dir = scratch_dir();
  {
    std::ofstream f(dir + "/in.txt", std::ios::binary);
    f << "line one\nline two\n";  // the trailing newline is a token
  }
  CommandResult r = heft("tokenize " + shell_quote(shared(kTiny)) + " --file " + shell_quote(dir + "/in.txt") + " --ids");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "[1, 80, 158, 195, 80, 719, 3, 158, 195, 80, 865, 67, 3]\n");
}

TEST(TokenizeCli, StandardInputAndHfFolderAndTokenizerJson) {
  CommandResult folder = run_command(shell_quote(heft_binary()) + " tokenize " + shell_quote(shared("models/TinyStories-656K")) + " --ids",
                                     "Once upon a time, there was a little");
  ASSERT_EQ(folder.status, 0) << folder.err;
  EXPECT_EQ(folder.out, "[1, 80, 147, 201, 282, 215, 286, 64, 207, 161]\n");  // golden hf_prompt_ids
  CommandResult file = heft("tokenize " + shell_quote(shared("tokenizers/llama3/tokenizer.json")) + " 'Hello world' --ids");
  ASSERT_EQ(file.status, 0) << file.err;
  EXPECT_EQ(file.out, "[128000, 9906, 1917]\n");
}

TEST(TokenizeCli, InvalidUtf8PieceIsShownAsHex) {
  // U+13000 (a hieroglyph) is not a token: four <0xNN> byte tokens, none valid UTF-8 alone
  CommandResult r = run_command(shell_quote(heft_binary()) + " tokenize " +
                                    shell_quote(shared("vocab/ggml-vocab-llama-spm.gguf")) + " --no-add-special",
                                "\xF0\x93\x80\x80");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("-> '<f0>' (utf-8 decode failure)"), std::string::npos) << r.out;
}

TEST(TokenizeCli, JsonlBatch) {
  std::string dir = scratch_dir();
  {
    std::ofstream f(dir + "/in.jsonl", std::ios::binary);
    f << "\"<unk>\"\n\"\"\n\"\\n\\n\"\n";
  }
  CommandResult r = heft("tokenize " + shell_quote(shared(kTiny)) + " --jsonl " + shell_quote(dir + "/in.jsonl") + " --no-add-special");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "[80, 23, 148, 63, 24]\n[]\n[80, 3, 3]\n");
}

TEST(DetokenizeCli, PrintsTextWithoutNewline) {
  std::string m = shell_quote(shared(kTiny));
  CommandResult r = heft("detokenize " + m + " 1 80 147 201 282 215 286 158 420 161");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "<|start_story|> Once upon a time, there was a little");
  r = heft("detokenize " + m + " '[1, 80, 147, 201, 282, 215, 286, 158, 420, 161]' --skip-special");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, " Once upon a time, there was a little");  // llama.cpp: the skipped BOS uses up the space removal
  r = heft("detokenize " + m + " 80 147 201");
  EXPECT_EQ(r.out, "Once ");  // 201 is "ce▁"; nothing is added or stripped at the end
}

TEST(Cli, ErrorsAreOneLineAndExitOne) {
  CommandResult r = heft("tokenize /no/such/model 'x'");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind("heft: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  r = heft("detokenize " + shell_quote(shared(kTiny)) + " 5 999999");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("outside the vocabulary"), std::string::npos) << r.err;
  r = heft("detokenize " + shell_quote(shared(kTiny)) + " 5 x");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("not a token id"), std::string::npos) << r.err;
  std::string dir = scratch_dir();
  {
    std::ofstream f(dir + "/tokenizer.json");
    f << "{\"model\": 1}";
  }
  r = heft("tokenize " + shell_quote(dir) + " x");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("tokenizer.json"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace heft::test
