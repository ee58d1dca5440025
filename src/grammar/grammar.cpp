#include "grammar/grammar.h"

#include <algorithm>

namespace heft::grammar {

bool Element::matches(uint32_t cp) const {
  if (cp < 128) return (ascii[cp >> 6] >> (cp & 63)) & 1;
  auto it = std::upper_bound(ranges.begin(), ranges.end(), cp, [](uint32_t c, const CharRange& r) { return c < r.lo; });
  const bool in = it != ranges.begin() && cp <= std::prev(it)->hi;
  return in != negated;
}

bool Element::matches_any(uint32_t lo, uint32_t hi) const {
  if (negated) {
    // Some code point of [lo, hi] lies outside every range unless one range covers all of it.
    for (const auto& r : ranges)
      if (r.lo <= lo && hi <= r.hi) return false;
    return true;
  }
  for (const auto& r : ranges)
    if (r.lo <= hi && lo <= r.hi) return true;
  return false;
}

Element chars(std::vector<CharRange> ranges, bool negated) {
  std::sort(ranges.begin(), ranges.end(), [](const CharRange& a, const CharRange& b) { return a.lo < b.lo; });
  Element e;
  e.kind = Element::Kind::Chars;
  e.negated = negated;
  for (const auto& r : ranges) {
    if (r.lo > r.hi) continue;
    if (!e.ranges.empty() && r.lo <= e.ranges.back().hi + 1) e.ranges.back().hi = std::max(e.ranges.back().hi, r.hi);
    else e.ranges.push_back(r);
  }
  for (uint32_t c = 0; c < 128; ++c) {
    bool in = false;
    for (const auto& r : e.ranges) in |= r.lo <= c && c <= r.hi;
    if (in != negated) e.ascii[c >> 6] |= uint64_t{1} << (c & 63);
  }
  return e;
}

int32_t Grammar::find(std::string_view name) const {
  for (size_t i = 0; i < rules.size(); ++i)
    if (rules[i].name == name) return static_cast<int32_t>(i);
  return -1;
}

}  // namespace heft::grammar
