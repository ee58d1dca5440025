// `heft license` on every model in ../shared/models, each with the licence it
// really has (models/README.md there): the llama2.c checkpoint is MIT by the
// LICENSE file beside it; the rest state none or an unnamed one, which heft
// must call unknown rather than guess. And a model named in the Hugging Face cache.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "cli/cli_helpers.h"

namespace fs = std::filesystem;
using namespace heft;

namespace {

struct Expected {
  const char* id;        // nullptr: unknown
  const char* declared;  // what the model states (license_name or license), nullptr: nothing
  const char* base;      // the base model it names, nullptr: none
};

// Every model file and folder in shared/models, by path relative to it.
const std::map<std::string, Expected>& expected() {
  static const std::map<std::string, Expected> m = {
      // The card says `license: other`, `license_name: upstream-unstated`: the copy it was taken from states none.
      {"TinyStories-656K", {nullptr, "upstream-unstated", "raincandy-u/TinyStories-656K"}},
      {"TinyStories-656K/model.safetensors", {nullptr, "upstream-unstated", "raincandy-u/TinyStories-656K"}},
      // Converted by llama.cpp's tools with no licence keys, and no card beside them.
      {"TinyStories-656K-gguf/tinystories-656k-f32.gguf", {nullptr, nullptr, nullptr}},
      {"TinyStories-656K-gguf/tinystories-656k-q8_0.gguf", {nullptr, nullptr, nullptr}},
      // Karpathy's llama2.c: MIT, by LICENSE.llama2c.
      {"stories260K-llama2c/stories260K.bin", {"mit", nullptr, nullptr}},
      // Test data written for heft: nothing states a licence (and nothing may be unpickled to find out).
      {"pickle-tiny-random-llama", {nullptr, nullptr, nullptr}},
      {"pickle-tiny-random-llama/pytorch_model.bin", {nullptr, nullptr, nullptr}},
  };
  return m;
}

bool is_model(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".gguf" || ext == ".safetensors" || ext == ".bin";
}

test::CommandResult heft_with_cache(const std::string& cache, const std::vector<std::string>& args) {
  return test::heft_env({{"HF_HUB_CACHE", cache}}, args);
}

}  // namespace

TEST(LicenseCli, EverySharedModelHasItsRealLicence) {
  const fs::path root = test::shared("models");
  // Every model there is accounted for: the synthetic GGUFs (random weights made for tests) state nothing.
  std::vector<std::string> all;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const std::string rel = e.path().lexically_relative(root).string();
    if (e.is_regular_file() && is_model(e.path())) all.push_back(rel);
    if (e.is_directory()) all.push_back(rel);
  }
  for (const auto& [rel, _] : expected()) EXPECT_NE(std::find(all.begin(), all.end(), rel), all.end()) << rel;
  for (const auto& rel : all) {
    const bool synthetic = rel.starts_with("synthetic-mini-gguf");
    if (synthetic && rel.ends_with(".gguf")) continue;
    if (rel == "synthetic-mini-gguf" || rel == "TinyStories-656K-gguf" || rel == "stories260K-llama2c") continue;  // folders of files
    EXPECT_TRUE(expected().count(rel)) << rel << " is not in this test's table: find out its licence and add it";
  }

  std::vector<std::pair<std::string, Expected>> cases(expected().begin(), expected().end());
  for (const auto& rel : all)
    if (rel.starts_with("synthetic-mini-gguf/") && rel.ends_with(".gguf")) cases.push_back({rel, {nullptr, nullptr, nullptr}});
  for (const auto& [rel, want] : cases) {
    const std::string path = (root / rel).string();
    auto j = test::heft_json({"license", path, "--json"});
    const util::Json* lic = j.find("license");
    ASSERT_NE(lic, nullptr) << rel;
    if (want.id) {
      EXPECT_EQ(lic->get_string("id"), want.id) << rel;
      EXPECT_TRUE(lic->get_bool("known", false)) << rel;
    } else {
      EXPECT_TRUE(lic->find("id")->is_null()) << rel;
      EXPECT_EQ(lic->get_string("status"), "unknown — read the licence text") << rel;
      EXPECT_EQ(j.get_string("commercial_use"), "unknown") << rel;
    }
    const std::string declared = lic->get_string("declared_name", lic->get_string("declared"));
    EXPECT_EQ(declared, want.declared ? want.declared : "") << rel;
    const util::Json* bases = j.find("base_models");
    ASSERT_NE(bases, nullptr);
    if (want.base) {
      ASSERT_EQ(bases->size(), 1u) << rel;
      EXPECT_EQ(bases->as_array()[0].get_string("repo"), want.base) << rel;
    } else {
      EXPECT_EQ(bases->size(), 0u) << rel;
    }
    EXPECT_FALSE(j.get_bool("requires_acceptance", true)) << rel;
    // The human form says the same, on stdout, exit 0.
    auto text = test::heft({"license", path});
    EXPECT_EQ(text.status, 0) << rel << ": " << text.err;
    EXPECT_NE(text.out.find(want.id ? std::string(want.id) + " (" : "unknown — read the licence text"), std::string::npos)
        << rel << ":\n" << text.out;
  }
  // The MIT checkpoint's text is the file beside it.
  auto mit = test::heft_json({"license", (root / "stories260K-llama2c/stories260K.bin").string(), "--json"});
  const std::string text_path = mit.find("license")->get_string("text");
  std::error_code ec;
  EXPECT_TRUE(std::filesystem::equivalent(text_path, root / "stories260K-llama2c/LICENSE.llama2c", ec)) << text_path;
  EXPECT_EQ(mit.get_string("commercial_use"), "yes");
}

TEST(LicenseCli, ModelInTheCacheAndErrors) {
  const fs::path cache = test::scratch_dir();
  const std::string commit = "aaaaaaaaaabbbbbbbbbbccccccccccdddddddddd";
  const fs::path repo = cache / "models--someone--Tiny-GGUF";
  fs::create_directories(repo / "refs");
  std::ofstream(repo / "refs" / "main") << commit;
  fs::create_directories(repo / "snapshots" / commit);
  fs::copy_file(test::shared("models/TinyStories-656K-gguf/tinystories-656k-q8_0.gguf"),
                repo / "snapshots" / commit / "tiny-Q8_0.gguf");
  std::ofstream(repo / "snapshots" / commit / "README.md")
      << "---\nlicense: apache-2.0\nbase_model: meta-llama/Llama-3.2-1B\n---\n# A fine-tune\n";
  auto r = heft_with_cache(cache.string(), {"license", "someone/Tiny-GGUF:Q8_0"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("apache-2.0 (Apache License 2.0)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("meta-llama/Llama-3.2-1B: llama3.2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("conflict:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("heft pull needs --accept-license"), std::string::npos) << r.out;

  auto missing = test::heft({"license", "/no/such/model.gguf"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;
  EXPECT_NE(missing.err.find("no such file"), std::string::npos) << missing.err;
  auto absent = heft_with_cache(cache.string(), {"license", "someone/else"});
  EXPECT_EQ(absent.status, 1);
  EXPECT_NE(absent.err.find("not in the Hugging Face cache"), std::string::npos) << absent.err;
}
