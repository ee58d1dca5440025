// MODEL arguments that name a repository in the Hugging Face cache, laid out
// here as huggingface_hub lays it out (blobs, snapshot links, refs).
#include "store/hf_cache.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "support/test_paths.h"

namespace fs = std::filesystem;
using namespace heft;

namespace {

const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";
const std::string kOther = "89abcdef0123456789abcdef0123456789abcdef";

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// One repository file: its blob, and the snapshot's relative link to it.
void add_file(const fs::path& repo, const std::string& commit, const std::string& path, const std::string& blob) {
  write(repo / "blobs" / blob, path);
  const fs::path link = repo / "snapshots" / commit / path;
  fs::create_directories(link.parent_path());
  fs::create_symlink(fs::relative(repo / "blobs" / blob, link.parent_path()), link);
}

fs::path make_cache() {
  const fs::path cache = test::scratch_dir();
  const fs::path gguf = cache / "models--org--Tiny-GGUF";
  write(gguf / "refs" / "main", kCommit);  // huggingface_hub writes the hash without a newline
  add_file(gguf, kCommit, "tiny-Q4_K_M.gguf", "b1");
  add_file(gguf, kCommit, "tiny-Q8_0.gguf", "b2");
  add_file(gguf, kCommit, "tiny-Q4_K_S.gguf", "b6");
  add_file(gguf, kCommit, "big/tiny-F16-00001-of-00002.gguf", "b3");
  add_file(gguf, kCommit, "big/tiny-F16-00002-of-00002.gguf", "b4");
  add_file(gguf, kCommit, "README.md", "b5");
  write(gguf / "refs" / "v1", kOther + "\n");
  add_file(gguf, kOther, "tiny-Q8_0.gguf", "b2");
  const fs::path st = cache / "models--org--tiny-llama";
  write(st / "refs" / "main", kCommit);
  add_file(st, kCommit, "config.json", "c1");
  add_file(st, kCommit, "model.safetensors", "c2");
  add_file(st, kCommit, "tokenizer.json", "c3");
  return cache;
}

}  // namespace

TEST(HfCache, ParsesRepositoryReferences) {
  auto r = store::parse_repo_ref("org/Tiny-GGUF@v1:Q4_K_M");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->repo, "org/Tiny-GGUF");
  EXPECT_EQ(r->revision, "v1");
  EXPECT_EQ(r->selector, "Q4_K_M");
  r = store::parse_repo_ref("Qwen/Qwen2.5-0.5B-Instruct");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->revision, "main");
  EXPECT_EQ(r->selector, "");
  for (const char* bad : {"model.gguf", "a/b/c", "/abs/path", "org/", "/name", "org/name:", "org/name@:x", "o rg/n", ".x/y"})
    EXPECT_FALSE(store::parse_repo_ref(bad)) << bad;
  EXPECT_EQ(store::repo_folder("org/Tiny-GGUF"), "models--org--Tiny-GGUF");
  // A revision becomes a path under refs/: it cannot climb out of it.
  r = store::parse_repo_ref("org/name@refs/pr/1:Q8_0");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->revision, "refs/pr/1");
  for (const char* bad : {"org/name@../../x", "org/name@a/../b", "org/name@/abs", "org/name@a//b", "org/name@a/",
                          "org/name@a b", "org/name@a\\b"})
    EXPECT_FALSE(store::parse_repo_ref(bad)) << bad;
}

TEST(HfCache, ResolvesQuantsPathsRevisionsAndFolders) {
  const std::string cache = make_cache().string();
  auto ok = [&](const std::string& arg) {
    auto p = store::resolve_model(cache, *store::parse_repo_ref(arg));
    EXPECT_TRUE(p) << arg << ": " << (p ? "" : p.error().to_string());
    return p ? fs::path(*p).lexically_relative(cache).generic_string() : std::string();
  };
  const std::string snap = "models--org--Tiny-GGUF/snapshots/" + kCommit + "/";
  EXPECT_EQ(ok("org/Tiny-GGUF:Q4_K_M"), snap + "tiny-Q4_K_M.gguf");  // not Q4_K_S
  EXPECT_EQ(ok("org/Tiny-GGUF:q8_0"), snap + "tiny-Q8_0.gguf");      // any case
  EXPECT_EQ(ok("org/Tiny-GGUF:F16"), snap + "big/tiny-F16-00001-of-00002.gguf");  // a split file opens at part 1
  EXPECT_EQ(ok("org/Tiny-GGUF:README.md"), snap + "README.md");
  EXPECT_EQ(ok("org/Tiny-GGUF@v1:Q8_0"), "models--org--Tiny-GGUF/snapshots/" + kOther + "/tiny-Q8_0.gguf");
  EXPECT_EQ(ok("org/Tiny-GGUF@" + kOther), "models--org--Tiny-GGUF/snapshots/" + kOther + "/tiny-Q8_0.gguf");
  EXPECT_EQ(ok("org/tiny-llama"), "models--org--tiny-llama/snapshots/" + kCommit);  // safetensors: the folder
  // The links resolve to the blobs' contents.
  std::ifstream in(fs::path(cache) / (snap + "tiny-Q8_0.gguf"));
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "tiny-Q8_0.gguf");
}

TEST(HfCache, ErrorsSayWhatTheCacheHolds) {
  const std::string cache = make_cache().string();
  auto err = [&](const std::string& arg) {
    auto p = store::resolve_model(cache, *store::parse_repo_ref(arg));
    EXPECT_FALSE(p) << arg;
    return p ? std::string() : p.error().message;
  };
  EXPECT_NE(err("org/missing").find("not in the Hugging Face cache"), std::string::npos);
  EXPECT_NE(err("org/Tiny-GGUF@dev").find("no refs/dev"), std::string::npos);
  EXPECT_FALSE(store::parse_repo_ref("org/Tiny-GGUF@../../x"));  // refused before it reaches the cache
  const std::string several = err("org/Tiny-GGUF");
  EXPECT_NE(several.find("several GGUF files"), std::string::npos) << several;
  EXPECT_NE(several.find("tiny-Q4_K_M.gguf"), std::string::npos) << several;
  EXPECT_NE(err("org/Tiny-GGUF:Q2_K").find("no GGUF named for it"), std::string::npos);
  EXPECT_NE(err("org/Tiny-GGUF:Q4_K").find("no GGUF named for it"), std::string::npos);  // Q4_K is not Q4_K_M
}

TEST(HfCache, CacheDirectoryFollowsHuggingFaceHub) {
  ::setenv("HF_HUB_CACHE", "/x/hub", 1);
  EXPECT_EQ(store::hub_cache_dir(), "/x/hub");
  ::unsetenv("HF_HUB_CACHE");
  ::setenv("HF_HOME", "/y", 1);
  EXPECT_EQ(store::hub_cache_dir(), "/y/hub");
  ::unsetenv("HF_HOME");
  ::setenv("XDG_CACHE_HOME", "/z", 1);
  EXPECT_EQ(store::hub_cache_dir(), "/z/huggingface/hub");
  ::unsetenv("XDG_CACHE_HOME");
  ::setenv("HOME", "/home/u", 1);
  EXPECT_EQ(store::hub_cache_dir(), "/home/u/.cache/huggingface/hub");
}

TEST(HfCache, ListsRepositoriesWithRevisionFilesSizeAndLicence) {
  const fs::path cache = make_cache();
  const fs::path st = cache / "models--org--tiny-llama";
  write(st / "blobs" / "c4", "---\nlanguage: en\nlicense: apache-2.0\n---\n# Tiny\n");
  fs::create_symlink("../../blobs/c4", st / "snapshots" / kCommit / "README.md");
  const auto repos = store::list_cache(cache.string());
  ASSERT_EQ(repos.size(), 2u);
  EXPECT_EQ(repos[0].repo, "org/Tiny-GGUF");
  EXPECT_EQ(repos[0].commit, kCommit);
  ASSERT_EQ(repos[0].refs.size(), 2u);
  EXPECT_EQ(repos[0].refs[1].first, "v1");
  EXPECT_EQ(repos[0].refs[1].second, kOther);
  EXPECT_EQ(repos[0].files.size(), 6u);
  EXPECT_EQ(repos[0].license, "");  // its README.md has no front matter
  uint64_t blobs = 0;
  for (const auto& e : fs::directory_iterator(cache / "models--org--Tiny-GGUF" / "blobs")) blobs += e.file_size();
  EXPECT_EQ(repos[0].size_bytes, blobs);
  EXPECT_EQ(repos[1].repo, "org/tiny-llama");
  EXPECT_EQ(repos[1].license, "apache-2.0");
  EXPECT_TRUE(store::list_cache((cache / "nowhere").string()).empty());
}

TEST(HfCache, RemovesASnapshotAndTheBlobsOnlyItUsedOrAWholeRepository) {
  const fs::path cache = make_cache();
  const fs::path repo = cache / "models--org--Tiny-GGUF";
  // v1's snapshot shares blob b2 with main's: removing v1 frees nothing and keeps main whole.
  auto freed = store::remove_from_cache(cache.string(), *store::parse_repo_ref("org/Tiny-GGUF@v1"), false);
  ASSERT_TRUE(freed) << freed.error().to_string();
  EXPECT_EQ(*freed, 0u);
  EXPECT_FALSE(fs::exists(repo / "refs" / "v1"));
  EXPECT_FALSE(fs::exists(repo / "snapshots" / kOther));
  EXPECT_TRUE(fs::exists(repo / "blobs" / "b2"));
  EXPECT_TRUE(store::resolve_model(cache.string(), *store::parse_repo_ref("org/Tiny-GGUF:Q8_0")));
  // main's snapshot: every blob goes, and the ref.
  freed = store::remove_from_cache(cache.string(), *store::parse_repo_ref("org/Tiny-GGUF@main"), false);
  ASSERT_TRUE(freed);
  EXPECT_GT(*freed, 0u);
  EXPECT_TRUE(fs::is_empty(repo / "blobs"));
  EXPECT_FALSE(fs::exists(repo / "refs" / "main"));
  // A whole repository.
  freed = store::remove_from_cache(cache.string(), *store::parse_repo_ref("org/tiny-llama"), true);
  ASSERT_TRUE(freed);
  EXPECT_FALSE(fs::exists(cache / "models--org--tiny-llama"));
  EXPECT_FALSE(store::remove_from_cache(cache.string(), *store::parse_repo_ref("org/tiny-llama"), true));
}
