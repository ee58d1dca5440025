#pragma once
// An Ollama store laid out as Ollama lays it out (manifests/<host>/<ns>/<model>/<tag>,
// blobs/sha256-<hex>), built in a scratch directory for the ollama: tests.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "store/digest.h"
#include "support/test_paths.h"

namespace heft::test {

struct FakeLayer {
  std::string media_type, digest;
  uint64_t size = 0;
};

class FakeOllamaStore {
 public:
  FakeOllamaStore() : dir_(scratch_dir()) {}
  const std::string& dir() const { return dir_; }

  std::string blob_path(const std::string& digest) const { return fmt::format("{}/blobs/sha256-{}", dir_, digest.substr(7)); }

  // Stores bytes as a blob; mtime an hour back, like a blob pulled earlier (a blob
  // written this second is hashed but never recorded as verified).
  FakeLayer add_blob(const std::string& media_type, const std::string& bytes) {
    store::Sha256 h;
    h.update(bytes);
    FakeLayer l{media_type, fmt::format("sha256:{}", h.hex_digest()), bytes.size()};
    std::filesystem::create_directories(dir_ + "/blobs");
    std::ofstream(blob_path(l.digest), std::ios::binary) << bytes;
    age(blob_path(l.digest));
    return l;
  }
  FakeLayer add_blob_file(const std::string& media_type, const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return add_blob(media_type, std::string(std::istreambuf_iterator<char>(in), {}));
  }

  static void age(const std::string& path, std::chrono::seconds by = std::chrono::hours(1)) {
    std::filesystem::last_write_time(path, std::filesystem::file_time_type::clock::now() - by);
  }

  // Writes manifests/<rel> as given.
  std::string write_manifest(const std::string& rel, const std::string& json) const {
    const auto p = std::filesystem::path(dir_) / "manifests" / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << json;
    return p.string();
  }

  // A manifest as Ollama writes it.
  static std::string manifest(const std::vector<FakeLayer>& layers) {
    std::string out = R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"
                      R"("config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"","size":0},"layers":[)";
    for (size_t i = 0; i < layers.size(); ++i)
      out.append(i ? "," : "")
          .append(fmt::format(R"({{"mediaType":"{}","digest":"{}","size":{}}})", layers[i].media_type, layers[i].digest,
                              layers[i].size));
    return out.append("]}");
  }

 private:
  std::string dir_;
};

inline const std::string kOllamaModel = "application/vnd.ollama.image.model";
inline const std::string kOllamaTemplate = "application/vnd.ollama.image.template";
inline const std::string kOllamaParams = "application/vnd.ollama.image.params";
inline const std::string kOllamaLicense = "application/vnd.ollama.image.license";
inline const std::string kOllamaSystem = "application/vnd.ollama.image.system";

}  // namespace heft::test
