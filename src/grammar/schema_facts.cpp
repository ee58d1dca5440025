#include "grammar/schema_facts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string_view>
#include <type_traits>

#include "grammar/schema_formats.h"

namespace heft::grammar {

std::string Conj::key() const {
  auto names = [](const auto& items) {
    std::vector<std::string> v;
    for (const auto& item : items) {
      if constexpr (std::is_same_v<std::decay_t<decltype(item)>, Loc>) v.push_back(std::to_string(item.doc) + ":" + item.ptr);
      else v.push_back(std::to_string(item.kind) + "@" + std::to_string(item.at.doc) + ":" + item.at.ptr);
    }
    std::sort(v.begin(), v.end());
    std::string out;
    for (const auto& s : v) out += s + '\x1f';
    return out;
  };
  return names(plain) + "|" + names(groups) + (never ? "!" : "");
}

namespace {

util::Result<void> flatten_at(SchemaContext& ctx, Conj& conj, const Loc& loc, std::vector<Loc>& path) {
  const util::Json* node = ctx.at(loc);
  if (!node) return util::fail("no subschema " + where(loc));
  if (node->is_bool()) {
    if (!node->as_bool()) conj.never = true;
    return {};
  }
  if (!node->is_object()) return util::fail("invalid schema " + where(loc) + ": expected an object or a boolean");
  if (std::find(conj.plain.begin(), conj.plain.end(), loc) != conj.plain.end()) return {};
  if (std::find(path.begin(), path.end(), loc) != path.end()) return {};  // a cycle of $refs adds nothing new
  if (path.size() > 200) return util::fail("$ref chain too long " + where(loc));
  path.push_back(loc);
  const util::Json* ref = node->find("$ref");
  bool ref_only = ref && ctx.ref_ignores_siblings(loc.doc);
  if (!ref_only) conj.plain.push_back(loc);
  if (ref) {
    if (!ref->is_string()) return util::fail("invalid schema " + where(loc) + ": $ref must be a string");
    auto target = HEFT_TRY(ctx.resolve_ref(loc, ref->as_string()));
    if (target) HEFT_TRY(flatten_at(ctx, conj, *target, path));
  }
  if (!ref_only) {
    if (const util::Json* all = node->find("allOf")) {
      if (!all->is_array() || all->as_array().empty())
        return util::fail("invalid schema " + where(loc) + ": allOf must be a non-empty array");
      for (size_t i = 0; i < all->as_array().size(); ++i) HEFT_TRY(flatten_at(ctx, conj, loc.child("allOf").child(i), path));
    }
    auto add_group = [&](const Loc& gl, Choice::Kind kind) {
      Choice c{gl, kind};
      if (std::find(conj.groups.begin(), conj.groups.end(), c) == conj.groups.end()) conj.groups.push_back(c);
    };
    for (std::string_view k : {"anyOf", "oneOf"}) {
      const util::Json* g = node->find(k);
      if (!g) continue;
      if (!g->is_array() || g->as_array().empty())
        return util::fail(fmt::format("invalid schema {}: {} must be a non-empty array", where(loc), k));
      add_group(loc.child(k), k == "oneOf" ? Choice::OneOf : Choice::AnyOf);
    }
    // "if x is present then ...": a choice between x absent and x present.
    for (std::string_view k : {"dependencies", "dependentRequired", "dependentSchemas"}) {
      const util::Json* d = node->find(k);
      if (!d) continue;
      if (!d->is_object()) return util::fail(fmt::format("invalid schema {}: {} must be an object", where(loc), k));
      for (const auto& [name, dep] : d->as_object()) {
        bool is_list = dep.is_array();
        if (is_list ? k == "dependentSchemas" : k == "dependentRequired")
          return util::fail(fmt::format("invalid schema {}: {} of '{}' has the wrong form", where(loc), k, name));
        if (is_list ? dep.as_array().empty() : (dep.is_bool() && dep.as_bool())) continue;  // nothing required
        add_group(loc.child(k).child(name), Choice::Dependency);
      }
    }
  }
  path.pop_back();
  return {};
}

uint8_t type_named(std::string_view name) {
  if (name == "null") return kNullType;
  if (name == "boolean") return kBoolType;
  if (name == "object") return kObjectType;
  if (name == "array") return kArrayType;
  if (name == "string") return kStringType;
  if (name == "number") return kIntegerType | kFractionType;
  if (name == "integer") return kIntegerType;
  return 0;
}

// Keywords that only annotate or that other parts of the compiler read.
bool is_passive(std::string_view k) {
  static constexpr std::string_view kPassive[] = {
      "title", "description", "$schema", "$id", "id", "$comment", "default", "examples", "example", "deprecated",
      "readOnly", "writeOnly", "contentMediaType", "contentEncoding", "contentSchema", "$anchor", "$dynamicAnchor",
      "$recursiveAnchor", "$vocabulary", "definitions", "$defs", "$ref", "allOf", "anyOf", "oneOf", "then", "else",
      "discriminator", "externalDocs", "xml", "nullable"};
  return std::find(std::begin(kPassive), std::end(kPassive), k) != std::end(kPassive);
}

// A schema that constrains nothing: true, or an object of annotations only.
bool trivially_true(const util::Json& s) {
  if (s.is_bool()) return s.as_bool();
  if (!s.is_object()) return false;
  for (const auto& [k, v] : s.as_object())
    if (!is_passive(k) || k == "$ref" || k == "allOf" || k == "anyOf" || k == "oneOf") return false;
  return true;
}

util::Result<uint64_t> count_value(const util::Json& v, const Loc& at) {
  if (!v.is_number() || v.as_double() < 0 || std::floor(v.as_double()) != v.as_double())
    return util::fail("invalid schema " + where(at) + ": expected a non-negative integer");
  return v.is_integer() ? v.as_uint() : static_cast<uint64_t>(std::min(v.as_double(), 1e18));
}

void tighten_lo(Facts& f, NumberBound b, const Loc& at) {
  int c = f.lo ? compare(b.value, f.lo->value) : 1;
  if (c > 0 || (c == 0 && b.exclusive)) f.lo = b, f.lo_at = at;
}
void tighten_hi(Facts& f, NumberBound b, const Loc& at) {
  int c = f.hi ? compare(b.value, f.hi->value) : -1;
  if (c < 0 || (c == 0 && b.exclusive)) f.hi = b, f.hi_at = at;
}

// 1/m is an integer (m = 1/k): every integer is a multiple of m.
bool divides_one(const SignedDecimal& m) {
  if (m.negative || m.magnitude.zero()) return false;
  const Decimal& d = m.magnitude;
  int64_t scale = d.exp - static_cast<int64_t>(d.digits.size()) + 1;  // m = digits × 10^scale
  if (scale >= 0) return d.digits == "1" && scale == 0;
  if (d.digits.size() > 18) return false;
  uint64_t n = std::stoull(d.digits);
  int64_t twos = 0, fives = 0;
  while (n % 2 == 0) n /= 2, ++twos;
  while (n % 5 == 0) n /= 5, ++fives;
  return n == 1 && twos <= -scale && fives <= -scale;
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}
void add_unique(std::vector<Loc>& v, const Loc& l) {
  if (std::find(v.begin(), v.end(), l) == v.end()) v.push_back(l);
}

using Multiples = std::vector<std::pair<SignedDecimal, Loc>>;

util::Result<void> merge_member(SchemaContext& ctx, Facts& f, const Loc& m, const util::Json& node,
                                Multiples& multiples) {
  uint8_t types = kAnyType;
  bool typed = false;
  std::optional<std::vector<util::Json>> values;
  auto restrict_values = [&](std::vector<util::Json> vals) {
    if (!values) {
      values = std::move(vals);
      return;
    }
    std::vector<util::Json> kept;
    for (auto& v : *values)
      if (std::any_of(vals.begin(), vals.end(), [&](const util::Json& w) { return json_equal(v, w); })) kept.push_back(v);
    values = std::move(kept);
  };
  for (const auto& [k, v] : node.as_object()) {
    Loc at = m.child(k);
    auto invalid = [&](std::string_view what) {
      return util::fail(fmt::format("invalid schema {}: {}", where(at), what));
    };
    if (k == "type") {
      typed = true;
      types = 0;
      if (v.is_string()) {
        types = type_named(v.as_string());
        if (!types) return invalid("unknown type '" + v.as_string() + "'");
      } else if (v.is_array()) {
        for (const auto& t : v.as_array()) {
          uint8_t b = t.is_string() ? type_named(t.as_string()) : 0;
          if (!b) return invalid("unknown type " + t.dump());
          types |= b;
        }
      } else {
        return invalid("type must be a string or an array");
      }
    } else if (k == "enum") {
      if (!v.is_array()) return invalid("enum must be an array");
      restrict_values(v.as_array());
    } else if (k == "const") {
      restrict_values({v});
    } else if (k == "minLength" || k == "maxLength" || k == "minItems" || k == "maxItems" || k == "minProperties" ||
               k == "maxProperties") {
      uint64_t n = HEFT_TRY(count_value(v, at));
      if (n > kMaxCount) {
        // A maximum above the cap still bounds; a minimum that large cannot be written.
        HEFT_TRY(ctx.unsupported(k, at, fmt::format("counts above {} are not supported", kMaxCount)));
        continue;
      }
      if (k == "minLength") f.min_length = std::max<uint32_t>(f.min_length, static_cast<uint32_t>(n));
      else if (k == "maxLength") f.max_length = std::min<uint32_t>(f.max_length, static_cast<uint32_t>(n));
      else if (k == "minItems") f.min_items = std::max(f.min_items, n);
      else if (k == "maxItems") f.max_items = std::min(f.max_items.value_or(n), n);
      else if (k == "maxProperties") f.max_properties = std::min(f.max_properties.value_or(n), n), f.max_properties_at = at;
      else if (n > f.min_properties) f.min_properties = n, f.min_properties_at = at;
    } else if (k == "pattern") {
      if (!v.is_string()) return invalid("pattern must be a string");
      f.patterns.push_back({v.as_string(), at});
    } else if (k == "format") {
      if (!v.is_string()) return invalid("format must be a string");
      const std::string& name = v.as_string();
      if (string_format_pattern(name)) {
        f.formats.push_back({name, at});
      } else if (name == "int32" || name == "int64") {
        // OpenAPI's integer formats (as ajv-formats checks them): integers in range.
        f.types &= static_cast<uint8_t>(~kFractionType);
        bool wide = name == "int64";
        tighten_lo(f, {SignedDecimal::of(wide ? util::Json(INT64_MIN) : util::Json(int64_t{INT32_MIN})), false}, at);
        tighten_hi(f, {SignedDecimal::of(wide ? util::Json(INT64_MAX) : util::Json(int64_t{INT32_MAX})), false}, at);
      } else if (name != "float" && name != "double") {
        HEFT_TRY(ctx.unsupported("format", at, fmt::format("format '{}' is not enforced", name)));
      }
    } else if (k == "minimum" || k == "maximum") {
      if (!v.is_number()) return invalid(k + " must be a number");
      const util::Json* ex = node.find(k == "minimum" ? "exclusiveMinimum" : "exclusiveMaximum");
      bool exclusive = ex && ex->is_bool() && ex->as_bool();
      if (k == "minimum") tighten_lo(f, {SignedDecimal::of(v), exclusive}, at);
      else tighten_hi(f, {SignedDecimal::of(v), exclusive}, at);
    } else if (k == "exclusiveMinimum" || k == "exclusiveMaximum") {
      if (v.is_bool()) continue;  // draft-04 spelling, read with minimum/maximum
      if (!v.is_number()) return invalid(k + " must be a number");
      if (k == "exclusiveMinimum") tighten_lo(f, {SignedDecimal::of(v), true}, at);
      else tighten_hi(f, {SignedDecimal::of(v), true}, at);
    } else if (k == "multipleOf") {
      if (!v.is_number() || v.as_double() <= 0) return invalid("multipleOf must be a number above 0");
      multiples.push_back({SignedDecimal::of(v), at});
    } else if (k == "properties") {
      if (!v.is_object()) return invalid("properties must be an object");
      add_unique(f.object_members, m);
      for (const auto& [name, s] : v.as_object()) add_unique(f.declared, name);
    } else if (k == "additionalProperties") {
      add_unique(f.object_members, m);
    } else if (k == "required") {
      if (!v.is_array()) return invalid("required must be an array of strings");
      for (const auto& r : v.as_array()) {
        if (!r.is_string()) return invalid("required must be an array of strings");
        add_unique(f.required, r.as_string());
      }
    } else if (k == "items" || k == "prefixItems" || k == "additionalItems") {
      add_unique(f.array_members, m);
    } else if (k == "uniqueItems") {
      if (v.is_bool() && v.as_bool()) f.unique_items_at = at;
    } else if (k == "not") {
      if (v.is_bool() && !v.as_bool()) continue;
      if (trivially_true(v)) {
        f.never = true;
        continue;
      }
      // not {"type": ...}: the complement of those types, exactly.
      bool only_type = v.is_object() && v.find("type");
      if (only_type)
        for (const auto& [nk, nv] : v.as_object())
          if (nk != "type" && !(is_passive(nk) && nk != "$ref" && nk != "allOf" && nk != "anyOf" && nk != "oneOf"))
            only_type = false;
      if (only_type) {
        const util::Json& t = *v.find("type");
        uint8_t mask = 0;
        for (const util::Json& name : t.is_array() ? t.as_array() : util::Json::Array{t})
          mask |= name.is_string() ? type_named(name.as_string()) : 0;
        if (mask) {
          f.types &= static_cast<uint8_t>(~mask);
          if ((mask & kIntegerType) && !(mask & kFractionType)) f.not_integer_at = at;
          continue;
        }
      }
      HEFT_TRY(ctx.unsupported(k, at));
    } else if (k == "if") {
      if (node.find("then") || node.find("else")) HEFT_TRY(ctx.unsupported(k, at));
    } else if (k == "patternProperties") {
      if (!v.is_object()) return invalid("patternProperties must be an object");
      add_unique(f.object_members, m);
    } else if (k == "propertyNames" || k == "unevaluatedProperties" || k == "unevaluatedItems") {
      if (!trivially_true(v)) HEFT_TRY(ctx.unsupported(k, at));
    } else if (k == "contains" || k == "maxContains" || k == "$dynamicRef" || k == "$recursiveRef") {
      HEFT_TRY(ctx.unsupported(k, at));
    } else if (k == "minContains") {
      if (node.find("contains")) HEFT_TRY(ctx.unsupported(k, at));
    }
    // Anything else annotates: JSON Schema ignores keywords it does not define.
  }
  // OpenAPI's nullable: null is allowed too (also beside an enum).
  if (const util::Json* n = node.find("nullable"); n && n->is_bool() && n->as_bool()) {
    if (typed) types |= kNullType;
    if (values && !std::any_of(values->begin(), values->end(), [](const util::Json& x) { return x.is_null(); }))
      values->push_back(nullptr);
  }
  f.types &= types;
  if (values) {
    if (!f.values) f.values = std::move(values);
    else {
      std::vector<util::Json> kept;
      for (auto& x : *f.values)
        if (std::any_of(values->begin(), values->end(), [&](const util::Json& w) { return json_equal(x, w); }))
          kept.push_back(x);
      f.values = std::move(kept);
    }
  }
  return {};
}

}  // namespace

util::Result<void> flatten(SchemaContext& ctx, Conj& conj, const Loc& loc) {
  std::vector<Loc> path;
  return flatten_at(ctx, conj, loc, path);
}

util::Result<std::vector<std::vector<Loc>>> choice_branches(SchemaContext& ctx, const Choice& choice) {
  const Loc& at = choice.at;
  const util::Json& node = *ctx.at(at);
  std::vector<std::vector<Loc>> out;
  if (choice.kind != Choice::Dependency) {
    for (size_t i = 0; i < node.as_array().size(); ++i) out.push_back({at.child(i)});
    return out;
  }
  // The property's name is the pointer's last token.
  std::string name;
  std::string_view raw = std::string_view(at.ptr).substr(at.ptr.rfind('/') + 1);
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '~' && i + 1 < raw.size()) name.push_back(raw[++i] == '0' ? '~' : '/');
    else name.push_back(raw[i]);
  }
  util::Json props = util::Json::object(), absent = util::Json::object(), present = util::Json::object();
  props.set(name, false);
  absent.set("properties", std::move(props));
  util::Json required = util::Json::array();
  required.push_back(name);
  if (node.is_array())
    for (const auto& r : node.as_array()) {
      if (!r.is_string()) return util::fail("invalid schema " + where(at) + ": expected property names");
      required.push_back(r);
    }
  present.set("required", std::move(required));
  out.push_back({ctx.synthetic(absent)});
  out.push_back({ctx.synthetic(present)});
  if (!node.is_array()) out.back().push_back(at);  // dependentSchemas: the schema applies too
  return out;
}

util::Result<Facts> merge(SchemaContext& ctx, const Conj& conj) {
  Facts f;
  f.never = conj.never;
  Multiples multiples;
  for (const Loc& m : conj.plain) HEFT_TRY(merge_member(ctx, f, m, *ctx.at(m), multiples));
  // multipleOf 1 makes numbers integers; 1/k then holds for every integer;
  // the others are followed digit by digit (number_multiple.h).
  for (const auto& [mult, at] : multiples)
    if (mult.magnitude.digits == "1" && mult.magnitude.exp == 0) f.types &= static_cast<uint8_t>(~kFractionType);
  for (const auto& [mult, at] : multiples)
    if (!divides_one(mult) || (f.types & kFractionType)) f.multiples.push_back({mult, at});
  if (f.values) {
    // Values of an excluded type can never match.
    std::vector<util::Json> kept;
    for (auto& v : *f.values)
      if (type_bit(v) & f.types) kept.push_back(v);
    f.values = std::move(kept);
  }
  if (!f.types || (f.values && f.values->empty())) f.never = true;
  return f;
}

std::vector<std::pair<std::string, Loc>> property_patterns(SchemaContext& ctx, const Facts& f) {
  std::vector<std::pair<std::string, Loc>> out;
  for (const Loc& m : f.object_members)
    if (const util::Json* pp = ctx.at(m)->find("patternProperties"); pp && pp->is_object())
      for (const auto& [p, s] : pp->as_object()) out.push_back({p, m.child("patternProperties").child(p)});
  return out;
}

util::Result<Conj> property_conj(SchemaContext& ctx, const Facts& f, const std::string& name) {
  Conj c;
  for (const Loc& m : f.object_members) {
    const util::Json* node = ctx.at(m);
    bool applies = false;
    const util::Json* props = node->find("properties");
    if (props && props->is_object() && props->find(name)) {
      HEFT_TRY(flatten(ctx, c, m.child("properties").child(name)));
      applies = true;
    }
    if (const util::Json* pp = node->find("patternProperties"); pp && pp->is_object())
      for (const auto& [p, s] : pp->as_object()) {
        auto dfa = ctx.pattern_dfa(p);
        if (!dfa) {
          HEFT_TRY(ctx.unsupported("patternProperties", m.child("patternProperties").child(p), dfa.error().message));
          applies = true;  // not strict: the pattern may match, so additionalProperties may not apply
          continue;
        }
        if ((*dfa)->matches(name)) {
          HEFT_TRY(flatten(ctx, c, m.child("patternProperties").child(p)));
          applies = true;
        }
      }
    if (!applies && node->find("additionalProperties")) HEFT_TRY(flatten(ctx, c, m.child("additionalProperties")));
  }
  return c;
}

util::Result<Conj> other_property_conj(SchemaContext& ctx, const Facts& f, const std::vector<bool>& matched) {
  Conj c;
  size_t i = 0;
  for (const Loc& m : f.object_members) {
    const util::Json* node = ctx.at(m);
    bool applies = false;
    if (const util::Json* pp = node->find("patternProperties"); pp && pp->is_object())
      for (const auto& [p, s] : pp->as_object()) {
        if (i < matched.size() && matched[i]) {
          HEFT_TRY(flatten(ctx, c, m.child("patternProperties").child(p)));
          applies = true;
        }
        ++i;
      }
    if (!applies && node->find("additionalProperties")) HEFT_TRY(flatten(ctx, c, m.child("additionalProperties")));
  }
  return c;
}

namespace {

// The member's positional schemas: prefixItems, or a draft-04..2019 items array.
const util::Json* prefix_of(const util::Json& node, std::string_view& keyword) {
  if (const util::Json* p = node.find("prefixItems"); p && p->is_array()) {
    keyword = "prefixItems";
    return p;
  }
  if (const util::Json* p = node.find("items"); p && p->is_array()) {
    keyword = "items";
    return p;
  }
  return nullptr;
}

}  // namespace

size_t prefix_length(SchemaContext& ctx, const Facts& f) {
  size_t n = 0;
  for (const Loc& m : f.array_members) {
    std::string_view kw;
    if (const util::Json* p = prefix_of(*ctx.at(m), kw)) n = std::max(n, p->as_array().size());
  }
  return n;
}

util::Result<Conj> item_conj(SchemaContext& ctx, const Facts& f, size_t index) {
  Conj c;
  for (const Loc& m : f.array_members) {
    const util::Json& node = *ctx.at(m);
    std::string_view kw;
    const util::Json* prefix = prefix_of(node, kw);
    if (prefix && index < prefix->as_array().size()) {
      HEFT_TRY(flatten(ctx, c, m.child(kw).child(index)));
      continue;
    }
    // The rest: items after prefixItems; additionalItems after an items array; else items.
    const util::Json* items = node.find("items");
    if (prefix && kw == "prefixItems") {
      if (items && !items->is_array()) HEFT_TRY(flatten(ctx, c, m.child("items")));
    } else if (prefix) {
      if (node.find("additionalItems")) HEFT_TRY(flatten(ctx, c, m.child("additionalItems")));
    } else if (items) {
      HEFT_TRY(flatten(ctx, c, m.child("items")));
    }
  }
  return c;
}

uint8_t type_bit(const util::Json& v) {
  switch (v.kind()) {
    case util::Json::Kind::Null: return kNullType;
    case util::Json::Kind::Bool: return kBoolType;
    case util::Json::Kind::Object: return kObjectType;
    case util::Json::Kind::Array: return kArrayType;
    case util::Json::Kind::String: return kStringType;
    default: return SignedDecimal::of(v).integral() ? kIntegerType : kFractionType;
  }
}

bool json_equal(const util::Json& a, const util::Json& b) {
  if (a.is_number() && b.is_number()) return compare(SignedDecimal::of(a), SignedDecimal::of(b)) == 0;
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto &x = a.as_array(), &y = b.as_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!json_equal(x[i], y[i])) return false;
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (const auto& [k, v] : a.as_object()) {
      const util::Json* w = b.find(k);
      if (!w || !json_equal(v, *w)) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace heft::grammar
