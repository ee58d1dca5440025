// `heft list`: the models in the Hugging Face cache, as MODEL arguments name them
// (with --ollama, those of the Ollama store); `heft rm`: take one out.
#include <fmt/format.h>

#include "cli/command.h"
#include "cli/units.h"
#include "store/hf_cache.h"
#include "store/ollama.h"
#include "util/json.h"

namespace heft::cli {

namespace {

// The Ollama store, read-only: its models as ollama:NAME names them. Listing never
// hashes; "verified" says whether a record of an earlier check still holds.
int list_ollama(bool json) {
  const std::string dir = store::ollama_models_dir();
  const auto listing = store::list_ollama(dir);
  if (json) {
    auto path_or_null = [](const std::string& p) { return p.empty() ? util::Json() : util::Json(p); };
    util::Json a = util::Json::array();
    for (const auto& m : listing.models) {
      util::Json o = util::Json::object();
      o.set("name", util::Json(m.name));
      o.set("model", util::Json(m.ref.model));
      o.set("tag", util::Json(m.tag));
      o.set("namespace", util::Json(m.ref.ns));
      o.set("host", util::Json(m.ref.host));
      o.set("id", util::Json(m.manifest_digest.substr(0, 12)));
      o.set("manifest", util::Json(m.manifest_path));
      o.set("digest", util::Json(m.model_digest));
      o.set("blob", util::Json(m.model_blob));
      o.set("model_bytes", util::Json(m.model_bytes));
      o.set("size_bytes", util::Json(m.size));
      o.set("verified", util::Json(store::blob_verified(m.model_blob, m.model_digest)));
      o.set("template_blob", path_or_null(m.template_blob));
      o.set("params_blob", path_or_null(m.params_blob));
      o.set("system_blob", path_or_null(m.system_blob));
      util::Json licenses = util::Json::array();
      for (const auto& l : m.license_blobs) licenses.push_back(util::Json(l));
      o.set("license_blobs", std::move(licenses));
      a.push_back(std::move(o));
    }
    util::Json errors = util::Json::array();
    for (const auto& e : listing.errors) errors.push_back(util::Json(e.to_string()));
    util::Json doc = util::Json::object();
    doc.set("store", util::Json(dir));
    doc.set("models", std::move(a));
    doc.set("errors", std::move(errors));
    fmt::print("{}\n", doc.dump(2));
    return 0;
  }
  for (const auto& e : listing.errors) fmt::print(stderr, "heft: warning: {}\n", e.to_string());
  if (listing.models.empty()) {
    fmt::print("no models in the Ollama store at {}\n", dir);
    return 0;
  }
  fmt::print("{:<48} {:<12} {:>10}  {}\n", "MODEL", "DIGEST", "SIZE", "VERIFIED");
  for (const auto& m : listing.models)
    fmt::print("{:<48} {:<12} {:>10}  {}\n", fmt::format("ollama:{}", m.name), m.model_digest.substr(7, 12), human_bytes(m.size),
               store::blob_verified(m.model_blob, m.model_digest) ? "yes" : "not yet");
  return 0;
}

int list(bool json) {
  const std::string cache = store::hub_cache_dir();
  const auto repos = store::list_cache(cache);
  if (json) {
    util::Json a = util::Json::array();
    for (const auto& r : repos) {
      util::Json o = util::Json::object();
      o.set("repo", util::Json(r.repo));
      o.set("commit", util::Json(r.commit));
      util::Json refs = util::Json::object();
      for (const auto& [name, commit] : r.refs) refs.set(name, util::Json(commit));
      o.set("refs", std::move(refs));
      util::Json files = util::Json::array();
      for (const auto& f : r.files) files.push_back(util::Json(f));
      o.set("files", std::move(files));
      o.set("size_bytes", util::Json(r.size_bytes));
      o.set("license", r.license.empty() ? util::Json() : util::Json(r.license));
      a.push_back(std::move(o));
    }
    util::Json doc = util::Json::object();
    doc.set("cache", util::Json(cache));
    doc.set("models", std::move(a));
    fmt::print("{}\n", doc.dump(2));
    return 0;
  }
  if (repos.empty()) {
    fmt::print("no models in the Hugging Face cache at {}\n", cache);
    return 0;
  }
  fmt::print("{:<48} {:<12} {:>6} {:>10}  {}\n", "MODEL", "REVISION", "FILES", "SIZE", "LICENSE");
  for (const auto& r : repos)
    fmt::print("{:<48} {:<12} {:>6} {:>10}  {}\n", r.repo, r.commit.substr(0, 12), r.files.size(), human_bytes(r.size_bytes),
               r.license.empty() ? "-" : r.license);
  return 0;
}

}  // namespace

Action add_list(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  auto ollama = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("list", "List the models in the Hugging Face cache ($HF_HUB_CACHE, else "
                                         "~/.cache/huggingface/hub): name, revision, files, size, licence");
  cmd->add_flag("--json", *json, "Print {cache, models: [{repo, commit, refs, files, size_bytes, license}]}");
  cmd->add_flag("--ollama", *ollama,
                "List the Ollama store instead ($OLLAMA_MODELS, else ~/.ollama/models), as ollama:NAME:TAG "
                "MODEL arguments; with --json {store, models: [{name, tag, digest, blob, size_bytes, verified, ...}], errors}");
  return [json, ollama] { return *ollama ? list_ollama(*json) : list(*json); };
}

}  // namespace heft::cli

namespace heft::cli {

Action add_rm(CLI::App& app) {
  auto name = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("rm", "Remove a model from the Hugging Face cache: ORG/NAME (all of it) or "
                                       "ORG/NAME@REVISION (that snapshot, its refs and the blobs nothing else uses)");
  cmd->add_option("model", *name, "ORG/NAME[@REVISION]")->required();
  return [name] {
    auto ref = store::parse_repo_ref(*name);
    if (!ref || !ref->selector.empty()) return report(util::Error("'" + *name + "' is not ORG/NAME[@REVISION]"));
    const bool whole = name->find('@') == std::string::npos;
    const std::string cache = store::hub_cache_dir();
    auto freed = store::remove_from_cache(cache, *ref, whole);
    if (!freed) return report(freed.error());
    fmt::print("removed {}{} ({} freed)\n", ref->repo, whole ? "" : "@" + ref->revision, human_bytes(*freed));
    return 0;
  };
}

}  // namespace heft::cli
