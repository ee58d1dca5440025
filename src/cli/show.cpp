// `heft show ORG/NAME[@REVISION]`: a repository before (or after) pulling it —
// what its card says, its licence, its files, and for GGUF repositories each
// quantization's predicted memory on this machine and the best that fits.
// Online it reads the Hub's listing, the card and one GGUF header (Range
// requests, a few MB); offline (HF_HUB_OFFLINE, or the Hub unreachable) the store.
#include <filesystem>

#include <fmt/format.h>

#include "cli/command.h"
#include "cli/units.h"
#include "formats/model_card.h"
#include "store/fit.h"
#include "store/hf_cache.h"
#include "store/hub_api.h"
#include "store/license.h"
#include "store/remote_model.h"
#include "util/json.h"
#include "util/mapped_file.h"

namespace heft::cli {

namespace {

namespace fs = std::filesystem;

struct ShowArgs {
  std::string model;
  std::string token_file;
  int64_t ctx = 0;
  int64_t parallel = 1;
  bool json = false;
};

// The repository as the store has it (sizes from the files; no digests needed here).
util::Result<store::RepoInfo> info_from_store(const store::RepoRef& ref, std::string& snapshot) {
  const std::string cache = store::hub_cache_dir();
  store::RepoInfo info{.repo = ref.repo, .revision = ref.revision};
  info.commit = HEFT_TRY(store::resolve_revision(cache, ref));
  snapshot = (fs::path(cache) / store::repo_folder(ref.repo) / "snapshots" / info.commit).string();
  for (const auto& f : store::snapshot_files(snapshot)) {
    std::error_code ec;
    const auto size = fs::file_size(fs::path(snapshot) / f, ec);
    info.files.push_back({.path = f, .size = ec ? 0 : size});
  }
  return info;
}

// The first paragraph of the card's text after its front matter and headings.
std::string card_blurb(const std::string& card) {
  std::string_view body = card;
  if (body.starts_with("---")) {
    const auto end = body.find("\n---", 3);
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 4);
  }
  std::string out;
  size_t pos = 0;
  while (pos < body.size()) {
    auto nl = body.find('\n', pos);
    if (nl == std::string_view::npos) nl = body.size();
    std::string_view line = body.substr(pos, nl - pos);
    pos = nl + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    const bool prose = !line.empty() && line[0] != '#' && line[0] != '<' && line[0] != '!' && line[0] != '|' &&
                       line[0] != '[' && line[0] != '`' && line[0] != '-' && line[0] != '>';
    if (!prose) {
      if (!out.empty()) break;
      continue;
    }
    out.append(out.empty() ? "" : " ").append(line);
  }
  if (out.size() > 400) out = out.substr(0, 397) + "...";
  return out;
}

int show(const ShowArgs& a) {
  auto ref = store::parse_repo_ref(a.model);
  if (!ref) return report(util::Error(fmt::format("'{}' is not ORG/NAME[@REVISION]", a.model)));
  auto hub = store::hub_config(a.token_file);
  if (!hub) return report(hub.error());

  std::string snapshot;  // the store's copy, when used
  util::Result<store::RepoInfo> info = util::fail("offline");
  std::string source = "Hub";
  if (!hub->offline) info = store::fetch_repo_info(*hub, ref->repo, ref->revision);
  if (!info) {
    auto stored = info_from_store(*ref, snapshot);
    if (!stored) {
      if (hub->offline) return report(util::Error(fmt::format("HF_HUB_OFFLINE is set and {} is not in the store", ref->repo)));
      return report(info.error());
    }
    info = std::move(stored);
    source = hub->offline ? "store (HF_HUB_OFFLINE)" : "store (the Hub could not be reached)";
  }

  // The card.
  std::string card_text;
  const store::RepoFile* readme = nullptr;
  for (const auto& f : info->files)
    if (f.path == "README.md") readme = &f;
  if (readme) {
    if (!snapshot.empty()) {
      if (auto t = util::read_file((fs::path(snapshot) / "README.md").string(), 4 << 20)) card_text = *t;
    } else if (auto t = store::fetch_small_file(*hub, *info, *readme)) {
      card_text = *t;
    }
  }
  const auto card = formats::parse_model_card(card_text);
  store::LicenseInputs lin{.model = ref->repo, .card_text = card_text,
                           .card_location = fmt::format("{} README.md", ref->repo), .repo = ref->repo};
  const auto licence = store::describe_license(lin);

  // Quantizations and what each needs here.
  const auto groups = store::gguf_groups(*info);
  store::FitParams params{.n_ctx = a.ctx, .parallel = a.parallel, .process_bytes = store::process_resident_bytes()};
  const uint64_t available = store::available_memory();
  std::vector<store::FitModel> candidates;
  std::string fit_error;
  if (!groups.empty()) {
    // One header gives the shape; every quantization shares it and differs in its weights' bytes.
    const store::RepoFile& first = *groups.front().parts.front();
    util::Result<store::FitModel> base = util::fail("");
    if (!snapshot.empty()) {
      base = store::fit_model((fs::path(snapshot) / first.path).string());
    } else if (auto h = store::fetch_gguf_header(*hub, *info, first)) {
      base = store::fit_model(std::move(*h), first.path);
    } else {
      base = std::unexpected(h.error());
    }
    if (base) {
      for (const auto& g : groups) {
        store::FitModel m = *base;
        m.name = g.label;
        m.mapped_bytes = g.bytes;
        candidates.push_back(std::move(m));
      }
    } else {
      fit_error = base.error().to_string();
    }
  }
  const auto choice = store::choose_quant(candidates, params, available);

  // What the store holds of it.
  const std::string cache = store::hub_cache_dir();
  const fs::path snap = fs::path(cache) / store::repo_folder(ref->repo) / "snapshots" / info->commit;
  auto stored = [&](const store::GgufGroup& g) {
    std::error_code ec;
    return std::all_of(g.parts.begin(), g.parts.end(), [&](const store::RepoFile* f) { return fs::exists(snap / f->path, ec); });
  };
  uint64_t total = 0;
  for (const auto& f : info->files) total += f.size;

  if (a.json) {
    util::Json o = util::Json::object();
    o.set("repo", util::Json(ref->repo));
    o.set("revision", util::Json(ref->revision));
    o.set("commit", util::Json(info->commit));
    o.set("source", util::Json(source));
    util::Json c = util::Json::object();
    for (const auto& [k, v] : card.fields) {
      if (v.size() == 1) c.set(k, util::Json(v[0]));
      else {
        util::Json arr = util::Json::array();
        for (const auto& x : v) arr.push_back(util::Json(x));
        c.set(k, std::move(arr));
      }
    }
    o.set("card", std::move(c));
    o.set("summary", util::Json(card_blurb(card_text)));
    o.set("license", store::license_report_json(licence));
    util::Json files = util::Json::array();
    for (const auto& f : info->files) {
      util::Json x = util::Json::object();
      x.set("path", util::Json(f.path));
      x.set("size_bytes", util::Json(f.size));
      files.push_back(std::move(x));
    }
    o.set("files", std::move(files));
    o.set("size_bytes", util::Json(total));
    util::Json quants = util::Json::array();
    for (size_t i = 0; i < groups.size(); ++i) {
      util::Json q = util::Json::object();
      q.set("quant", util::Json(groups[i].label));
      q.set("size_bytes", util::Json(groups[i].bytes));
      util::Json parts = util::Json::array();
      for (const auto* p : groups[i].parts) parts.push_back(util::Json(p->path));
      q.set("files", std::move(parts));
      q.set("in_store", util::Json(stored(groups[i])));
      if (i < choice.estimates.size() && choice.estimates[i]) {
        q.set("memory_bytes", util::Json(choice.estimates[i]->total()));
        q.set("fits", util::Json(choice.estimates[i]->total() <= available));
      }
      quants.push_back(std::move(q));
    }
    o.set("quants", std::move(quants));
    o.set("available_bytes", util::Json(available));
    o.set("best_quant", choice.best ? util::Json(groups[*choice.best].label) : util::Json());
    if (!fit_error.empty()) o.set("fit_error", util::Json(fit_error));
    fmt::print("{}\n", o.dump(2));
    return 0;
  }

  fmt::print("{} @ {} ({}; from the {})\n", ref->repo, info->commit.substr(0, 12), ref->revision, source);
  if (const std::string blurb = card_blurb(card_text); !blurb.empty()) fmt::print("\n{}\n\n", blurb);
  auto field = [&](const char* label, const std::string& key) {
    if (const auto* v = card.list(key); v && !v->empty()) {
      std::string s;
      for (const auto& x : *v) s.append(s.empty() ? "" : ", ").append(x);
      fmt::print("{:<12}{}\n", label, s);
    }
  };
  field("task:", "pipeline_tag");
  field("base model:", "base_model");
  field("languages:", "language");
  field("tags:", "tags");
  fmt::print("{:<12}{}\n", "licence:", store::license_summary(licence));
  fmt::print("{:<12}{} files, {}\n", "files:", info->files.size(), human_bytes(total));
  if (!groups.empty()) {
    fmt::print("\n{:<28} {:>10} {:>12}  {:<5} {}\n", "QUANT", "SIZE", "MEMORY", "FITS", "STORED");
    for (size_t i = 0; i < groups.size(); ++i) {
      std::string mem = "?", fits = "?";
      if (i < choice.estimates.size() && choice.estimates[i]) {
        mem = human_bytes(choice.estimates[i]->total());
        fits = choice.estimates[i]->total() <= available ? "yes" : "no";
      }
      fmt::print("{:<28} {:>10} {:>12}  {:<5} {}\n", groups[i].label, human_bytes(groups[i].bytes), mem, fits,
                 stored(groups[i]) ? "yes" : "");
    }
    fmt::print("\nmemory: predicted peak for {} sequence(s) at context {} (heft fit); this machine has {} available\n",
               a.parallel, !choice.estimates.empty() && choice.estimates[0] ? choice.estimates[0]->n_ctx : a.ctx,
               human_bytes(available));
    if (!fit_error.empty()) fmt::print("memory could not be predicted: {}\n", fit_error);
    else if (choice.best) fmt::print("best that fits: {}  (heft pull {}:{})\n", groups[*choice.best].label, ref->repo, groups[*choice.best].label);
    else fmt::print("none of them fits in the memory available\n");
  }
  return 0;
}

}  // namespace

Action add_show(CLI::App& app) {
  auto a = std::make_shared<ShowArgs>();
  auto* cmd = app.add_subcommand("show",
                                 "A repository on the Hugging Face Hub (or in the store): its card, licence, files, "
                                 "and for GGUF repositories each quantization's predicted memory here and the best that fits");
  cmd->add_option("model", a->model, "ORG/NAME[@REVISION]")->required();
  cmd->add_option("--ctx-size,-c", a->ctx, "Context for the memory prediction (default: the model's, at most 4096)");
  cmd->add_option("--parallel", a->parallel, "Sequences at once for the memory prediction (heft serve --parallel)")->capture_default_str();
  cmd->add_option("--token-file", a->token_file, "Read the Hub token from this file (default: HF_TOKEN, else ~/.cache/huggingface/token)");
  cmd->add_flag("--json", a->json, "Print {repo, commit, card, summary, license, files, quants: [{quant, size_bytes, memory_bytes, fits, in_store}], best_quant}");
  return [a] { return show(*a); };
}

}  // namespace heft::cli
