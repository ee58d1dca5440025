// The licence table: licenses.json (compiled in), parsed once, and the
// lookups that map what a model states onto it.
#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "store/license.h"

namespace heft::store {

namespace {

using util::Json;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Spellings differ in case, spaces and underscores ("Apache 2.0", "apache-2.0", "llama3_1").
std::string normalize(std::string_view s) {
  std::string out;
  bool gap = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '_') {
      gap = true;
      continue;
    }
    if (gap && !out.empty()) out.push_back('-');
    gap = false;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

// Addresses compare without scheme, "www.", query, fragment or trailing '/';
// the Hub serves one file as blob/ and resolve/.
std::string normalize_link(std::string_view url) {
  std::string u = lower(url);
  for (std::string_view scheme : {"https://", "http://"})
    if (u.starts_with(scheme)) u.erase(0, scheme.size());
  if (u.starts_with("www.")) u.erase(0, 4);
  if (const size_t cut = u.find_first_of("?#"); cut != std::string::npos) u.erase(cut);
  while (!u.empty() && u.back() == '/') u.pop_back();
  if (const size_t r = u.find("/resolve/"); r != std::string::npos) u.replace(r, 9, "/blob/");
  return u;
}

// Whitespace runs become one space, so headings match however they are wrapped.
std::string collapse_space(std::string_view s) {
  std::string out;
  for (char c : s) {
    const bool space = std::isspace(static_cast<unsigned char>(c));
    if (space) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

// '*' matches any text; case is ignored.
bool glob_match(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  auto eq = [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); };
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && eq(pattern[p], text[t])) {
      ++p, ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<std::string> strings(const Json* j) {
  std::vector<std::string> out;
  if (j && j->is_array())
    for (const Json& v : j->as_array())
      if (v.is_string()) out.push_back(v.as_string());
  return out;
}

struct Table {
  std::vector<LicenseTerms> licenses;
  std::vector<std::pair<std::string, std::string>> bases;  // pattern → id
};

// The table is part of the program: a malformed one is a build error, which the
// tests catch; at run time it surfaces as "internal error".
Table load() {
  auto doc = Json::parse(licenses_json(), "licenses.json");
  if (!doc) throw std::logic_error("licenses.json: " + doc.error().to_string());
  Table t;
  const Json* list = doc->find("licenses");
  if (!list || !list->is_array()) throw std::logic_error("licenses.json has no \"licenses\" array");
  for (const Json& e : list->as_array()) {
    LicenseTerms l;
    l.id = e.get_string("id");
    l.name = e.get_string("name");
    if (l.id.empty() || l.name.empty()) throw std::logic_error("licenses.json: an entry lacks its id or name");
    l.spdx = e.get_bool("spdx", false);
    l.licensor = e.get_string("licensor");
    l.aliases = strings(e.find("aliases"));
    l.url = e.get_string("url");
    l.links = strings(e.find("links"));
    l.permissive = e.get_bool("permissive", false);
    const std::string c = e.get_string("commercial");
    if (c == "yes") l.commercial = Commercial::Yes;
    else if (c == "no") l.commercial = Commercial::No;
    else if (c == "conditional") l.commercial = Commercial::Conditional;
    else throw std::logic_error("licenses.json: " + l.id + ": commercial must be yes, no or conditional");
    l.commercial_note = e.get_string("commercial_note");
    l.monthly_active_users = static_cast<uint64_t>(std::max<int64_t>(0, e.get_int("monthly_active_users", 0)));
    l.user_threshold = e.get_string("user_threshold");
    l.attribution = e.get_string("attribution");
    l.naming = e.get_string("naming");
    l.acceptable_use = e.get_string("acceptable_use");
    l.restrictions = e.get_string("restrictions");
    l.regional = e.get_string("regional");
    l.notes = strings(e.find("notes"));
    l.requires_acceptance = e.get_bool("requires_acceptance", false);
    if (const Json* m = e.find("text_markers"); m && m->is_array())
      for (const Json& set : m->as_array()) l.text_markers.push_back(strings(&set));
    t.licenses.push_back(std::move(l));
  }
  if (const Json* bases = doc->find("base_models"); bases && bases->is_array())
    for (const Json& b : bases->as_array()) t.bases.emplace_back(b.get_string("pattern"), b.get_string("license"));
  return t;
}

const Table& table() {
  static const Table t = load();
  return t;
}

}  // namespace

std::string_view commercial_name(Commercial c) {
  switch (c) {
    case Commercial::Yes: return "yes";
    case Commercial::No: return "no";
    case Commercial::Conditional: break;
  }
  return "conditional";
}

const std::vector<LicenseTerms>& license_table() { return table().licenses; }

const LicenseTerms* find_license(std::string_view id_or_alias) {
  const std::string key = normalize(id_or_alias);
  if (key.empty()) return nullptr;
  for (const auto& l : license_table()) {
    if (normalize(l.id) == key) return &l;
    for (const auto& a : l.aliases)
      if (normalize(a) == key) return &l;
  }
  return nullptr;
}

const LicenseTerms* find_license_by_link(std::string_view url) {
  // A relative path ("LICENSE") names a file of the repository, not a licence.
  if (!url.starts_with("https://") && !url.starts_with("http://")) return nullptr;
  const std::string key = normalize_link(url);
  for (const auto& l : license_table()) {
    if (!l.url.empty() && normalize_link(l.url) == key) return &l;
    for (const auto& link : l.links)
      if (normalize_link(link) == key) return &l;
  }
  return nullptr;
}

const LicenseTerms* license_of_known_repo(std::string_view repo) {
  for (const auto& [pattern, id] : table().bases)
    if (glob_match(pattern, repo)) return find_license(id);
  return nullptr;
}

const LicenseTerms* match_license_text(std::string_view text) {
  // Headings only: the first lines, where a licence names itself. The earliest
  // match wins ("Qwen RESEARCH LICENSE AGREEMENT" before a later mention of
  // another licence); two licences at the same place match nothing.
  const std::string head = collapse_space(text.substr(0, 4000)).substr(0, 1200);
  const LicenseTerms* best = nullptr;
  size_t best_at = std::string::npos;
  bool tie = false;
  for (const auto& l : license_table())
    for (const auto& markers : l.text_markers) {
      if (markers.empty()) continue;
      size_t first = std::string::npos;
      bool all = true;
      for (const auto& m : markers) {
        const size_t at = head.find(collapse_space(m));
        if (at == std::string::npos) {
          all = false;
          break;
        }
        first = std::min(first, at);
      }
      if (!all) continue;
      if (first < best_at) best = &l, best_at = first, tie = false;
      else if (first == best_at && best != &l) tie = true;
    }
  return tie ? nullptr : best;
}

namespace {
Json text_or_null(const std::string& s) { return s.empty() ? Json() : Json(s); }
}  // namespace

util::Json license_terms_json(const LicenseTerms& t) {
  Json o = Json::object();
  o.set("id", Json(t.id));
  o.set("name", Json(t.name));
  o.set("spdx", Json(t.spdx));
  o.set("licensor", text_or_null(t.licensor));
  o.set("url", text_or_null(t.url));
  o.set("commercial", Json(commercial_name(t.commercial)));
  o.set("commercial_note", text_or_null(t.commercial_note));
  o.set("monthly_active_users", t.monthly_active_users ? Json(t.monthly_active_users) : Json());
  o.set("user_threshold", text_or_null(t.user_threshold));
  o.set("attribution", text_or_null(t.attribution));
  o.set("naming", text_or_null(t.naming));
  o.set("acceptable_use", text_or_null(t.acceptable_use));
  o.set("restrictions", text_or_null(t.restrictions));
  o.set("regional", text_or_null(t.regional));
  Json notes = Json::array();
  for (const auto& n : t.notes) notes.push_back(Json(n));
  o.set("notes", std::move(notes));
  o.set("permissive", Json(t.permissive));
  o.set("requires_acceptance", Json(t.requires_acceptance));
  return o;
}

}  // namespace heft::store
