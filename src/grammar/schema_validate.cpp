#include "grammar/schema_validate.h"

#include <algorithm>

#include "grammar/number_multiple.h"
#include "grammar/schema_formats.h"

namespace heft::grammar {

namespace {

constexpr int kMaxDepth = 200;

util::Result<bool> matches(SchemaContext& ctx, const std::string& pattern, const Loc& at, std::string_view keyword,
                           const std::string& text) {
  auto dfa = ctx.pattern_dfa(pattern);
  if (!dfa) {
    HEFT_TRY(ctx.unsupported(keyword, at, dfa.error().message));
    return true;  // not strict: the keyword is skipped
  }
  return (*dfa)->matches(text);
}

util::Result<bool> valid(SchemaContext& ctx, const util::Json& v, const Conj& conj, int depth, const Facts* known = nullptr) {
  if (conj.never) return false;
  if (depth > kMaxDepth) return util::fail("schema or value nested too deeply");
  Facts merged;
  if (!known) merged = HEFT_TRY(merge(ctx, conj));
  const Facts& f = known ? *known : merged;
  if (f.never || !(type_bit(v) & f.types)) return false;
  if (!known && f.values &&
      std::none_of(f.values->begin(), f.values->end(), [&](const util::Json& w) { return json_equal(v, w); }))
    return false;
  if (v.is_string()) {
    size_t n = code_points(v.as_string()).size();
    if (n < f.min_length || n > f.max_length) return false;
    for (const auto& [p, at] : f.patterns)
      if (!HEFT_TRY(matches(ctx, p, at, "pattern", v.as_string()))) return false;
    for (const auto& [name, at] : f.formats)
      if (!HEFT_TRY(matches(ctx, string_format_pattern(name), at, "format", v.as_string()))) return false;
  } else if (v.is_number()) {
    SignedDecimal d = SignedDecimal::of(v);
    if (f.lo) {
      int c = compare(d, f.lo->value);
      if (c < 0 || (c == 0 && f.lo->exclusive)) return false;
    }
    if (f.hi) {
      int c = compare(d, f.hi->value);
      if (c > 0 || (c == 0 && f.hi->exclusive)) return false;
    }
    // As the grammar decides it: on the text JSON.stringify writes.
    for (const auto& [m, at] : f.multiples) {
      auto dfa = multiple_of_dfa(m, {});
      if (!dfa) {
        HEFT_TRY(ctx.unsupported("multipleOf", at, dfa.error().message));
        continue;
      }
      if (!dfa->matches(js_number_text(v))) return false;
    }
  } else if (v.is_object()) {
    const auto& members = v.as_object();
    if (members.size() < f.min_properties || (f.max_properties && members.size() > *f.max_properties)) return false;
    for (const std::string& r : f.required)
      if (!v.find(r)) return false;
    for (const auto& [k, x] : members) {
      Conj c = HEFT_TRY(property_conj(ctx, f, k));
      if (!HEFT_TRY(valid(ctx, x, c, depth + 1))) return false;
    }
  } else if (v.is_array()) {
    const auto& items = v.as_array();
    if (items.size() < f.min_items || (f.max_items && items.size() > *f.max_items)) return false;
    for (size_t i = 0; i < items.size(); ++i) {
      Conj c = HEFT_TRY(item_conj(ctx, f, i));
      if (!HEFT_TRY(valid(ctx, items[i], c, depth + 1))) return false;
      if (f.unique_items_at)
        for (size_t j = 0; j < i; ++j)
          if (json_equal(items[i], items[j])) return false;
    }
  }
  for (const Choice& g : conj.groups) {
    size_t ok = 0;
    for (const auto& branch : HEFT_TRY(choice_branches(ctx, g))) {
      Conj b;
      for (const Loc& l : branch) HEFT_TRY(flatten(ctx, b, l));
      if (HEFT_TRY(valid(ctx, v, b, depth + 1))) ++ok;
    }
    if (g.kind == Choice::OneOf ? ok != 1 : ok == 0) return false;
  }
  return true;
}

uint8_t value_types(const Facts& f) {
  if (!f.values) return f.types;
  uint8_t t = 0;
  for (const auto& v : *f.values) t |= type_bit(v);
  return t & f.types;
}

// b's upper bound lies below a's lower bound.
bool below(const std::optional<NumberBound>& hi, const std::optional<NumberBound>& lo) {
  if (!hi || !lo) return false;
  int c = compare(hi->value, lo->value);
  return c < 0 || (c == 0 && (hi->exclusive || lo->exclusive));
}

util::Result<bool> apart(SchemaContext& ctx, const Conj& a, const Conj& b, int depth) {
  if (a.never || b.never) return true;
  Facts fa = HEFT_TRY(merge(ctx, a)), fb = HEFT_TRY(merge(ctx, b));
  if (fa.never || fb.never) return true;
  uint8_t common = value_types(fa) & value_types(fb);
  if (!common) return true;
  // A finite side: none of its values is valid under both.
  for (const auto* side : {&fa, &fb}) {
    if (!side->values) continue;
    bool shared = false;
    for (const auto& v : *side->values)
      if (HEFT_TRY(valid(ctx, v, a, 0)) && HEFT_TRY(valid(ctx, v, b, 0))) shared = true;
    if (!shared) return true;
  }
  if (depth > 8) return false;
  for (uint8_t bit = 1; bit && bit <= kFractionType; bit = static_cast<uint8_t>(bit << 1)) {
    if (!(common & bit)) continue;
    if (bit == kIntegerType || bit == kFractionType) {
      if (!below(fa.hi, fb.lo) && !below(fb.hi, fa.lo)) return false;
    } else if (bit == kObjectType) {
      // A property both require, whose schemas are apart (a discriminator).
      bool found = false;
      for (const std::string& name : fa.required) {
        if (std::find(fb.required.begin(), fb.required.end(), name) == fb.required.end()) continue;
        Conj pa = HEFT_TRY(property_conj(ctx, fa, name)), pb = HEFT_TRY(property_conj(ctx, fb, name));
        if (HEFT_TRY(apart(ctx, pa, pb, depth + 1))) {
          found = true;
          break;
        }
      }
      if (!found) return false;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

util::Result<bool> validate(SchemaContext& ctx, const util::Json& value, const Conj& conj) {
  return valid(ctx, value, conj, 0);
}

util::Result<bool> validate_listed(SchemaContext& ctx, const util::Json& value, const Conj& conj, const Facts& facts) {
  return valid(ctx, value, conj, 0, &facts);
}

util::Result<bool> disjoint(SchemaContext& ctx, const Conj& a, const Conj& b) { return apart(ctx, a, b, 0); }

}  // namespace heft::grammar
