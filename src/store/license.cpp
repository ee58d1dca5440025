// Gathering a model's licence: what its GGUF metadata, model card and LICENSE
// files say, resolved against the table (license_table.cpp), its base models
// followed, conflicts found.
#include "store/license.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

#include "formats/gguf_reader.h"
#include "formats/model_card.h"
#include "store/hf_cache.h"

namespace heft::store {

namespace fs = std::filesystem;
using util::Json;

namespace {

constexpr size_t kMaxCardBytes = size_t(4) << 20;  // front matter is at the top; gated cards carry the licence text in it
constexpr size_t kLicenseHeadBytes = 16384;
constexpr int kMaxBaseDepth = 4;                    // base of a base of …: chains are short; cycles are cut anyway

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) out.append(out.empty() ? "" : sep).append(s);
  return out;
}

// The first `max` bytes of a file; empty when it cannot be read.
std::string read_head(const fs::path& p, size_t max) {
  std::ifstream in(p, std::ios::binary);
  std::string out(max, '\0');
  in.read(out.data(), static_cast<std::streamsize>(max));
  out.resize(static_cast<size_t>(std::max<std::streamsize>(0, in.gcount())));
  return out;
}

bool is_url(std::string_view s) { return s.starts_with("https://") || s.starts_with("http://"); }

// Files that hold a licence or a use policy: LICENSE, LICENSE.txt, LICENSE-MODEL,
// LICENCE, COPYING, NOTICE, USE_POLICY.md, …
bool is_license_file_name(const std::string& name) {
  const std::string n = lower(name);
  for (std::string_view p : {"license", "licence", "copying", "notice", "use_policy", "use-policy", "acceptable_use", "acceptable-use"})
    if (n.starts_with(p)) return true;
  return false;
}
// Of those, the ones whose text is the licence itself (not a notice or policy).
bool is_license_text_name(const std::string& name) {
  const std::string n = lower(fs::path(name).filename().string());
  return n.starts_with("license") || n.starts_with("licence") || n.starts_with("copying");
}

std::vector<std::string> license_files_in(const std::string& folder) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::directory_iterator(folder, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec) && is_license_file_name(it->path().filename().string())) out.push_back(it->path().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Where the licence text a link names is: a URL as it is; a relative link
// ("LICENSE") in the local folder when there, else in the repository on the Hub.
std::string locate_link(const std::string& link, const LicenseInputs& in) {
  if (link.empty() || is_url(link)) return link;
  std::error_code ec;
  if (!in.folder.empty() && link.find("..") == std::string::npos && fs::is_regular_file(fs::path(in.folder) / link, ec))
    return (fs::path(in.folder) / link).string();
  if (!in.repo.empty()) return fmt::format("https://huggingface.co/{}/blob/main/{}", in.repo, link);
  return link;
}

// One statement (license, license_name, license_link), resolved against the table.
LicenseFinding resolve(std::string declared, std::string name, std::string link, std::string source, std::string location,
                       const LicenseInputs& in) {
  LicenseFinding f;
  f.declared = trim(declared);
  f.declared_name = trim(name);
  f.declared_link = trim(link);
  f.source = std::move(source);
  f.location = std::move(location);
  const std::string d = lower(f.declared);
  // `license: other` (or a GGUF's empty general.license) defers to license_name.
  if (!d.empty() && d != "other" && d != "unknown") f.terms = find_license(f.declared);
  else if (!f.declared_name.empty()) f.terms = find_license(f.declared_name);
  // A custom licence whose name the table lacks is still known by its text's address.
  if (!f.terms && (d.empty() || d == "other") && !f.declared_link.empty()) f.terms = find_license_by_link(f.declared_link);
  f.text_location = locate_link(f.declared_link, in);
  if (f.text_location.empty() && f.terms) f.text_location = f.terms->url;
  return f;
}

// What a model card's front matter states.
LicenseFinding from_card(const formats::ModelCard& card, const std::string& location, const LicenseInputs& in) {
  std::string declared;
  if (const auto* l = card.list("license")) declared = join(*l, ", ");  // several: not guessed between
  return resolve(declared, card.first("license_name"), card.first("license_link"), "model card", location, in);
}

std::string meta_string(const formats::Metadata& md, const std::string& key) {
  const formats::MetaValue* v = md.find(key);
  if (!v) return {};
  if (const std::string* s = v->as_string()) return *s;
  if (v->is_array() && v->elem_type == formats::ValueType::String) return join(v->strings, ", ");
  return {};
}

LicenseFinding from_metadata(const formats::Metadata& md, const std::string& location, const LicenseInputs& in) {
  return resolve(meta_string(md, "general.license"), meta_string(md, "general.license.name"),
                 meta_string(md, "general.license.link"), "GGUF metadata", location, in);
}

// Base models as "org/name" where the metadata allows (repo_url, else organization/name), else their names.
std::vector<std::string> metadata_bases(const formats::Metadata& md) {
  std::vector<std::string> out;
  const int64_t n = std::clamp<int64_t>(md.get_int("general.base_model.count").value_or(0), 0, 64);
  for (int64_t i = 0; i < n; ++i) {
    const std::string p = fmt::format("general.base_model.{}.", i);
    std::string url = meta_string(md, p + "repo_url");
    while (!url.empty() && url.back() == '/') url.pop_back();
    std::string repo;
    for (std::string_view prefix : {"https://huggingface.co/", "http://huggingface.co/", "https://hf.co/"})
      if (url.starts_with(prefix) && parse_repo_ref(url.substr(prefix.size()))) repo = url.substr(prefix.size());
    const std::string name = meta_string(md, p + "name"), org = meta_string(md, p + "organization");
    if (repo.empty() && !org.empty() && parse_repo_ref(org + "/" + name)) repo = org + "/" + name;
    if (repo.empty()) repo = !name.empty() ? name : url;  // convert_hf_to_gguf's "Llama 3.1 8B": named, not found
    if (!repo.empty()) out.push_back(repo);
  }
  return out;
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
  const std::string key = lower(s);
  if (std::none_of(v.begin(), v.end(), [&](const std::string& x) { return lower(x) == key; })) v.push_back(s);
}

// What the LICENSE files' headings say, when exactly one licence does.
LicenseFinding from_license_files(const std::vector<std::string>& files) {
  LicenseFinding f;
  std::vector<std::string> texts;
  for (const auto& p : files)
    if (is_license_text_name(p)) texts.push_back(p);
  if (texts.empty()) return f;
  f.source = "LICENSE file";
  f.location = texts.front();
  f.text_location = texts.front();
  const LicenseTerms* found = nullptr;
  for (const auto& p : texts) {
    const LicenseTerms* t = match_license_text(read_head(p, kLicenseHeadBytes));
    if (!t) continue;
    if (found && found != t) return f;  // two texts, two licences: not guessed between
    if (!found) f.location = f.text_location = p;
    found = t;
  }
  f.terms = found;
  return f;
}

struct CachedCard {
  std::string snapshot;
  std::string readme;  // path, or empty when the snapshot has none
};

std::optional<CachedCard> cached_card(const std::string& cache, const std::string& repo) {
  auto ref = parse_repo_ref(repo);
  if (!ref || !ref->selector.empty()) return std::nullopt;
  auto commit = resolve_revision(cache, *ref);
  if (!commit) return std::nullopt;
  const fs::path snap = fs::path(cache) / repo_folder(ref->repo) / "snapshots" / *commit;
  std::error_code ec;
  CachedCard c{snap.string(), {}};
  if (fs::is_regular_file(snap / "README.md", ec)) c.readme = (snap / "README.md").string();
  return c;
}

bool differs_in_substance(const LicenseTerms* child, const LicenseTerms* base) {
  if (!child || !base || child == base || base->permissive) return false;
  // A licensor may put its own base model's derivative under its newer licence (Llama 3.3 on 3.1).
  return base->licensor.empty() || base->licensor != child->licensor;
}

struct PendingBase {
  std::string repo;
  std::string child;  // the base model that names it; empty for the model's own bases
  int depth = 1;
};

// Breadth first, each base once: its licence, a conflict with the model (or base) that names it, its own bases.
void follow_bases(LicenseReport& r, const LicenseInputs& in, std::vector<PendingBase> work) {
  const std::string cache = in.hub_cache.empty() ? hub_cache_dir() : in.hub_cache;
  std::set<std::string> seen;
  for (size_t i = 0; i < work.size(); ++i) {
    const PendingBase pending = work[i];  // a copy: `work` grows below
    const std::string& repo = pending.repo;
    const std::string& child = pending.child;
    if (!seen.insert(lower(repo)).second) continue;
    BaseModelLicense b;
    b.repo = repo;
    b.child = child;
    std::vector<std::string> next;
    if (auto card = cached_card(cache, repo)) {
      // The base's own card, as downloaded: its statement, else its LICENSE files' headings.
      LicenseInputs sub;
      sub.folder = card->snapshot;
      sub.repo = repo;
      formats::ModelCard parsed;
      if (!card->readme.empty()) parsed = formats::parse_model_card(read_head(card->readme, kMaxCardBytes));
      b.license = from_card(parsed, card->readme.empty() ? card->snapshot : card->readme, sub);
      if (!b.license.stated()) b.license = from_license_files(license_files_in(card->snapshot));
      b.license.source = "Hugging Face cache";
      if (b.license.location.empty()) b.license.location = card->snapshot;
      b.found_in = "Hugging Face cache";
      if (const auto* l = parsed.list("base_model"))
        for (const auto& s : *l) add_unique(next, s);
    }
    if (!b.license.known()) {
      if (const LicenseTerms* t = license_of_known_repo(repo)) {
        b.license = LicenseFinding{};
        b.license.source = "known base models";
        b.license.location = "heft's table of well-known base models (src/store/licenses.json)";
        b.license.terms = t;
        b.license.text_location = t->url;
        b.found_in = "known base models";
      }
    }
    if (b.license.text_location.empty() && parse_repo_ref(repo)) b.license.text_location = "https://huggingface.co/" + repo;
    // The child's terms: the model's own, or the base that named this one.
    const LicenseTerms* child_terms = r.license.terms;
    std::string child_name = "the model";
    for (const auto& other : r.base_models)
      if (other.repo == child) child_terms = other.license.terms, child_name = "base model " + other.repo;
    if (differs_in_substance(child_terms, b.license.terms))
      r.conflicts.push_back(fmt::format(
          "{} is under {}, but its base model {} is under {} ({}): a fine-tune inherits its base model's terms, so both apply",
          child_name, child_terms->id, repo, b.license.terms->id, b.license.terms->name));
    r.base_models.push_back(std::move(b));
    if (pending.depth < kMaxBaseDepth)
      for (const auto& n : next) work.push_back({n, repo, pending.depth + 1});
  }
}

}  // namespace

std::string LicenseFinding::display() const {
  if (terms) return terms->id;
  if (!declared_name.empty()) return declared_name;
  if (!declared.empty()) return declared;
  return "none stated";
}

bool LicenseReport::requires_acceptance() const {
  return std::any_of(applicable.begin(), applicable.end(), [](const LicenseTerms* t) { return t->requires_acceptance; });
}

std::string LicenseReport::commercial_use() const {
  if (applicable.empty()) return "unknown";
  Commercial worst = Commercial::Yes;
  for (const auto* t : applicable)
    if (static_cast<int>(t->commercial) > static_cast<int>(worst)) worst = t->commercial;
  // Inherited terms bound what the model's own unknown licence allows only from above.
  if (!license.known() && worst != Commercial::No) return "unknown";
  return std::string(commercial_name(worst));
}

LicenseReport describe_license(const LicenseInputs& in) {
  LicenseReport r;
  r.model = in.model;
  r.license_files = in.license_files;
  if (!in.folder.empty())
    for (const auto& f : license_files_in(in.folder))
      if (std::find(r.license_files.begin(), r.license_files.end(), f) == r.license_files.end()) r.license_files.push_back(f);

  formats::ModelCard card;
  if (!in.card_text.empty()) card = formats::parse_model_card(in.card_text);
  std::vector<LicenseFinding> stated;
  if (in.metadata) {
    auto f = from_metadata(*in.metadata, in.metadata_location, in);
    if (f.stated()) stated.push_back(std::move(f));
  }
  {
    auto f = from_card(card, in.card_location, in);
    if (f.stated()) stated.push_back(std::move(f));
  }
  // The first known statement wins (a GGUF's own metadata before the card); two known ones that differ conflict.
  for (const auto& f : stated)
    if (f.known()) {
      r.license = f;
      break;
    }
  if (!r.license.known() && !stated.empty()) r.license = stated.front();
  for (const auto& f : stated)
    if (f.known() && r.license.known() && f.terms != r.license.terms)
      r.conflicts.push_back(fmt::format("the {} says {} but the {} says {}", r.license.source, r.license.terms->id,
                                        f.source, f.terms->id));
  // Only when nothing states a licence are LICENSE files read, and only their headings.
  if (stated.empty()) r.license = from_license_files(r.license_files);
  if (!r.license.known() && r.license.text_location.empty()) {
    for (const auto& f : r.license_files)
      if (is_license_text_name(f)) {
        r.license.text_location = f;
        break;
      }
  }

  if (in.follow_base_models) {
    std::vector<std::string> bases;
    if (in.metadata)
      for (const auto& b : metadata_bases(*in.metadata)) add_unique(bases, b);
    if (const auto* l = card.list("base_model"))
      for (const auto& b : *l) add_unique(bases, b);
    std::vector<PendingBase> queue;
    for (const auto& b : bases)
      if (lower(b) != lower(in.repo)) queue.push_back({b, "", 1});
    follow_bases(r, in, std::move(queue));
  }

  if (r.license.terms) r.applicable.push_back(r.license.terms);
  for (const auto& b : r.base_models)
    if (b.license.terms && std::find(r.applicable.begin(), r.applicable.end(), b.license.terms) == r.applicable.end())
      r.applicable.push_back(b.license.terms);
  return r;
}

namespace {

// A file inside a Hugging Face cache snapshot: the snapshot folder and "org/name".
std::optional<std::pair<fs::path, std::string>> cache_snapshot_of(const fs::path& p) {
  for (fs::path cur = p; cur.has_parent_path() && cur != cur.parent_path(); cur = cur.parent_path()) {
    const fs::path snapshots = cur.parent_path();
    if (snapshots.filename() != "snapshots") continue;
    const std::string folder = snapshots.parent_path().filename().string();
    if (!folder.starts_with("models--")) continue;
    const size_t sep = folder.find("--", 8);
    if (sep == std::string::npos) continue;
    return std::pair{cur, folder.substr(8, sep - 8) + "/" + folder.substr(sep + 2)};
  }
  return std::nullopt;
}

}  // namespace

util::Result<LicenseReport> describe_model_license(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return util::fail("no such file or folder", path);
  const fs::path abs = fs::absolute(path, ec).lexically_normal();
  const bool dir = fs::is_directory(abs, ec);
  LicenseInputs in;
  in.model = path;
  in.folder = (dir ? abs : abs.parent_path()).string();
  if (auto snap = cache_snapshot_of(dir ? abs : abs.parent_path())) {
    in.folder = snap->first.string();
    in.repo = snap->second;
  }
  const fs::path readme = fs::path(in.folder) / "README.md";
  if (fs::is_regular_file(readme, ec)) {
    in.card_text = read_head(readme, kMaxCardBytes);
    in.card_location = readme.string();
  }
  std::optional<formats::ModelFile> gguf;
  if (!dir) {
    const std::string head = read_head(abs, 8);
    if (formats::looks_like_gguf({reinterpret_cast<const uint8_t*>(head.data()), head.size()})) {
      auto file = formats::read_gguf(abs.string());
      if (!file) return std::unexpected(file.error());
      gguf = std::move(*file);
      in.metadata = &gguf->metadata;
      in.metadata_location = path;
    }
  }
  return describe_license(in);
}

namespace {

std::string sentence(std::string s) {
  s = trim(s);
  if (!s.empty() && s.back() != '.' && s.back() != '"' && s.back() != ')') s.push_back('.');
  return s;
}

std::string terms_sentences(const LicenseTerms& t) {
  std::string out;
  auto add = [&](const std::string& s) {
    if (!s.empty()) out.append(" ").append(sentence(s));
  };
  out.append(fmt::format(" Commercial use: {}.", commercial_name(t.commercial)));
  add(t.commercial_note);
  if (t.commercial_note.empty()) add(t.user_threshold);
  add(t.attribution);
  add(t.naming);
  if (!t.acceptable_use.empty()) add("Acceptable use policy: " + t.acceptable_use);
  add(t.restrictions);
  add(t.regional);
  return out;
}

Json text_or_null(const std::string& s) { return s.empty() ? Json() : Json(s); }

Json finding_json(const LicenseFinding& f) {
  Json o = Json::object();
  o.set("id", f.terms ? Json(f.terms->id) : Json());
  o.set("name", f.terms ? Json(f.terms->name) : text_or_null(f.declared_name.empty() ? f.declared : f.declared_name));
  o.set("known", Json(f.known()));
  o.set("status", Json(f.known() ? std::string("known") : std::string(kUnknownLicense)));
  o.set("declared", text_or_null(f.declared));
  o.set("declared_name", text_or_null(f.declared_name));
  o.set("declared_link", text_or_null(f.declared_link));
  o.set("source", text_or_null(f.source));
  o.set("location", text_or_null(f.location));
  o.set("text", text_or_null(f.text_location));
  o.set("terms", f.terms ? license_terms_json(*f.terms) : Json());
  return o;
}

}  // namespace

std::string license_summary(const LicenseReport& r) {
  std::string out;
  const LicenseFinding& f = r.license;
  if (f.known()) {
    out = fmt::format("{} ({})", f.terms->name, f.terms->id);
    if (f.source == "LICENSE file") out.append(fmt::format(", identified by the heading of {}", f.location));
    else if (!f.source.empty()) out.append(fmt::format(", stated in the {}", f.source));
    out.append(".");
    out.append(terms_sentences(*f.terms));
  } else if (f.stated()) {
    out = fmt::format("Licence {}: {}", f.display(), kUnknownLicense);
    out.append(f.text_location.empty() ? " (no licence text found beside the model)." : fmt::format(" ({}).", f.text_location));
  } else {
    out = fmt::format("No licence stated: {}", kUnknownLicense);
    out.append(f.text_location.empty() ? " (none found beside the model)." : fmt::format(" ({}).", f.text_location));
  }
  for (const auto& b : r.base_models) {
    if (b.license.known() && b.license.terms != f.terms &&
        std::find(r.applicable.begin(), r.applicable.end(), b.license.terms) != r.applicable.end()) {
      out.append(fmt::format(" Base model {} is under {} ({}), whose terms apply too:", b.repo, b.license.terms->name,
                             b.license.terms->id));
      out.append(terms_sentences(*b.license.terms));
    } else if (!b.license.known()) {
      out.append(fmt::format(" Base model {}: {}{}.", b.repo, kUnknownLicense,
                             b.license.text_location.empty() ? "" : fmt::format(" ({})", b.license.text_location)));
    }
  }
  for (const auto& c : r.conflicts) out.append(" Conflict: ").append(sentence(c));
  if (r.requires_acceptance())
    out.append(" Accepting the licence is required: it is gated on the Hugging Face Hub (heft pull needs --accept-license).");
  if (f.known() && !f.text_location.empty()) out.append(fmt::format(" Text: {}.", f.text_location));
  return out;
}

util::Json license_report_json(const LicenseReport& r) {
  Json o = Json::object();
  o.set("model", Json(r.model));
  o.set("license", finding_json(r.license));
  Json bases = Json::array();
  for (const auto& b : r.base_models) {
    Json j = Json::object();
    j.set("repo", Json(b.repo));
    j.set("base_of", text_or_null(b.child));
    j.set("found_in", text_or_null(b.found_in));
    j.set("license", finding_json(b.license));
    bases.push_back(std::move(j));
  }
  o.set("base_models", std::move(bases));
  Json conflicts = Json::array();
  for (const auto& c : r.conflicts) conflicts.push_back(Json(c));
  o.set("conflicts", std::move(conflicts));
  Json files = Json::array();
  for (const auto& f : r.license_files) files.push_back(Json(f));
  o.set("license_files", std::move(files));
  Json applicable = Json::array();
  for (const auto* t : r.applicable) applicable.push_back(Json(t->id));
  o.set("applicable", std::move(applicable));
  o.set("commercial_use", Json(r.commercial_use()));
  o.set("requires_acceptance", Json(r.requires_acceptance()));
  o.set("summary", Json(license_summary(r)));
  return o;
}

}  // namespace heft::store
