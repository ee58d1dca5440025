// `heft list`: the models in the Hugging Face cache, as MODEL arguments name them;
// `heft rm`: take one out.
#include <fmt/format.h>

#include "cli/command.h"
#include "cli/units.h"
#include "store/hf_cache.h"
#include "util/json.h"

namespace heft::cli {

namespace {

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
  auto* cmd = app.add_subcommand("list", "List the models in the Hugging Face cache ($HF_HUB_CACHE, else "
                                         "~/.cache/huggingface/hub): name, revision, files, size, licence");
  cmd->add_flag("--json", *json, "Print {cache, models: [{repo, commit, refs, files, size_bytes, license}]}");
  return [json] { return list(*json); };
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
