// Read-only import from an Ollama store (issue 17): names parsed as Ollama parses
// them, manifests read defensively, and model blobs checked against their digest
// once, then trusted while the file stays as it was.
#include "store/ollama.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

#include "store/hf_cache.h"
#include "support/fake_ollama_store.h"

namespace fs = std::filesystem;
using namespace heft;

namespace {

// Sets an environment variable for one test and puts it back after.
class EnvGuard {
 public:
  EnvGuard(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) setenv(name, value->c_str(), 1);
    else unsetenv(name);
  }
  ~EnvGuard() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::string tiny_gguf() { return test::shared("models/TinyStories-656K-gguf/tinystories-656k-q8_0.gguf"); }

std::string full(const std::optional<store::OllamaName>& n) {
  return n ? n->manifest_rel() : std::string("(invalid)");
}

// A store holding tiny:latest (the demo GGUF, a template, a licence), with
// OLLAMA_MODELS and XDG_CACHE_HOME pointing at this test's own folders.
class OllamaStore : public testing::Test {
 protected:
  test::FakeOllamaStore store;
  EnvGuard models{"OLLAMA_MODELS", store.dir()};
  EnvGuard cache{"XDG_CACHE_HOME", test::scratch_dir()};
  test::FakeLayer model = store.add_blob_file(test::kOllamaModel, tiny_gguf());
  test::FakeLayer templ = store.add_blob(test::kOllamaTemplate, "{{ .Prompt }}");
  test::FakeLayer license = store.add_blob(test::kOllamaLicense, "MIT License\n");
  std::string manifest =
      store.write_manifest("registry.ollama.ai/library/tiny/latest", test::FakeOllamaStore::manifest({model, templ, license}));

  std::string blob() const { return store.blob_path(model.digest); }
  std::string record() const { return store::ollama_verified_dir() + "/sha256-" + model.digest.substr(7); }
};

}  // namespace

TEST(Ollama, ParsesNamesAsOllamaDoes) {
  EXPECT_EQ(full(store::parse_ollama_name("tiny")), "registry.ollama.ai/library/tiny/latest");
  EXPECT_EQ(full(store::parse_ollama_name("tiny:q8_0")), "registry.ollama.ai/library/tiny/q8_0");
  EXPECT_EQ(full(store::parse_ollama_name("me/tiny:v1.5")), "registry.ollama.ai/me/tiny/v1.5");
  EXPECT_EQ(full(store::parse_ollama_name("hf.co/me/Tiny-GGUF:Q4_K_M")), "hf.co/me/Tiny-GGUF/Q4_K_M");
  // A ':' before the last '/' is a port, not a tag.
  EXPECT_EQ(full(store::parse_ollama_name("localhost:5000/me/tiny")), "localhost:5000/me/tiny/latest");
  EXPECT_EQ(full(store::parse_ollama_name("https://example.com/me/tiny:2")), "example.com/me/tiny/2");
  EXPECT_EQ(store::parse_ollama_name("tiny")->shortest(), "tiny:latest");
  EXPECT_EQ(store::parse_ollama_name("me/tiny:v1")->shortest(), "me/tiny:v1");
  EXPECT_EQ(store::parse_ollama_name("Registry.Ollama.AI/library/tiny")->shortest(), "tiny:latest");
  EXPECT_EQ(store::parse_ollama_name("hf.co/me/tiny:v1")->shortest(), "hf.co/me/tiny:v1");
}

TEST(Ollama, RefusesNamesOllamaRefuses) {
  for (const char* bad : {"", ":latest", "tiny:", "/tiny", "me/", "a/b/c/d", "me.x/tiny", "../tiny", "../../etc/passwd",
                          "tiny:../x", "me/..", "-tiny", ".tiny", "ti ny", "tiny:la/test", "tiny:a:b", "x//tiny"})
    EXPECT_FALSE(store::parse_ollama_name(bad)) << bad << " → " << full(store::parse_ollama_name(bad));
  EXPECT_FALSE(store::parse_ollama_name(std::string(81, 'a')));
}

TEST(Ollama, FindsTheStoreAsOllamaDoes) {
  {
    EnvGuard models("OLLAMA_MODELS", std::string(" \"/srv/ollama\" "));  // Ollama trims blanks and quotes
    EXPECT_EQ(store::ollama_models_dir(), "/srv/ollama");
  }
  EnvGuard models("OLLAMA_MODELS", std::nullopt);
  EnvGuard home("HOME", std::string("/home/someone"));
  EXPECT_EQ(store::ollama_models_dir(), "/home/someone/.ollama/models");
  EnvGuard cache("XDG_CACHE_HOME", std::nullopt);
  EXPECT_EQ(store::ollama_verified_dir(), "/home/someone/.cache/heft/ollama-verified");
}

TEST_F(OllamaStore, ReadsTheLayersOfAManifest) {
  const auto params = store.add_blob(test::kOllamaParams, R"({"temperature":0.2})");
  const auto license2 = store.add_blob(test::kOllamaLicense, "Second licence\n");
  const auto system = store.add_blob(test::kOllamaSystem, "Be brief.");
  store.write_manifest("registry.ollama.ai/me/tiny/v1",
                       test::FakeOllamaStore::manifest({model, templ, params, license, license2, system}));
  auto m = store::find_ollama_model(store.dir(), *store::parse_ollama_name("me/tiny:v1"));
  ASSERT_TRUE(m) << m.error().to_string();
  EXPECT_EQ(m->name, "me/tiny:v1");
  EXPECT_EQ(m->tag, "v1");
  EXPECT_EQ(m->manifest_path, store.dir() + "/manifests/registry.ollama.ai/me/tiny/v1");
  EXPECT_EQ(m->model_digest, model.digest);
  EXPECT_EQ(m->model_blob, blob());
  EXPECT_EQ(m->model_bytes, fs::file_size(tiny_gguf()));
  EXPECT_EQ(m->template_blob, store.blob_path(templ.digest));
  EXPECT_EQ(m->params_blob, store.blob_path(params.digest));
  EXPECT_EQ(m->system_blob, store.blob_path(system.digest));
  EXPECT_EQ(m->license_blob, store.blob_path(license.digest));
  EXPECT_EQ(m->license_blobs, (std::vector<std::string>{store.blob_path(license.digest), store.blob_path(license2.digest)}));
  EXPECT_EQ(m->size, model.size + templ.size + params.size + license.size + license2.size + system.size);
  EXPECT_EQ(m->manifest_digest.size(), 64u);
}

TEST_F(OllamaStore, FindsNamesThatDifferOnlyInCase) {
  store.write_manifest("registry.ollama.ai/library/Mixed/Q8_0", test::FakeOllamaStore::manifest({model}));
  auto m = store::find_ollama_model(store.dir(), *store::parse_ollama_name("mixed:q8_0"));
  ASSERT_TRUE(m) << m.error().to_string();
  EXPECT_EQ(m->name, "Mixed:Q8_0");
  auto absent = store::find_ollama_model(store.dir(), *store::parse_ollama_name("other"));
  ASSERT_FALSE(absent);
  EXPECT_NE(absent.error().message.find("not in the Ollama store"), std::string::npos) << absent.error().message;
}

TEST_F(OllamaStore, MalformedManifestsAreErrorsNotCrashes) {
  const std::string hex(64, 'a');
  const auto layer = [](const std::string& fields) {
    return R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","layers":[)" + fields +
           "]}";
  };
  const auto model_layer = [&](const std::string& digest, const std::string& size) {
    return layer(R"({"mediaType":"application/vnd.ollama.image.model","digest":)" + digest + R"(,"size":)" + size + "}");
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json{", "invalid JSON"},
      {"", "invalid JSON"},
      {"[1,2]", "not a JSON object"},
      {R"({"schemaVersion":1,"layers":[]})", "schemaVersion"},
      {R"({"schemaVersion":"2","layers":[]})", "schemaVersion"},
      {R"({"schemaVersion":2,"mediaType":"text/html","layers":[]})", "mediaType"},
      {R"({"schemaVersion":2})", "no layers"},
      {R"({"schemaVersion":2,"layers":{}})", "no layers"},
      {layer("3"), "layer 0 is not an object"},
      {layer(R"({"digest":"sha256:)" + hex + R"(","size":1})"), "no mediaType"},
      {model_layer(R"("sha256:../../../../etc/passwd")", "1"), "valid digest"},
      {model_layer(R"("sha256:)" + hex.substr(1) + R"(")", "1"), "valid digest"},
      {model_layer(R"("sha256:)" + std::string(64, 'A') + R"(")", "1"), "valid digest"},
      {model_layer(R"("sha256-)" + hex + R"(")", "1"), "valid digest"},
      {model_layer(R"("sha512:)" + hex + R"(")", "1"), "valid digest"},
      {model_layer(R"("sha256:)" + hex + R"(/../x")", "1"), "valid digest"},
      {model_layer("17", "1"), "valid digest"},
      {model_layer(R"("sha256:)" + hex + R"(")", "-1"), "valid size"},
      {model_layer(R"("sha256:)" + hex + R"(")", R"("12")"), "valid size"},
      {model_layer(R"("sha256:)" + hex + R"(")", "1.5"), "valid size"},
      {model_layer(R"("sha256:)" + hex + R"(")", "18446744073709551615"), "valid size"},
      {layer(R"({"mediaType":"application/vnd.ollama.image.license","digest":"sha256:)" + hex + R"(","size":1})"),
       "no model layer"},
      {R"({"schemaVersion":2,"config":{"digest":"sha256:x","size":1},"layers":[]})", "config"},
  };
  int n = 0;
  for (const auto& [text, why] : cases) {
    const std::string tag = fmt::format("bad{}", n++);
    const std::string path = store.write_manifest("registry.ollama.ai/library/tiny/" + tag, text);
    auto m = store::find_ollama_model(store.dir(), *store::parse_ollama_name("tiny:" + tag));
    ASSERT_FALSE(m) << text;
    EXPECT_EQ(m.error().file, path) << text;
    EXPECT_NE(m.error().message.find(why), std::string::npos) << text << " → " << m.error().message;
    auto resolved = store::resolve_ollama_argument("ollama:tiny:" + tag);
    ASSERT_TRUE(resolved);
    EXPECT_FALSE(*resolved) << text;
  }
  // The listing keeps the good model and reports each bad manifest, and names Ollama would not accept.
  store.write_manifest("registry.ollama.ai/library/..x/latest", test::FakeOllamaStore::manifest({model}));
  store.write_manifest("registry.ollama.ai/lib.rary/tiny/latest", test::FakeOllamaStore::manifest({model}));
  const auto listing = store::list_ollama(store.dir());
  ASSERT_EQ(listing.models.size(), 1u);
  EXPECT_EQ(listing.models[0].name, "tiny:latest");
  EXPECT_EQ(listing.errors.size(), cases.size() + 2);
}

TEST_F(OllamaStore, ListsTheStore) {
  store.write_manifest("hf.co/me/tiny/Q8_0", test::FakeOllamaStore::manifest({model}));
  store.write_manifest("registry.ollama.ai/library/tiny/stray/extra", "{}");  // deeper than Ollama looks: ignored
  const auto listing = store::list_ollama(store.dir());
  ASSERT_EQ(listing.models.size(), 2u);
  EXPECT_EQ(listing.models[0].name, "hf.co/me/tiny:Q8_0");
  EXPECT_EQ(listing.models[1].name, "tiny:latest");
  EXPECT_EQ(listing.models[1].license_blob, store.blob_path(license.digest));
  EXPECT_TRUE(listing.errors.empty());
  EXPECT_TRUE(store::list_ollama(store.dir() + "/absent").models.empty());
}

TEST_F(OllamaStore, ResolvesTheModelBlobAndVerifiesItOnce) {
  EXPECT_FALSE(store::blob_verified(blob(), model.digest));
  auto r = store::resolve_model_argument("ollama:tiny");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(*r, blob());
  EXPECT_TRUE(store::blob_verified(blob(), model.digest));
  ASSERT_TRUE(fs::is_regular_file(record()));
  // Every hash rewrites the record: an old record after another use means no hash.
  test::FakeOllamaStore::age(record(), std::chrono::hours(24));
  const auto stamp = fs::last_write_time(record());
  auto again = store::resolve_model_argument("ollama:tiny:latest");
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_EQ(fs::last_write_time(record()), stamp);
  // Other names of the same model resolve too.
  for (const char* name : {"ollama:library/tiny", "ollama:registry.ollama.ai/library/tiny:latest", "ollama:TINY"}) {
    auto other = store::resolve_model_argument(name);
    EXPECT_TRUE(other && *other == blob()) << name;
  }
}

TEST_F(OllamaStore, AChangedBlobIsVerifiedAgain) {
  ASSERT_TRUE(store::verify_blob(blob(), model.digest));
  test::FakeOllamaStore::age(record(), std::chrono::hours(24));
  const auto stamp = fs::last_write_time(record());
  test::FakeOllamaStore::age(blob(), std::chrono::minutes(30));  // same bytes, another mtime
  EXPECT_FALSE(store::blob_verified(blob(), model.digest));
  ASSERT_TRUE(store::verify_blob(blob(), model.digest));
  EXPECT_NE(fs::last_write_time(record()), stamp);
  EXPECT_TRUE(store::blob_verified(blob(), model.digest));
}

TEST_F(OllamaStore, ATamperedBlobIsCaught) {
  ASSERT_TRUE(store::resolve_model_argument("ollama:tiny"));
  {
    std::fstream f(blob(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096);
    f.put('\x5a');
  }
  test::FakeOllamaStore::age(blob(), std::chrono::minutes(10));
  auto r = store::resolve_model_argument("ollama:tiny");
  ASSERT_FALSE(r);
  const std::string msg = r.error().to_string();
  EXPECT_EQ(r.error().file, blob());
  EXPECT_NE(msg.find("expected " + model.digest), std::string::npos) << msg;
  EXPECT_NE(msg.find(", got sha256:"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_FALSE(store::blob_verified(blob(), model.digest));
}

TEST_F(OllamaStore, AMissingOrTruncatedBlobIsAnError) {
  fs::resize_file(blob(), model.size - 1);
  auto truncated = store::resolve_model_argument("ollama:tiny");
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().message.find("bytes but"), std::string::npos) << truncated.error().to_string();
  fs::remove(blob());
  auto missing = store::resolve_model_argument("ollama:tiny");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("missing"), std::string::npos) << missing.error().to_string();
  auto bad_name = store::resolve_model_argument("ollama:../../etc/passwd");
  ASSERT_FALSE(bad_name);
  EXPECT_NE(bad_name.error().message.find("not an Ollama model name"), std::string::npos);
}

TEST_F(OllamaStore, ABlobWrittenThisMomentIsCheckedButNotRecorded) {
  // Its mtime could still change within the file clock's tick without showing.
  fs::last_write_time(blob(), fs::file_time_type::clock::now());
  ASSERT_TRUE(store::verify_blob(blob(), model.digest));
  EXPECT_FALSE(fs::exists(record()));
}
