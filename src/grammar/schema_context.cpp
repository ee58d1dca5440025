#include "grammar/schema_context.h"

#include <fmt/format.h>

#include "grammar/regex.h"

namespace heft::grammar {

Loc Loc::child(std::string_view token) const {
  Loc out{doc, ptr};
  out.ptr.push_back('/');
  for (char c : token) {
    if (c == '~') out.ptr += "~0";
    else if (c == '/') out.ptr += "~1";
    else out.ptr.push_back(c);
  }
  return out;
}

std::string where(const Loc& loc) { return loc.ptr.empty() ? "at the root" : "at " + loc.ptr; }

namespace {

int draft_of(const util::Json& root) {
  std::string s = root.get_string("$schema");
  if (s.find("draft-04") != std::string::npos) return 4;
  if (s.find("draft-06") != std::string::npos) return 6;
  if (s.find("draft-07") != std::string::npos) return 7;
  if (s.find("2019-09") != std::string::npos) return 2019;
  if (s.find("2020-12") != std::string::npos) return 2020;
  return 0;
}

std::string without_fragment(const std::string& uri) { return uri.substr(0, uri.find('#')); }

bool has_scheme(const std::string& uri) {
  size_t colon = uri.find(':');
  return colon != std::string::npos && colon > 0 && uri.find_first_of("/?#") > colon;
}

// RFC 3986 reference resolution, enough for same-document checks.
std::string resolve_uri(const std::string& base, const std::string& ref) {
  if (ref.empty()) return base;
  if (has_scheme(ref) || base.empty()) return ref;
  size_t scheme_end = base.find(':');
  if (ref.rfind("//", 0) == 0) return base.substr(0, scheme_end + 1) + ref;
  size_t authority = base.find("//") == scheme_end + 1 ? base.find('/', scheme_end + 3) : scheme_end + 1;
  if (ref[0] == '/') return (authority == std::string::npos ? base : base.substr(0, authority)) + ref;
  size_t slash = base.rfind('/');
  if (slash == std::string::npos || (authority != std::string::npos && slash < authority)) return base + "/" + ref;
  return base.substr(0, slash + 1) + ref;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto hex = [](char c) { return (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1; };
    if (s[i] == '%' && i + 2 < s.size() + 0 && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Keywords whose value is a schema, an array of schemas, or a map of schemas.
constexpr std::string_view kSchemaKeywords[] = {"additionalProperties", "additionalItems", "items", "contains",
                                                "propertyNames", "not", "if", "then", "else", "unevaluatedItems",
                                                "unevaluatedProperties", "contentSchema"};
constexpr std::string_view kSchemaArrays[] = {"allOf", "anyOf", "oneOf", "prefixItems", "items"};
constexpr std::string_view kSchemaMaps[] = {"properties", "patternProperties", "definitions", "$defs",
                                            "dependentSchemas", "dependencies"};

}  // namespace

void SchemaContext::scan(Document& d, const util::Json& node, const std::string& ptr, int depth) {
  if (!node.is_object() || depth > 600) return;
  bool old = d.draft == 4 || d.draft == 6 || d.draft == 7;
  bool ref_only = old && node.find("$ref");
  if (!ref_only) {
    const util::Json* id = node.find("$id");
    if (!id && d.draft == 4) id = node.find("id");
    if (id && id->is_string() && !ptr.empty()) {
      const std::string& s = id->as_string();
      if (old && !s.empty() && s[0] == '#') d.anchors.emplace(s.substr(1), ptr);
      else d.embedded_resources = true;
    }
    if (const util::Json* a = node.find("$anchor"); a && a->is_string()) d.anchors.emplace(a->as_string(), ptr);
  }
  auto visit = [&](const util::Json& child, std::string_view token) {
    scan(d, child, Loc{0, ptr}.child(token).ptr, depth + 1);
  };
  for (std::string_view k : kSchemaKeywords)
    if (const util::Json* v = node.find(k); v && !v->is_array()) visit(*v, k);
  for (std::string_view k : kSchemaArrays)
    if (const util::Json* v = node.find(k); v && v->is_array())
      for (size_t i = 0; i < v->as_array().size(); ++i)
        scan(d, v->as_array()[i], Loc{0, ptr}.child(k).child(i).ptr, depth + 1);
  for (std::string_view k : kSchemaMaps)
    if (const util::Json* v = node.find(k); v && v->is_object())
      for (const auto& [name, child] : v->as_object())
        scan(d, child, Loc{0, ptr}.child(k).child(name).ptr, depth + 1);
}

uint32_t SchemaContext::add_document(const util::Json& root) {
  Document& d = docs_.emplace_back();
  d.root = root;
  d.draft = draft_of(root);
  const util::Json* id = root.find("$id");
  if (!id && d.draft == 4) id = root.find("id");
  if (id && id->is_string()) d.base = without_fragment(id->as_string());
  scan(d, d.root, "", 0);
  return static_cast<uint32_t>(docs_.size() - 1);
}

Loc SchemaContext::synthetic(const util::Json& schema) {
  std::string key = schema.dump();
  auto it = synthetic_.find(key);
  if (it == synthetic_.end()) it = synthetic_.emplace(key, add_document(schema)).first;
  return Loc{it->second, ""};
}

bool SchemaContext::ref_ignores_siblings(uint32_t doc) const {
  int v = docs_[doc].draft;
  return v == 4 || v == 6 || v == 7;
}

const util::Json* SchemaContext::at(const Loc& loc) const {
  if (loc.doc >= docs_.size()) return nullptr;
  const util::Json* node = &docs_[loc.doc].root;
  std::string_view p = loc.ptr;
  while (!p.empty()) {
    if (p[0] != '/') return nullptr;
    p.remove_prefix(1);
    size_t end = p.find('/');
    std::string_view raw = p.substr(0, end);
    p = end == std::string_view::npos ? std::string_view{} : p.substr(end);
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token.push_back(raw[i + 1] == '0' ? '~' : '/');
        ++i;
      } else {
        token.push_back(raw[i]);
      }
    }
    if (node->is_object()) {
      node = node->find(token);
    } else if (node->is_array()) {
      if (token.empty() || token.size() > 9 || token.find_first_not_of("0123456789") != std::string::npos ||
          (token.size() > 1 && token[0] == '0'))
        return nullptr;
      size_t i = std::stoul(token);
      node = i < node->as_array().size() ? &node->as_array()[i] : nullptr;
    } else {
      return nullptr;
    }
    if (!node) return nullptr;
  }
  return node;
}

util::Result<std::optional<Loc>> SchemaContext::resolve_ref(const Loc& loc, const std::string& ref) {
  Loc kw = loc.child("$ref");
  const Document& d = docs_[loc.doc];
  size_t hash = ref.find('#');
  std::string uri = ref.substr(0, hash);
  std::string fragment = hash == std::string::npos ? "" : percent_decode(std::string_view(ref).substr(hash + 1));
  if (!uri.empty()) {
    bool same = !d.base.empty() && (uri == d.base || resolve_uri(d.base, uri) == d.base);
    if (!same) {
      HEFT_TRY(unsupported("$ref", kw, fmt::format("'{}' is in another document", ref)));
      return std::nullopt;
    }
  }
  if (d.embedded_resources) {
    HEFT_TRY(unsupported("$ref", kw, "the document has subschemas with their own $id"));
    return std::nullopt;
  }
  Loc target{loc.doc, ""};
  if (!fragment.empty() && fragment[0] == '/') {
    target.ptr = fragment;
  } else if (!fragment.empty()) {
    auto it = d.anchors.find(fragment);
    if (it == d.anchors.end()) return util::fail(fmt::format("$ref '{}' {}: no such anchor", ref, where(loc)));
    target.ptr = it->second;
  }
  if (!at(target)) return util::fail(fmt::format("$ref '{}' {}: no such subschema", ref, where(loc)));
  return std::optional<Loc>(target);
}

util::Result<void> SchemaContext::unsupported(std::string_view keyword, const Loc& at, std::string_view detail) {
  if (strict_)
    return util::fail(fmt::format("unsupported keyword '{}' at {}{}{}", keyword, at.ptr.empty() ? "/" : at.ptr,
                                  detail.empty() ? "" : ": ", detail));
  std::string entry = fmt::format("{} at {}", keyword, at.ptr.empty() ? "/" : at.ptr);
  if (unsupported_seen_.insert(entry).second) unsupported_.push_back(entry);
  return {};
}

util::Result<const Dfa*> SchemaContext::pattern_dfa(const std::string& pattern) {
  if (auto it = patterns_.find(pattern); it != patterns_.end()) return it->second.get();
  if (auto it = pattern_errors_.find(pattern); it != pattern_errors_.end()) return util::fail(it->second);
  auto re = parse_ecma_regex(pattern);
  util::Result<Dfa> dfa = re ? regex_dfa(*re) : std::unexpected(re.error());
  if (!dfa) {
    pattern_errors_[pattern] = dfa.error().message;
    return std::unexpected(dfa.error());
  }
  auto& slot = patterns_[pattern];
  slot = std::make_unique<Dfa>(std::move(*dfa));
  return slot.get();
}

}  // namespace heft::grammar
