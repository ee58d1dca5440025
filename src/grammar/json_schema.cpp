#include "grammar/json_schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "grammar/char_automaton.h"
#include "grammar/gbnf_text.h"
#include "grammar/json_container_gbnf.h"
#include "grammar/json_string_gbnf.h"
#include "grammar/number_gbnf.h"
#include "grammar/number_multiple.h"
#include "grammar/schema_context.h"
#include "grammar/schema_facts.h"
#include "grammar/schema_formats.h"
#include "grammar/schema_validate.h"

namespace heft::grammar {

namespace {

// Untrusted schemas: a cap on the grammar's size and on the nesting the
// compiler follows.
constexpr size_t kMaxRules = 100000;
constexpr size_t kMaxBytes = 768 << 10;  // text bytes >= elements: within GBNF parsers' budgets (2^20)
constexpr int kMaxDepth = 128;
constexpr size_t kMaxConjunctions = 20000;
constexpr size_t kMaxPropertyPatterns = 4;  // undeclared keys split into 2^n kinds  // distinct subschema combinations compiled (anyOf/oneOf multiply)

using Expr = std::optional<std::string>;  // nullopt: matches nothing

// The rules every schema shares, each with the rules it uses.
struct Generic {
  std::string_view name, body;
  std::vector<std::string_view> uses;
};
const Generic kGeneric[] = {
    // Bounded, so that a model cannot write whitespace forever.
    {"json-space", R"(| " " | "\n" [ \t]{0,20})", {}},
    {"json-char", R"([^"\\\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4}))", {}},
    // One code point per unit: \u escapes of surrogates only as a pair.
    {"json-counted-char",
     R"([^"\\\x00-\x1F] | "\\" (["\\/bfnrt] | "u" ([0-9a-cA-CefEF] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2} | [dD] [89abAB] [0-9a-fA-F]{2} "\\u" [dD] [c-fC-F] [0-9a-fA-F]{2})))",
     {}},
    {"json-string", R"("\"" json-char* "\"")", {"json-char"}},
    // Every number here is a finite binary64 (RFC 8259 §6: what interoperable readers
    // such as JSON.parse hold; 1e400 would be Infinity): at most 308 integer digits,
    // exponents up to 307 (286 after 2 to 21 integer digits); where underflow to 0
    // would change the answer (json-fraction), negative exponents down to -307.
    // Integers from 1e21 on as JSON.stringify writes them (d.ddde+N, 21 <= N <= 307:
    // up to 20 fraction digits keep the value an integer).
    {"json-integer",
     R"("-"? ("0" | [1-9] [0-9]{0,307}) | "-"? [1-9] ("." [0-9]{1,20})? [eE] "+"? ("2" [1-9] | [3-9] [0-9] | [12] [0-9] [0-9] | "30" [0-7]))",
     {}},
    {"json-number",
     R"("-"? ("0" | [1-9] [0-9]{0,307}) ("." [0-9]+)? ([eE] "-" [0-9]{1,3})? | "-"? ("0" | [1-9]) ("." [0-9]+)? [eE] "+"? ([0-9]{1,2} | [12] [0-9] [0-9] | "30" [0-7]) | "-"? [1-9] [0-9]{1,20} ("." [0-9]+)? [eE] "+"? ([0-9]{1,2} | "1" [0-9] [0-9] | "2" [0-7] [0-9] | "28" [0-6]))",
     {}},
    {"json-boolean", R"("true" | "false")", {}},
    // Numbers whose value is not an integer, as JSON.stringify writes them.
    {"json-fraction",
     R"("-"? ([1-9] [0-9]{0,307} "." [0-9]* [1-9] [0-9]* | "0" "." "0"{0,20} [1-9] [0-9]*) | "-"? [1-9] ("." [0-9]+)? [eE] "-" ([7-9] | [1-9] [0-9] | [12] [0-9] [0-9] | "30" [0-7]))",
     {}},
    {"json-object",
     R"("{" json-space (json-string ":" json-space json-value ("," json-space json-string ":" json-space json-value)* json-space)? "}")",
     {"json-space", "json-string", "json-value"}},
    {"json-array", R"("[" json-space (json-value ("," json-space json-value)* json-space)? "]")",
     {"json-space", "json-value"}},
    {"json-value", R"(json-object | json-array | json-string | json-number | json-boolean | "null")",
     {"json-object", "json-array", "json-string", "json-number", "json-boolean"}},
    {"json-never", R"([^\x00-\U0010FFFF])", {}},
};

std::string join_alts(const std::vector<std::string>& alts) {
  if (alts.size() == 1) return alts[0];
  std::string out = "(";
  for (size_t i = 0; i < alts.size(); ++i) out += (i ? " | " : "") + alts[i];
  return out + ")";
}

bool is_rule_name(const std::string& s) {
  return !s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") ==
                           std::string::npos;
}

}  // namespace

struct SchemaCompiler::Impl {
  explicit Impl(SchemaOptions o) : opt(o), ctx(o.strict) {
    for (const Generic& g : kGeneric) rules.reserve(g.name);  // never a schema's rule name
  }

  SchemaOptions opt;
  SchemaContext ctx;
  GbnfRules rules;
  struct Memo {
    std::string name;  // set once the conjunction is referenced while being compiled (recursion)
    Expr expr;
    bool done = false;
  };
  std::map<std::string, Memo> memo;
  std::map<std::string, std::string> key_rules;  // excluded names → rule for other keys
  int depth = 0;
  size_t compiled = 0;

  std::string use(std::string_view name) {
    for (const Generic& g : kGeneric) {
      if (g.name != name) continue;
      std::string n(name);
      if (rules.has(n)) return n;
      rules.define(n, std::string(g.body));
      for (std::string_view u : g.uses) use(u);
      return n;
    }
    return std::string(name);
  }

  util::Result<void> check_budget() {
    if (rules.count() > kMaxRules || rules.bytes() > kMaxBytes)
      return util::fail(fmt::format("the schema needs a grammar above {} rules or {} KiB", kMaxRules, kMaxBytes >> 10));
    return {};
  }
  size_t rules_left() const { return rules.count() < kMaxRules ? kMaxRules - rules.count() : 0; }

  // The expression for a conjunction: a rule name, a generic rule or a literal.
  util::Result<Expr> compile(const Conj& conj, const std::string& hint, const std::string* top = nullptr) {
    if (conj.never) return Expr{};
    std::string key = conj.key();
    if (auto it = memo.find(key); it != memo.end()) {
      Memo& m = it->second;
      if (m.done) return m.expr;
      if (m.name.empty()) m.name = rules.reserve(hint);
      return Expr{m.name};  // recursion: compiled further up
    }
    if (depth >= kMaxDepth)
      return util::fail("the schema nests deeper than the compiler follows (" + std::to_string(kMaxDepth) + " levels)");
    if (++compiled > kMaxConjunctions)
      return util::fail("the schema combines too many subschemas (anyOf/oneOf branches multiply)");
    Memo& fresh = memo[key];
    if (top) fresh.name = *top;
    ++depth;
    util::Result<Expr> body = conj.groups.empty() ? compile_facts(conj, hint) : compile_groups(conj, hint);
    --depth;
    if (!body) {
      memo.erase(key);
      return body;
    }
    Memo& m = memo[key];
    if (!m.name.empty()) {
      rules.define(m.name, *body ? **body : use("json-never"));
      m.expr = m.name;
    } else if (!*body || is_rule_name(**body)) {
      m.expr = *body;
    } else {
      m.expr = rules.add(hint, **body);
    }
    m.done = true;
    HEFT_TRY(check_budget());
    return m.expr;
  }

  // anyOf/oneOf: the first group's branches, each with the rest of the conjunction.
  util::Result<Expr> compile_groups(const Conj& conj, const std::string& hint) {
    const Choice g = conj.groups[0];
    const bool one = g.kind == Choice::OneOf;
    std::vector<Conj> branches;
    for (const auto& branch : HEFT_TRY(choice_branches(ctx, g))) {
      Conj b = conj;
      b.groups.erase(b.groups.begin());
      for (const Loc& l : branch) HEFT_TRY(flatten(ctx, b, l));
      branches.push_back(std::move(b));
    }
    if (one) {
      bool apart = true;
      for (size_t i = 0; i < branches.size() && apart; ++i)
        for (size_t j = i + 1; j < branches.size() && apart; ++j) apart = HEFT_TRY(disjoint(ctx, branches[i], branches[j]));
      if (!apart) HEFT_TRY(ctx.unsupported("oneOf", g.at, "its branches may overlap (only provably disjoint branches are enforced)"));
    }
    std::vector<std::string> alts;
    for (size_t i = 0; i < branches.size(); ++i) {
      Expr e = HEFT_TRY(compile(branches[i], hint + "-" + std::to_string(i)));
      if (e && std::find(alts.begin(), alts.end(), *e) == alts.end()) alts.push_back(*e);
    }
    if (alts.empty()) return Expr{};
    return Expr{join_alts(alts)};
  }

  util::Result<Expr> compile_facts(const Conj& conj, const std::string& hint) {
    Facts f = HEFT_TRY(merge(ctx, conj));
    if (f.never) return Expr{};
    if (f.values) {
      std::vector<std::string> alts;
      std::set<std::string> seen;
      for (const util::Json& v : *f.values) {
        if (!HEFT_TRY(validate_listed(ctx, v, conj, f))) continue;
        std::string lit = HEFT_TRY(literal(v, hint));
        if (seen.insert(lit).second) alts.push_back(lit);
      }
      if (alts.empty()) return Expr{};
      return Expr{join_alts(alts)};
    }
    std::vector<std::string> alts;
    bool generic = true;  // every part is the unconstrained generic rule
    auto part = [&](Expr e, std::string_view generic_name) {
      if (!e) return;
      generic = generic && *e == generic_name;
      alts.push_back(*e);
    };
    if (f.types & kObjectType) part(HEFT_TRY(object_expr(f, hint)), "json-object");
    if (f.types & kArrayType) part(HEFT_TRY(array_expr(f, hint)), "json-array");
    if (f.types & kStringType) part(HEFT_TRY(string_expr(f, hint)), "json-string");
    if (f.types & (kIntegerType | kFractionType)) part(HEFT_TRY(number_expr(f, hint)), "json-number");
    if (f.types & kBoolType) part(use("json-boolean"), "json-boolean");
    if (f.types & kNullType) part("\"null\"", "\"null\"");
    if (f.types == kAnyType && generic && alts.size() == 6) return Expr{use("json-value")};
    if (alts.empty()) return Expr{};
    return Expr{join_alts(alts)};
  }

  util::Result<Expr> number_expr(const Facts& f, const std::string& hint) {
    bool integer = !(f.types & kFractionType);
    if (!(f.types & kIntegerType)) {  // not {"type": "integer"}
      if (!f.lo && !f.hi && f.multiples.empty()) return Expr{use("json-fraction")};
      HEFT_TRY(ctx.unsupported("not", *f.not_integer_at, "bounds on numbers that must not be integers"));
    }
    if (!f.multiples.empty()) {
      if (auto e = HEFT_TRY(multiple_expr(f, integer, hint)); e) return *e;
    }
    if (!f.lo && !f.hi) return Expr{use(integer ? "json-integer" : "json-number")};
    auto r = number_range_gbnf(f.lo, f.hi, integer);
    if (!r) {
      bool low = f.lo && !f.lo->value.negative;
      HEFT_TRY(ctx.unsupported(low ? f.lo_at.ptr.substr(f.lo_at.ptr.rfind('/') + 1) : f.hi_at.ptr.substr(f.hi_at.ptr.rfind('/') + 1),
                               low ? f.lo_at : f.hi_at, r.error().message));
      return Expr{use("json-integer")};
    }
    if (!*r) return Expr{};
    return Expr{rules.add(hint + "-num", **r)};
  }

  // multipleOf, as automata over the number's text (bounds only at 0: signs).
  // nullopt (not Expr{}) when not strict and it was dropped.
  util::Result<std::optional<Expr>> multiple_expr(const Facts& f, bool integer, const std::string& hint) {
    const Loc& at = f.multiples[0].second;
    auto at_zero = [](const std::optional<NumberBound>& b) { return b && !b->exclusive && b->value.magnitude.zero(); };
    if ((f.lo && !at_zero(f.lo)) || (f.hi && !at_zero(f.hi))) {
      HEFT_TRY(ctx.unsupported("multipleOf", at, "together with minimum/maximum other than 0"));
      return std::nullopt;
    }
    MultipleOfOptions opt{.integers_only = integer, .non_negative = at_zero(f.lo), .non_positive = at_zero(f.hi)};
    std::optional<Dfa> dfa;
    for (const auto& [m, where] : f.multiples) {
      auto d = multiple_of_dfa(m, opt);
      if (!d) {
        HEFT_TRY(ctx.unsupported("multipleOf", where, d.error().message));
        return std::nullopt;
      }
      if (dfa) {
        auto both = intersect(*dfa, *d);
        if (!both) {
          HEFT_TRY(ctx.unsupported("multipleOf", where, both.error().message));
          return std::nullopt;
        }
        d = std::move(*both);
      }
      dfa = std::move(*d);
    }
    auto r = dfa_text_gbnf(rules, hint + "-multiple", *dfa, rules_left());
    if (!r) return util::fail(r.error().message);
    return std::optional<Expr>(*r);
  }

  util::Result<Expr> string_expr(const Facts& f, const std::string& hint) {
    if (f.min_length > f.max_length) return Expr{};
    // The patterns and formats, intersected.
    std::optional<Dfa> dfa;
    auto combine = [&](std::string_view keyword, const std::string& pattern, const Loc& at) -> util::Result<void> {
      auto d = ctx.pattern_dfa(pattern);
      if (!d) return ctx.unsupported(keyword, at, d.error().message);
      if (!dfa) {
        dfa = **d;
        return {};
      }
      auto both = intersect(*dfa, **d);
      if (!both) return ctx.unsupported(keyword, at, both.error().message);
      dfa = std::move(*both);
      return {};
    };
    for (const auto& [p, at] : f.patterns) HEFT_TRY(combine("pattern", p, at));
    for (const auto& [name, at] : f.formats) HEFT_TRY(combine("format", string_format_pattern(name), at));
    if (!dfa) {
      if (f.min_length == 0 && f.max_length == kNoMaxLength) return Expr{use("json-string")};
      std::optional<uint64_t> hi;
      if (f.max_length != kNoMaxLength) hi = f.max_length;
      std::string body = gbnf_repeat(use("json-counted-char"), f.min_length, hi);
      return Expr{rules.add(hint + "-string", "\"\\\"\" " + (body.empty() ? "" : body + " ") + "\"\\\"\"")};
    }
    auto r = json_string_dfa(rules, hint + "-string", *dfa, f.min_length, f.max_length, rules_left());
    if (!r) {
      const auto& [kw, at] = !f.patterns.empty() ? std::pair<std::string, Loc>{"pattern", f.patterns[0].second}
                                                 : std::pair<std::string, Loc>{"format", f.formats[0].second};
      HEFT_TRY(ctx.unsupported(kw, at, r.error().message));
      return Expr{use("json-string")};
    }
    return *r;
  }

  // A JSON string except the given names (canonical spelling of each character).
  util::Result<std::string> other_keys(const std::vector<std::string>& names, const std::string& hint) {
    std::string cache_key;
    for (const auto& n : names) cache_key += n + '\x1f';
    if (auto it = key_rules.find(cache_key); it != key_rules.end()) return it->second;
    Dfa dfa = all_strings_except(names);
    auto r = HEFT_TRY(json_string_dfa(rules, hint + "-key", dfa, 0, kNoMaxLength, rules_left()));
    std::string name = r ? rules.add(hint + "-key", *r) : use("json-never");
    key_rules[cache_key] = name;
    return name;
  }

  util::Result<Expr> object_expr(const Facts& f, const std::string& hint) {
    if (f.object_members.empty() && f.required.empty() && f.min_properties == 0 && !f.max_properties)
      return Expr{use("json-object")};
    std::vector<std::string> names = f.declared;
    for (const auto& r : f.required)
      if (std::find(names.begin(), names.end(), r) == names.end()) names.push_back(r);
    ObjectSpec spec;
    size_t required_count = 0;
    for (const std::string& name : names) {
      Conj c = HEFT_TRY(property_conj(ctx, f, name));
      Expr e = HEFT_TRY(compile(c, hint + "-" + name));
      bool required = std::find(f.required.begin(), f.required.end(), name) != f.required.end();
      if (!e) {
        if (required) return Expr{};
        continue;  // it may not appear (and is still no "other" key)
      }
      required_count += required;
      spec.properties.push_back({json_string_literal(name), *e, required});
    }
    HEFT_TRY(other_members(f, names, hint, spec));
    spec.max_members = f.max_properties;
    spec.min_members = f.min_properties;
    // With other members allowed, duplicate keys could make a count overstate
    // the distinct properties; a minimum of 1 (or one the required ones meet) is exact.
    if (spec.min_members > 1 && spec.min_members > required_count && !spec.others.empty()) {
      HEFT_TRY(ctx.unsupported("minProperties", f.min_properties_at,
                               "counting undeclared properties is not exact (a repeated key counts once)"));
      spec.min_members = 0;
    }
    use(kSpaceRule);
    auto r = object_gbnf(rules, hint + "-obj", spec, rules_left());
    if (!r) {  // too many states: the counts multiply the any-order sets
      Loc at = f.max_properties ? f.max_properties_at : f.object_members.empty() ? f.min_properties_at
                                                                                 : f.object_members[0].child("properties");
      HEFT_TRY(ctx.unsupported(f.max_properties ? "maxProperties" : "properties", at, r.error().message));
      return Expr{use("json-object")};
    }
    return *r;
  }

  // Members with undeclared keys: one kind per set of property patterns the
  // key matches (its value must satisfy each of them, or additionalProperties
  // when none does). The key sets are disjoint, so each key has one reading.
  util::Result<void> other_members(const Facts& f, const std::vector<std::string>& names, const std::string& hint,
                                   ObjectSpec& spec) {
    auto patterns = property_patterns(ctx, f);
    std::vector<Dfa> yes, no;
    bool usable = true;
    for (size_t i = 0; i < patterns.size() && usable; ++i) {
      if (i == kMaxPropertyPatterns) {
        HEFT_TRY(ctx.unsupported("patternProperties", patterns[i].second,
                                 fmt::format("more than {} property patterns", kMaxPropertyPatterns)));
        usable = false;
        break;
      }
      auto d = ctx.pattern_dfa(patterns[i].first);
      if (!d) {
        HEFT_TRY(ctx.unsupported("patternProperties", patterns[i].second, d.error().message));
        usable = false;
        break;
      }
      yes.push_back(**d);
      no.push_back(complement(**d));
    }
    if (!usable) {  // not strict: undeclared keys take any value
      spec.others.push_back({names.empty() ? use("json-string") : HEFT_TRY(other_keys(names, hint)), use("json-value")});
      return {};
    }
    if (patterns.empty()) {
      Conj c = HEFT_TRY(other_property_conj(ctx, f, {}));
      Expr value = HEFT_TRY(compile(c, hint + "-additional"));
      if (value) spec.others.push_back({names.empty() ? use("json-string") : HEFT_TRY(other_keys(names, hint)), *value});
      return {};
    }
    const Dfa others = all_strings_except(names);
    for (uint32_t mask = 0; mask < (1u << patterns.size()); ++mask) {
      std::vector<bool> matched(patterns.size());
      Dfa keys = others;
      for (size_t i = 0; i < patterns.size() && !keys.empty(); ++i) {
        matched[i] = mask >> i & 1;
        auto both = intersect(keys, matched[i] ? yes[i] : no[i]);
        if (!both) return ctx.unsupported("patternProperties", patterns[i].second, both.error().message);
        keys = std::move(*both);
      }
      if (keys.empty()) continue;
      Conj c = HEFT_TRY(other_property_conj(ctx, f, matched));
      Expr value = HEFT_TRY(compile(c, hint + (mask ? "-pattern" : "-additional")));
      if (!value) continue;
      auto key = HEFT_TRY(json_string_dfa(rules, hint + "-key", keys, 0, kNoMaxLength, rules_left()));
      if (key) spec.others.push_back({rules.add(hint + "-key", *key), *value});
    }
    return {};
  }

  util::Result<Expr> array_expr(const Facts& f, const std::string& hint) {
    if (f.array_members.empty() && f.min_items == 0 && !f.max_items && !f.unique_items_at) return Expr{use("json-array")};
    ArraySpec spec;
    spec.min_items = f.min_items;
    spec.max_items = f.max_items;
    size_t k = prefix_length(ctx, f);
    for (size_t i = 0; i < k; ++i) {
      Conj c = HEFT_TRY(item_conj(ctx, f, i));
      Expr e = HEFT_TRY(compile(c, hint + "-" + std::to_string(i)));
      if (!e) {  // no item fits here: the array ends before
        spec.max_items = std::min<uint64_t>(spec.max_items.value_or(i), i);
        break;
      }
      spec.prefix.push_back(*e);
    }
    if (spec.prefix.size() == k) {
      Conj rest = HEFT_TRY(item_conj(ctx, f, k));
      spec.rest = HEFT_TRY(compile(rest, hint + "-item"));
    }
    if (f.unique_items_at && (!spec.max_items || *spec.max_items > 1))
      HEFT_TRY(ctx.unsupported("uniqueItems", *f.unique_items_at, "only uniqueItems: false is enforced"));
    use(kSpaceRule);
    return array_gbnf(rules, hint + "-array", spec);
  }

  // A value's own text, as JSON.stringify writes it (any member order for objects).
  util::Result<std::string> literal(const util::Json& v, const std::string& hint) {
    switch (v.kind()) {
      case util::Json::Kind::Null: return std::string("\"null\"");
      case util::Json::Kind::Bool: return gbnf_literal(v.as_bool() ? "true" : "false");
      case util::Json::Kind::String: return json_string_literal(v.as_string());
      case util::Json::Kind::Array: {
        ArraySpec spec;
        for (const auto& x : v.as_array()) spec.prefix.push_back(HEFT_TRY(literal(x, hint)));
        spec.min_items = spec.max_items.emplace(spec.prefix.size());
        use(kSpaceRule);
        auto e = array_gbnf(rules, hint + "-const", spec);
        if (!e) return util::fail("internal: no grammar for a const array");
        return *e;
      }
      case util::Json::Kind::Object: {
        ObjectSpec spec;
        std::vector<std::string> seen;
        for (const auto& [k, x] : v.as_object()) {
          if (std::find(seen.begin(), seen.end(), k) != seen.end()) continue;
          seen.push_back(k);
          spec.properties.push_back({json_string_literal(k), HEFT_TRY(literal(x, hint)), true});
        }
        use(kSpaceRule);
        auto e = HEFT_TRY(object_gbnf(rules, hint + "-const", spec, rules_left()));
        if (!e) return util::fail("internal: no grammar for a const object");
        return *e;
      }
      default: return gbnf_literal(js_number_text(v));
    }
  }
};

SchemaCompiler::SchemaCompiler(SchemaOptions opt) : impl_(std::make_unique<Impl>(opt)) {}
SchemaCompiler::~SchemaCompiler() = default;
SchemaCompiler::SchemaCompiler(SchemaCompiler&&) noexcept = default;
SchemaCompiler& SchemaCompiler::operator=(SchemaCompiler&&) noexcept = default;

util::Result<std::string> SchemaCompiler::add(const util::Json& schema, std::string_view name_hint) {
  Impl& m = *impl_;
  // A failed schema leaves the rules as they were.
  GbnfRules saved_rules = m.rules;
  auto saved_memo = m.memo;
  auto saved_keys = m.key_rules;
  auto restore = [&](util::Error e) {
    m.rules = std::move(saved_rules);
    m.memo = std::move(saved_memo);
    m.key_rules = std::move(saved_keys);
    return std::unexpected(std::move(e));
  };
  m.compiled = 0;
  uint32_t doc = m.ctx.add_document(schema);
  Conj top;
  if (auto r = flatten(m.ctx, top, Loc{doc, ""}); !r) return restore(r.error());
  std::string hint = gbnf_name(name_hint.empty() ? "schema" : name_hint);
  std::string name = m.rules.reserve(hint);
  auto e = m.compile(top, hint, &name);
  if (!e) return restore(e.error());
  // Unless the top conjunction's rule is this one, the name stands for its expression.
  if (!m.rules.has(name)) m.rules.define(name, *e ? **e : m.use("json-never"));
  return name;
}

std::string SchemaCompiler::rules() const { return impl_->rules.text(); }
const std::vector<std::string>& SchemaCompiler::unsupported() const { return impl_->ctx.unsupported_list(); }

util::Result<SchemaGrammar> schema_to_gbnf(const util::Json& schema, const SchemaOptions& opt) {
  SchemaCompiler c(opt);
  std::string top = HEFT_TRY(c.add(schema, "root"));
  SchemaGrammar g;
  g.gbnf = c.rules();
  if (top != "root") g.gbnf += "root ::= " + top + "\n";
  g.unsupported = c.unsupported();
  return g;
}

std::string json_object_gbnf() {
  SchemaCompiler c;
  auto name = c.add(util::Json::parse(R"({"type": "object"})").value(), "root");
  return c.rules();
}

}  // namespace heft::grammar
