#include "store/ollama.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "store/digest.h"
#include "util/json.h"
#include "util/mapped_file.h"

namespace heft::store {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kDefaultHost = "registry.ollama.ai";
constexpr std::string_view kDefaultNamespace = "library";
constexpr std::string_view kDefaultTag = "latest";

constexpr std::string_view kModelLayer = "application/vnd.ollama.image.model";

enum class Part { Host, Namespace, Model, Tag };

bool word_char(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

// Ollama's isValidPart: a word character first, then word characters, '-', '.'
// (not in namespaces) and ':' (hosts only, for a port). No part can hold '/' or
// start with '.', so a valid name never climbs out of manifests/.
bool valid_part(Part kind, std::string_view s) {
  const size_t max = kind == Part::Host ? 350 : 80;
  if (s.empty() || s.size() > max || !word_char(s.front())) return false;
  return std::all_of(s.begin() + 1, s.end(), [kind](char c) {
    return word_char(c) || c == '-' || (c == '.' && kind != Part::Namespace) || (c == ':' && kind == Part::Host);
  });
}

bool iequal(std::string_view a, std::string_view b) {
  auto low = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return low(x) == low(y); });
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string home_dir() {
  if (auto h = env("HOME"); !h.empty()) return h;
  const passwd* pw = getpwuid(getuid());
  return pw && pw->pw_dir ? std::string(pw->pw_dir) : std::string();
}

// "sha256:" and 64 lower-case hex digits, as Ollama writes them.
bool valid_digest(std::string_view d) {
  return d.size() == 71 && d.starts_with("sha256:") &&
         std::all_of(d.begin() + 7, d.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Only ever built from a valid digest: the path stays inside blobs/.
std::string blob_path(const std::string& models_dir, std::string_view digest) {
  return (fs::path(models_dir) / "blobs" / fmt::format("sha256-{}", digest.substr(7))).string();
}

struct Layer {
  std::string media_type, digest;
  uint64_t size = 0;
};

util::Result<Layer> parse_layer(const util::Json& j, const std::string& where, const std::string& file) {
  if (!j.is_object()) return util::fail(where + " is not an object", file);
  Layer l;
  const util::Json* mt = j.find("mediaType");
  const util::Json* digest = j.find("digest");
  const util::Json* size = j.find("size");
  if (!mt || !mt->is_string()) return util::fail(where + " has no mediaType", file);
  l.media_type = mt->as_string();
  if (!digest || !digest->is_string() || !valid_digest(digest->as_string()))
    return util::fail(fmt::format("{} ({}) has no valid digest (sha256: and 64 lower-case hex digits)", where, l.media_type), file);
  l.digest = digest->as_string();
  // Sizes past a pebibyte are not models; refusing them keeps the sums from overflowing.
  if (!size || !size->is_integer() || (size->kind() == util::Json::Kind::Int && size->as_int() < 0) ||
      size->as_uint() > (uint64_t{1} << 50))
    return util::fail(fmt::format("{} ({}) has no valid size", where, l.media_type), file);
  l.size = size->as_uint();
  return l;
}

// Every manifests/<host>/<ns>/<model>/<tag> file, as Ollama globs them (*/*/*/*).
struct ManifestFile {
  OllamaName name;
  std::string path;
};
std::vector<ManifestFile> manifest_files(const std::string& models_dir, std::vector<util::Error>* errors) {
  std::vector<ManifestFile> out;
  const fs::path root = fs::path(models_dir) / "manifests";
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it.depth() < 3) continue;
    it.disable_recursion_pending();
    std::error_code file_ec;  // not `ec`, which would end the walk
    if (!it->is_regular_file(file_ec)) continue;
    std::vector<std::string> parts;
    for (const auto& p : it->path().lexically_relative(root)) parts.push_back(p.string());
    OllamaName n{parts[0], parts[1], parts[2], parts[3]};
    if (!valid_part(Part::Host, n.host) || !valid_part(Part::Namespace, n.ns) || !valid_part(Part::Model, n.model) ||
        !valid_part(Part::Tag, n.tag)) {
      if (errors) errors->emplace_back("not a valid Ollama model name; skipped", it->path().string());
      continue;
    }
    out.push_back({std::move(n), it->path().string()});
  }
  return out;
}

struct Stamp {
  uint64_t size = 0;
  int64_t mtime_ns = 0, ctime_ns = 0;
  bool operator==(const Stamp&) const = default;
};

std::optional<Stamp> stamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  auto ns = [](const timespec& t) { return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec; };
  return Stamp{static_cast<uint64_t>(st.st_size), ns(st.st_mtim), ns(st.st_ctim)};
}

std::string record_path(std::string_view digest) {
  return (fs::path(ollama_verified_dir()) / fmt::format("sha256-{}", digest.substr(7))).string();
}

// What a record holds: the digest and the blob as it was when it matched.
std::string record_text(const std::string& blob, std::string_view digest, const Stamp& s) {
  std::error_code ec;
  const std::string abs = fs::absolute(blob, ec).lexically_normal().string();
  return fmt::format("{} {} {} {} {}\n", digest, s.size, s.mtime_ns, s.ctime_ns, abs);
}

// Best effort: without a record the blob is only hashed again next time.
void write_record(const std::string& path, const std::string& text) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  const std::string tmp = fmt::format("{}.tmp{}", path, getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) {
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) fs::remove(tmp, ec);
}

util::Result<std::string> resolve_ollama(std::string_view text) {
  auto name = parse_ollama_name(text);
  if (!name) return util::fail(fmt::format("'ollama:{}' is not an Ollama model name: [HOST/][NAMESPACE/]NAME[:TAG]", text));
  const std::string dir = ollama_models_dir();
  const OllamaModel m = HEFT_TRY(find_ollama_model(dir, *name));
  const auto st = stamp(m.model_blob);
  if (!st) return util::fail(fmt::format("the model layer of ollama:{} is missing from the store", m.name), m.model_blob);
  // A cheap check before a long one: a truncated download shows here.
  if (st->size != m.model_bytes)
    return util::fail(fmt::format("is {} bytes but {} says {}", st->size, m.manifest_path, m.model_bytes), m.model_blob);
  if (!blob_verified(m.model_blob, m.model_digest) && isatty(STDERR_FILENO))
    fmt::print(stderr, "heft: checking ollama:{} against its digest (once; {} MiB)\n", m.name, st->size >> 20);
  HEFT_TRY(verify_blob(m.model_blob, m.model_digest));
  return m.model_blob;
}

}  // namespace

std::string OllamaName::manifest_rel() const { return fmt::format("{}/{}/{}/{}", host, ns, model, tag); }

std::string OllamaName::shortest() const {
  if (!iequal(host, kDefaultHost)) return fmt::format("{}/{}/{}:{}", host, ns, model, tag);
  if (!iequal(ns, kDefaultNamespace)) return fmt::format("{}/{}:{}", ns, model, tag);
  return fmt::format("{}:{}", model, tag);
}

bool OllamaName::equal_fold(const OllamaName& o) const {
  return iequal(host, o.host) && iequal(ns, o.ns) && iequal(model, o.model) && iequal(tag, o.tag);
}

std::optional<OllamaName> parse_ollama_name(std::string_view s) {
  OllamaName n;
  // '/' cannot be in a tag, so a ':' after the last '/' starts the tag; one before it is a host's port.
  const size_t colon = s.rfind(':'), slash = s.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    n.tag = std::string(s.substr(colon + 1));
    s = s.substr(0, colon);
    if (n.tag.empty() || s.empty()) return std::nullopt;
  }
  if (size_t cut = s.rfind('/'); cut == std::string_view::npos) {
    n.model = std::string(s);
  } else {
    n.model = std::string(s.substr(cut + 1));
    s = s.substr(0, cut);
    if (n.model.empty() || s.empty()) return std::nullopt;
    if (cut = s.rfind('/'); cut == std::string_view::npos) {
      n.ns = std::string(s);
    } else {
      n.ns = std::string(s.substr(cut + 1));
      s = s.substr(0, cut);
      if (n.ns.empty() || s.empty()) return std::nullopt;
      if (const size_t scheme = s.find("://"); scheme != std::string_view::npos) s = s.substr(scheme + 3);
      n.host = std::string(s);
    }
  }
  if (n.host.empty()) n.host = kDefaultHost;
  if (n.ns.empty()) n.ns = kDefaultNamespace;
  if (n.tag.empty()) n.tag = kDefaultTag;
  if (!valid_part(Part::Host, n.host) || !valid_part(Part::Namespace, n.ns) || !valid_part(Part::Model, n.model) ||
      !valid_part(Part::Tag, n.tag))
    return std::nullopt;
  return n;
}

std::string ollama_models_dir() {
  std::string v = env("OLLAMA_MODELS");
  const size_t a = v.find_first_not_of(" \t\r\n\v\f"), b = v.find_last_not_of(" \t\r\n\v\f");
  v = a == std::string::npos ? std::string() : v.substr(a, b - a + 1);
  const size_t qa = v.find_first_not_of("\"'"), qb = v.find_last_not_of("\"'");
  v = qa == std::string::npos ? std::string() : v.substr(qa, qb - qa + 1);
  if (!v.empty()) return v;
  return (fs::path(home_dir()) / ".ollama" / "models").string();
}

util::Result<OllamaModel> read_ollama_manifest(const std::string& models_dir, const std::string& manifest_path,
                                               const OllamaName& name) {
  const std::string& file = manifest_path;
  std::error_code ec;
  // read_file would block on a FIFO; manifests are a few hundred bytes.
  if (!fs::is_regular_file(file, ec)) return util::fail("not a regular file", file);
  const std::string text = HEFT_TRY(util::read_file(file, size_t{1} << 20));
  const util::Json doc = HEFT_TRY(util::Json::parse(text, file));
  if (!doc.is_object()) return util::fail("the manifest is not a JSON object", file);
  const util::Json* version = doc.find("schemaVersion");
  if (!version || !version->is_integer() || version->as_int() != 2)
    return util::fail("the manifest's schemaVersion is not 2", file);
  if (const util::Json* mt = doc.find("mediaType");
      mt && (!mt->is_string() || (mt->as_string() != "application/vnd.docker.distribution.manifest.v2+json" &&
                                   mt->as_string() != "application/vnd.oci.image.manifest.v1+json")))
    return util::fail("the manifest's mediaType is not a Docker v2 or OCI image manifest", file);
  const util::Json* layers = doc.find("layers");
  if (!layers || !layers->is_array()) return util::fail("the manifest has no layers array", file);

  OllamaModel m;
  m.ref = name;
  m.name = name.shortest();
  m.tag = name.tag;
  m.manifest_path = file;
  Sha256 h;
  h.update(text);
  m.manifest_digest = h.hex_digest();
  // Ollama may leave the config's digest empty; otherwise it is checked like a layer.
  if (const util::Json* config = doc.find("config"); config && !(config->is_object() && config->get_string("digest").empty())) {
    const Layer c = HEFT_TRY(parse_layer(*config, "config", file));
    m.size += c.size;
  }
  size_t index = 0;
  for (const auto& j : layers->as_array()) {
    const Layer l = HEFT_TRY(parse_layer(j, fmt::format("layer {}", index++), file));
    m.size += l.size;
    const std::string blob = blob_path(models_dir, l.digest);
    // The cases Ollama's GetModel reads; like it, a later model layer replaces an earlier one.
    if (l.media_type == kModelLayer) {
      m.model_digest = l.digest;
      m.model_blob = blob;
      m.model_bytes = l.size;
    } else if (l.media_type == "application/vnd.ollama.image.template" || l.media_type == "application/vnd.ollama.image.prompt") {
      m.template_blob = blob;
    } else if (l.media_type == "application/vnd.ollama.image.params") {
      m.params_blob = blob;
    } else if (l.media_type == "application/vnd.ollama.image.system") {
      m.system_blob = blob;
    } else if (l.media_type == "application/vnd.ollama.image.license") {
      m.license_blobs.push_back(blob);
    } else if (l.media_type == "application/vnd.ollama.image.projector") {
      m.projector_blobs.push_back(blob);
    } else if (l.media_type == "application/vnd.ollama.image.adapter") {
      m.adapter_blobs.push_back(blob);
    }
  }
  if (m.model_blob.empty())
    return util::fail(fmt::format("the manifest has no model layer ({}); heft reads GGUF models only", kModelLayer), file);
  if (!m.license_blobs.empty()) m.license_blob = m.license_blobs.front();
  return m;
}

util::Result<OllamaModel> find_ollama_model(const std::string& models_dir, const OllamaName& name) {
  const fs::path exact = fs::path(models_dir) / "manifests" / name.manifest_rel();
  std::error_code ec;
  if (fs::is_regular_file(exact, ec)) return read_ollama_manifest(models_dir, exact.string(), name);
  for (const auto& f : manifest_files(models_dir, nullptr))
    if (f.name.equal_fold(name)) return read_ollama_manifest(models_dir, f.path, f.name);
  return util::fail(fmt::format("ollama:{} is not in the Ollama store at {} (no manifests/{}; `heft list --ollama` lists what it holds)",
                                name.shortest(), models_dir, name.manifest_rel()));
}

OllamaListing list_ollama(const std::string& models_dir) {
  OllamaListing out;
  for (const auto& f : manifest_files(models_dir, &out.errors)) {
    auto m = read_ollama_manifest(models_dir, f.path, f.name);
    if (m) out.models.push_back(std::move(*m));
    else out.errors.push_back(std::move(m.error()));
  }
  std::sort(out.models.begin(), out.models.end(),
            [](const OllamaModel& a, const OllamaModel& b) { return a.ref.manifest_rel() < b.ref.manifest_rel(); });
  return out;
}

std::string ollama_verified_dir() {
  std::string base = env("XDG_CACHE_HOME");
  if (base.empty()) base = (fs::path(home_dir()) / ".cache").string();
  return (fs::path(base) / "heft" / "ollama-verified").string();
}

bool blob_verified(const std::string& blob, std::string_view digest) {
  if (!valid_digest(digest)) return false;
  const auto st = stamp(blob);
  if (!st) return false;
  const std::string record = record_path(digest);
  std::error_code ec;
  if (!fs::is_regular_file(record, ec)) return false;
  auto text = util::read_file(record, 1 << 16);
  return text && *text == record_text(blob, digest, *st);
}

util::Result<void> verify_blob(const std::string& blob, std::string_view digest) {
  if (!valid_digest(digest)) return util::fail(fmt::format("'{}' is not a sha256 digest", digest), blob);
  if (blob_verified(blob, digest)) return {};
  const auto before = stamp(blob);
  if (!before) return util::fail("not a readable regular file", blob);
  const auto started = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string actual = fmt::format("sha256:{}", HEFT_TRY(sha256_file(blob)));
  if (actual != digest)
    return util::fail(fmt::format("does not match its digest: expected {}, got {}", digest, actual), blob);
  // Recorded only when the file held still while it was hashed and its mtime is
  // older than the hashing by more than the kernel's coarse file clock: a write in
  // the same tick would otherwise leave the stamp as recorded (git's "racy" files).
  const auto after = stamp(blob);
  if (after && *after == *before && before->mtime_ns + 2'000'000'000 < started)
    write_record(record_path(digest), record_text(blob, digest, *before));
  return {};
}

std::optional<util::Result<std::string>> resolve_ollama_argument(const std::string& arg) {
  constexpr std::string_view kPrefix = "ollama:";
  if (!std::string_view(arg).starts_with(kPrefix)) return std::nullopt;
  return resolve_ollama(std::string_view(arg).substr(kPrefix.size()));
}

}  // namespace heft::store
