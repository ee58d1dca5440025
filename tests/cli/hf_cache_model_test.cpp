// Every MODEL argument also names a model in the Hugging Face cache
// (ORG/NAME[@REVISION][:QUANT]): a cache laid out as huggingface_hub lays it
// out, holding the demo model, runs as the file itself does (issue 17).
#include <filesystem>
#include <fstream>

#include "cli/cli_helpers.h"

namespace fs = std::filesystem;
using namespace heft;

namespace {

test::CommandResult heft_with_cache(const std::string& cache, const std::vector<std::string>& args) {
  return test::heft_env({{"HF_HUB_CACHE", cache}}, args);
}

}  // namespace

TEST(HfCacheModel, RunInspectAndBenchOpenARepositoryInTheCache) {
  const fs::path cache = test::scratch_dir();
  const std::string commit = "aaaaaaaaaabbbbbbbbbbccccccccccdddddddddd";
  const fs::path repo = cache / "models--heft--TinyStories-656K-GGUF";
  fs::create_directories(repo / "refs");
  std::ofstream(repo / "refs" / "main") << commit;
  fs::create_directories(repo / "blobs");
  fs::copy_file(test::source("models/tinystories-656k-q8_0.gguf"), repo / "blobs" / "e3b0c442");
  fs::create_directories(repo / "snapshots" / commit);
  fs::create_symlink("../../blobs/e3b0c442", repo / "snapshots" / commit / "tinystories-656k-q8_0.gguf");

  const std::vector<std::string> gen = {"-p", "Once upon a time", "-n", "12", "--temp", "0", "-t", "2"};
  std::vector<std::string> by_path = {"run", test::source("models/tinystories-656k-q8_0.gguf")};
  by_path.insert(by_path.end(), gen.begin(), gen.end());
  auto expected = test::heft(by_path);
  ASSERT_EQ(expected.status, 0) << expected.err;
  for (const std::string name : {"heft/TinyStories-656K-GGUF:Q8_0", "heft/TinyStories-656K-GGUF",
                                 "heft/TinyStories-656K-GGUF@main:tinystories-656k-q8_0.gguf"}) {
    std::vector<std::string> args = {"run", name};
    args.insert(args.end(), gen.begin(), gen.end());
    auto r = heft_with_cache(cache.string(), args);
    EXPECT_EQ(r.status, 0) << name << ": " << r.err;
    EXPECT_EQ(r.out, expected.out) << name;
  }
  auto inspect = heft_with_cache(cache.string(), {"inspect", "heft/TinyStories-656K-GGUF:Q8_0"});
  EXPECT_EQ(inspect.status, 0) << inspect.err;
  auto missing = heft_with_cache(cache.string(), {"run", "heft/TinyStories-656K-GGUF:Q4_0", "-p", "x"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("no GGUF named for it"), std::string::npos) << missing.err;
  auto absent = heft_with_cache(cache.string(), {"run", "someone/else", "-p", "x"});
  EXPECT_EQ(absent.status, 1);
  EXPECT_NE(absent.err.find("not in the Hugging Face cache"), std::string::npos) << absent.err;
}

TEST(HfCacheModel, TokenizeTemplateAndConvertOpenItToo) {
  const fs::path cache = test::scratch_dir();
  const std::string commit = "aaaaaaaaaabbbbbbbbbbccccccccccdddddddddd";
  const fs::path repo = cache / "models--heft--tiny";
  fs::create_directories(repo / "refs");
  std::ofstream(repo / "refs" / "main") << commit;
  fs::create_directories(repo / "blobs");
  fs::copy_file(test::source("models/tinystories-656k-q8_0.gguf"), repo / "blobs" / "e3b0c442");
  fs::create_directories(repo / "snapshots" / commit);
  fs::create_symlink("../../blobs/e3b0c442", repo / "snapshots" / commit / "tiny-Q8_0.gguf");
  const std::string file = test::source("models/tinystories-656k-q8_0.gguf");

  auto tok_path = test::heft({"tokenize", file, "Once upon a time", "--ids"});
  auto tok_repo = heft_with_cache(cache.string(), {"tokenize", "heft/tiny:Q8_0", "Once upon a time", "--ids"});
  EXPECT_EQ(tok_repo.status, 0) << tok_repo.err;
  EXPECT_EQ(tok_repo.out, tok_path.out);
  auto detok = heft_with_cache(cache.string(), {"detokenize", "heft/tiny:Q8_0", "1", "80"});
  EXPECT_EQ(detok.status, 0) << detok.err;
  EXPECT_EQ(detok.out, test::heft({"detokenize", file, "1", "80"}).out);
  const fs::path out = cache / "copy.gguf";
  auto conv = heft_with_cache(cache.string(), {"convert", "heft/tiny:Q8_0", out.string()});
  EXPECT_EQ(conv.status, 0) << conv.err;
  EXPECT_TRUE(fs::exists(out));
  auto tmpl = heft_with_cache(cache.string(), {"template", "heft/nothing", "--messages", "x.json"});
  EXPECT_EQ(tmpl.status, 1);
  EXPECT_NE(tmpl.err.find("not in the Hugging Face cache"), std::string::npos) << tmpl.err;
}
