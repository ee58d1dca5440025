// The pieces of `heft pull` that need no network: which files a selector asks
// for, which repository paths are safe to create, Retry-After, URL escaping.
// The protocol itself is tested against a mock Hub (tests/reference/hub_pull.mjs).
#include <gtest/gtest.h>

#include "store/http_client.h"
#include "store/hub_api.h"
#include "store/pull.h"

namespace heft::store {
namespace {

RepoInfo repo(std::vector<std::string> paths) {
  RepoInfo info{.repo = "org/name", .revision = "main", .commit = std::string(40, 'a')};
  for (auto& p : paths) info.files.push_back({.path = p, .size = 10, .git_oid = std::string(40, 'b')});
  return info;
}

std::vector<std::string> names(const std::vector<RepoFile>& fs) {
  std::vector<std::string> out;
  for (const auto& f : fs) out.push_back(f.path);
  return out;
}

TEST(PullPlan, QuantizationPicksItsGgufAndEveryPartOfASplitOne) {
  auto info = repo({"README.md", "LICENSE", "m-Q4_K_M.gguf", "m-Q4_K_S.gguf", "m-Q8_0.gguf",
                    "big/m-Q8_0-00001-of-00002.gguf", "big/m-Q8_0-00002-of-00002.gguf", "config.json"});
  auto p = plan_pull(info, "Q4_K_M", "/cache");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(names(p->weights), std::vector<std::string>{"m-Q4_K_M.gguf"});
  EXPECT_EQ(names(p->small), (std::vector<std::string>{"LICENSE", "README.md"}));
  EXPECT_EQ(p->snapshot_dir, "/cache/models--org--name/snapshots/" + std::string(40, 'a'));
  // Q4_K is not a whole word of Q4_K_M or Q4_K_S.
  EXPECT_FALSE(plan_pull(info, "Q4_K", "/cache"));
  // Two Q8_0 files that are not parts of one: a choice the user makes by path.
  auto two = plan_pull(info, "Q8_0", "/cache");
  ASSERT_FALSE(two);
  EXPECT_NE(two.error().message.find("name one"), std::string::npos);
  auto split = plan_pull(info, "big/m-Q8_0-00001-of-00002.gguf", "/cache");
  ASSERT_TRUE(split);
  EXPECT_EQ(names(split->weights), (std::vector<std::string>{"big/m-Q8_0-00001-of-00002.gguf", "big/m-Q8_0-00002-of-00002.gguf"}));
  auto none = plan_pull(info, "", "/cache");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("QUANT"), std::string::npos);
  auto absent = plan_pull(info, "Q2_K", "/cache");
  ASSERT_FALSE(absent);
  EXPECT_NE(absent.error().message.find("m-Q4_K_M.gguf"), std::string::npos);  // lists what there is
}

TEST(PullPlan, CheckpointTakesWeightsConfigsAndTokenizerButNotOtherFolders) {
  auto info = repo({"README.md", "config.json", "generation_config.json", "model-00001-of-00002.safetensors",
                    "model-00002-of-00002.safetensors", "model.safetensors.index.json", "tokenizer.json",
                    "tokenizer.model", "chat_template.jinja", "original/consolidated.00.pth", "pytorch_model.bin",
                    "onnx/model.onnx", ".gitattributes"});
  auto p = plan_pull(info, "", "/cache");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(names(p->weights), (std::vector<std::string>{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}));
  EXPECT_EQ(names(p->small), (std::vector<std::string>{"README.md", "chat_template.jinja", "config.json", "generation_config.json",
                                                       "model.safetensors.index.json", "tokenizer.json", "tokenizer.model"}));
  // Without safetensors, the .bin checkpoint.
  auto bin = plan_pull(repo({"config.json", "pytorch_model.bin", "training_args.bin"}), "", "/cache");
  ASSERT_TRUE(bin);
  EXPECT_EQ(names(bin->weights), std::vector<std::string>{"pytorch_model.bin"});
  EXPECT_FALSE(plan_pull(repo({"README.md", "notes.txt"}), "", "/cache"));
}

TEST(HubApi, RepositoryPathsThatCouldEscapeTheSnapshotAreRefused) {
  for (const char* ok : {"model.gguf", "a/b/c.json", "Q4_K_M/x-00001-of-00002.gguf", "..hidden", "a..b"})
    EXPECT_TRUE(safe_repo_path(ok)) << ok;
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../../x", "a/./b", "a//b", "a/", "a\\b", "c:x", "a\nb"})
    EXPECT_FALSE(safe_repo_path(bad)) << bad;
}

TEST(HttpClient, RetryAfterSecondsOrDate) {
  EXPECT_EQ(parse_retry_after("120"), 120.0);
  EXPECT_EQ(parse_retry_after(" 0"), 0.0);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), 0.0);  // in the past: now
  EXPECT_FALSE(parse_retry_after(""));
  EXPECT_FALSE(parse_retry_after("soon"));
  EXPECT_FALSE(parse_retry_after("99999999999"));
  const RetryPolicy p{.attempts = 6, .base_delay_s = 1.0};
  for (int a = 0; a < 12; ++a) {
    const double d = retry_delay(p, a, nullptr);
    EXPECT_GE(d, 0.75 * std::min(30.0, static_cast<double>(1u << a)));
    EXPECT_LE(d, 1.25 * 30.0);
  }
}

TEST(HttpClient, Escaping) {
  EXPECT_EQ(url_escape("refs/pr/1", false), "refs%2Fpr%2F1");
  EXPECT_EQ(url_escape("dir/a b+c.gguf", true), "dir/a%20b%2Bc.gguf");
  EXPECT_EQ(url_origin("https://huggingface.co/api/models/x"), "https://huggingface.co");
  EXPECT_EQ(url_origin("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
  EXPECT_EQ(url_origin("nonsense"), "");
}

}  // namespace
}  // namespace heft::store
