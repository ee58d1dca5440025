// MODEL arguments ollama:NAME[:TAG] open a model of an Ollama store, read-only,
// its blob checked against its digest on first use; `heft list --ollama` lists
// the store (issue 17).
#include <filesystem>
#include <fstream>

#include "cli/cli_helpers.h"
#include "support/fake_ollama_store.h"

namespace fs = std::filesystem;
using namespace heft;

namespace {

const std::string kGguf = "models/TinyStories-656K-gguf/tinystories-656k-q8_0.gguf";

// heft with OLLAMA_MODELS and XDG_CACHE_HOME set for it alone.
test::CommandResult heft_with_store(const std::string& store, const std::string& cache, const std::vector<std::string>& args) {
  return test::heft_env({{"OLLAMA_MODELS", store}, {"XDG_CACHE_HOME", cache}, {"HF_HUB_CACHE", cache + "/hub"}}, args);
}

}  // namespace

TEST(OllamaModel, RunInspectAndListAModelOfTheStore) {
  test::FakeOllamaStore store;
  const std::string cache = test::scratch_dir();
  const auto model = store.add_blob_file(test::kOllamaModel, test::shared(kGguf));
  const auto license = store.add_blob(test::kOllamaLicense, "MIT License\n");
  store.write_manifest("registry.ollama.ai/library/tiny/latest", test::FakeOllamaStore::manifest({model, license}));

  // Listed before any use: not verified yet.
  auto before = heft_with_store(store.dir(), cache, {"list", "--ollama", "--json"});
  ASSERT_EQ(before.status, 0) << before.err;
  auto doc = util::Json::parse(before.out, "list --ollama --json");
  ASSERT_TRUE(doc) << before.out;
  EXPECT_EQ(doc->get_string("store"), store.dir());
  ASSERT_EQ(doc->find("models")->size(), 1u);
  const util::Json& entry = doc->find("models")->as_array()[0];
  EXPECT_EQ(entry.get_string("name"), "tiny:latest");
  EXPECT_EQ(entry.get_string("digest"), model.digest);
  EXPECT_EQ(entry.get_string("blob"), store.blob_path(model.digest));
  EXPECT_EQ(entry.get_int("size_bytes", 0), static_cast<int64_t>(model.size + license.size));
  EXPECT_FALSE(entry.get_bool("verified", true));

  auto inspect = heft_with_store(store.dir(), cache, {"inspect", "ollama:tiny:latest"});
  EXPECT_EQ(inspect.status, 0) << inspect.err;
  EXPECT_NE(inspect.out.find(store.blob_path(model.digest)), std::string::npos) << inspect.out;

  // The same tokens as the file itself gives.
  const std::vector<std::string> gen = {"-p", "Once upon a time", "-n", "4", "--temp", "0", "-t", "2"};
  std::vector<std::string> by_path = {"run", test::shared(kGguf)};
  by_path.insert(by_path.end(), gen.begin(), gen.end());
  auto expected = test::heft(by_path);
  ASSERT_EQ(expected.status, 0) << expected.err;
  std::vector<std::string> by_name = {"run", "ollama:tiny"};
  by_name.insert(by_name.end(), gen.begin(), gen.end());
  auto run = heft_with_store(store.dir(), cache, by_name);
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, expected.out);

  auto after = heft_with_store(store.dir(), cache, {"list", "--ollama", "--json"});
  ASSERT_EQ(after.status, 0) << after.err;
  auto doc2 = util::Json::parse(after.out, "list --ollama --json");
  ASSERT_TRUE(doc2) << after.out;
  EXPECT_TRUE(doc2->find("models")->as_array()[0].get_bool("verified", false));

  auto text = heft_with_store(store.dir(), cache, {"list", "--ollama"});
  EXPECT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("ollama:tiny:latest"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(model.digest.substr(7, 12)), std::string::npos) << text.out;

  // Without --ollama, the Hugging Face cache as before.
  auto hf = heft_with_store(store.dir(), cache, {"list"});
  EXPECT_EQ(hf.status, 0) << hf.err;
  EXPECT_NE(hf.out.find("no models in the Hugging Face cache"), std::string::npos) << hf.out;
}

TEST(OllamaModel, ATamperedBlobIsRefusedInOneLine) {
  test::FakeOllamaStore store;
  const std::string cache = test::scratch_dir();
  const auto model = store.add_blob_file(test::kOllamaModel, test::shared(kGguf));
  store.write_manifest("registry.ollama.ai/library/tiny/latest", test::FakeOllamaStore::manifest({model}));
  {
    std::fstream f(store.blob_path(model.digest), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100000);
    f.put('\x01');
  }
  auto r = heft_with_store(store.dir(), cache, {"run", "ollama:tiny", "-p", "x", "-n", "1"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(store.blob_path(model.digest)), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("expected " + model.digest + ", got sha256:"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;

  auto absent = heft_with_store(store.dir(), cache, {"inspect", "ollama:other:7b"});
  EXPECT_EQ(absent.status, 1);
  EXPECT_NE(absent.err.find("not in the Ollama store"), std::string::npos) << absent.err;
}
