#pragma once
// A set of Unicode code points as sorted, disjoint, non-adjacent ranges: the
// alphabet of the regular languages (patterns, formats, key exclusions) that
// the JSON Schema compiler turns into GBNF.
#include <cstdint>
#include <string_view>
#include <vector>

#include "grammar/grammar.h"

namespace heft::grammar {

inline constexpr uint32_t kMaxCodePoint = 0x10FFFF;

class CharSet {
 public:
  CharSet() = default;
  static CharSet of(uint32_t cp) { return range(cp, cp); }
  static CharSet range(uint32_t lo, uint32_t hi);
  static CharSet all() { return range(0, kMaxCodePoint); }

  void add(uint32_t lo, uint32_t hi);
  void add(const CharSet& other);
  CharSet complement() const;
  CharSet intersect(const CharSet& other) const;
  CharSet minus(const CharSet& other) const { return intersect(other.complement()); }

  bool contains(uint32_t cp) const;
  bool empty() const { return ranges_.empty(); }
  bool full() const { return ranges_.size() == 1 && ranges_[0].lo == 0 && ranges_[0].hi == kMaxCodePoint; }
  const std::vector<CharRange>& ranges() const { return ranges_; }
  bool operator==(const CharSet& o) const;

 private:
  std::vector<CharRange> ranges_;  // sorted, disjoint, not adjacent
};

// The code points of UTF-8 text (JSON strings are valid UTF-8; a truncated
// sequence at the end reads as U+FFFD).
std::vector<uint32_t> code_points(std::string_view utf8);

}  // namespace heft::grammar
