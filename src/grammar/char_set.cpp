#include "grammar/char_set.h"

#include <algorithm>

namespace heft::grammar {

CharSet CharSet::range(uint32_t lo, uint32_t hi) {
  CharSet s;
  s.add(lo, hi);
  return s;
}

void CharSet::add(uint32_t lo, uint32_t hi) {
  if (lo > hi) return;
  if (hi > kMaxCodePoint) hi = kMaxCodePoint;
  // Insert, then merge every range that overlaps or touches [lo, hi].
  auto it = std::lower_bound(ranges_.begin(), ranges_.end(), lo,
                             [](const CharRange& r, uint32_t v) { return r.hi + 1 < v; });
  auto end = it;
  while (end != ranges_.end() && end->lo <= hi + 1) {
    lo = std::min(lo, end->lo);
    hi = std::max(hi, end->hi);
    ++end;
  }
  it = ranges_.erase(it, end);
  ranges_.insert(it, CharRange{lo, hi});
}

void CharSet::add(const CharSet& other) {
  for (const CharRange& r : other.ranges_) add(r.lo, r.hi);
}

CharSet CharSet::complement() const {
  CharSet out;
  uint32_t next = 0;
  for (const CharRange& r : ranges_) {
    if (r.lo > next) out.ranges_.push_back({next, r.lo - 1});
    next = r.hi + 1;
  }
  if (next <= kMaxCodePoint) out.ranges_.push_back({next, kMaxCodePoint});
  return out;
}

CharSet CharSet::intersect(const CharSet& other) const {
  CharSet out;
  size_t i = 0, j = 0;
  while (i < ranges_.size() && j < other.ranges_.size()) {
    const CharRange& a = ranges_[i];
    const CharRange& b = other.ranges_[j];
    uint32_t lo = std::max(a.lo, b.lo), hi = std::min(a.hi, b.hi);
    if (lo <= hi) out.ranges_.push_back({lo, hi});
    if (a.hi < b.hi) ++i;
    else ++j;
  }
  return out;
}

bool CharSet::contains(uint32_t cp) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), cp,
                             [](uint32_t v, const CharRange& r) { return v < r.lo; });
  return it != ranges_.begin() && std::prev(it)->hi >= cp;
}

bool CharSet::operator==(const CharSet& o) const {
  if (ranges_.size() != o.ranges_.size()) return false;
  for (size_t i = 0; i < ranges_.size(); ++i)
    if (ranges_[i].lo != o.ranges_[i].lo || ranges_[i].hi != o.ranges_[i].hi) return false;
  return true;
}

std::vector<uint32_t> code_points(std::string_view s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp = c;
    size_t n = 1;
    if (c >= 0xF0) cp = c & 0x07, n = 4;
    else if (c >= 0xE0) cp = c & 0x0F, n = 3;
    else if (c >= 0xC0) cp = c & 0x1F, n = 2;
    if (i + n > s.size()) {
      out.push_back(0xFFFD);
      break;
    }
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp > kMaxCodePoint ? 0xFFFD : cp);
    i += n;
  }
  return out;
}

}  // namespace heft::grammar
