#pragma once
// Read-only import from an Ollama store ($OLLAMA_MODELS, else ~/.ollama/models):
//   manifests/<host>/<namespace>/<model>/<tag>   a Docker v2 manifest (JSON) per model
//   blobs/sha256-<hex>                            its layers; the model layer is a GGUF file
// and MODEL arguments ollama:NAME[:TAG], whose model blob is checked against its
// digest the first time it is used (Ollama checks only while downloading).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace heft::store {

// A model name as Ollama parses it: [HOST/][NAMESPACE/]MODEL[:TAG], with the
// defaults registry.ollama.ai, library and latest.
struct OllamaName {
  std::string host, ns, model, tag;
  // host/namespace/model/tag: where its manifest lies under manifests/.
  std::string manifest_rel() const;
  // As `ollama list` shows it: default host and namespace left out ("tiny:latest").
  std::string shortest() const;
  bool equal_fold(const OllamaName& o) const;  // Ollama compares names ignoring case
};

// Parses like Ollama's model.ParseName (a scheme:// before the host is dropped);
// nullopt when a part is missing or holds characters Ollama refuses.
std::optional<OllamaName> parse_ollama_name(std::string_view text);

// $OLLAMA_MODELS (trimmed of blanks and quotes, as Ollama reads it), else ~/.ollama/models.
std::string ollama_models_dir();

// One manifest, read and checked.
struct OllamaModel {
  OllamaName ref;
  std::string name;              // ref.shortest()
  std::string tag;               // ref.tag
  std::string manifest_path;
  std::string manifest_digest;   // hex SHA-256 of the manifest file (the ID `ollama list` shows)
  std::string model_digest;      // "sha256:<hex>" of the model layer
  std::string model_blob;        // its blob: the GGUF file
  uint64_t model_bytes = 0;
  std::string template_blob;     // Go template layer, "" when none
  std::string params_blob;       // JSON parameters layer, "" when none
  std::string system_blob;       // system prompt layer, "" when none
  std::vector<std::string> license_blobs;  // licence texts (a Modelfile may give several)
  std::string license_blob;      // the first of them, "" when none
  std::vector<std::string> projector_blobs, adapter_blobs;
  uint64_t size = 0;             // every layer and the config, as `ollama list` counts
};

// Reads manifests_dir/<host>/<ns>/<model>/<tag>. Untrusted JSON: errors name the
// manifest and what is wrong; digests must be sha256:<64 hex>; blob paths are
// always blobs/sha256-<hex> of the store. Blobs are not opened here.
util::Result<OllamaModel> read_ollama_manifest(const std::string& models_dir, const std::string& manifest_path,
                                               const OllamaName& name);

// The manifest for a name: its exact path, else one whose name differs only in case.
util::Result<OllamaModel> find_ollama_model(const std::string& models_dir, const OllamaName& name);

// Every manifest in the store, sorted by name; unreadable or malformed ones are
// reported in `errors` and left out. A missing store is an empty list.
struct OllamaListing {
  std::vector<OllamaModel> models;
  std::vector<util::Error> errors;
};
OllamaListing list_ollama(const std::string& models_dir);

// Records of blobs already hashed: $XDG_CACHE_HOME/heft/ollama-verified, else
// ~/.cache/heft/ollama-verified; one file per digest.
std::string ollama_verified_dir();

// Whether a record says this blob matched its digest and the file is unchanged
// since (same path, size, mtime and ctime). Never hashes.
bool blob_verified(const std::string& blob, std::string_view digest);

// Hashes the blob unless blob_verified(); a match is recorded, a mismatch is an
// error naming the blob, the expected and the actual digest.
util::Result<void> verify_blob(const std::string& blob, std::string_view digest);

// A MODEL argument "ollama:NAME[:TAG]": the model blob, verified; nullopt when the
// argument does not start with "ollama:".
std::optional<util::Result<std::string>> resolve_ollama_argument(const std::string& arg);

}  // namespace heft::store
