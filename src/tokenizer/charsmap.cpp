#include "tokenizer/charsmap.h"

#include <utf8proc.h>

#include "tokenizer/unicode.h"

namespace heft::tokenizer {

namespace {
// Darts unit fields.
bool has_leaf(uint32_t u) { return (u >> 8) & 1; }
uint32_t value(uint32_t u) { return u & ((1u << 31) - 1); }
uint32_t label(uint32_t u) { return u & ((1u << 31) | 0xFF); }
uint32_t offset(uint32_t u) { return (u >> 10) << ((u & (1u << 9)) >> 6); }
}  // namespace

util::Result<CharsMap> CharsMap::parse(std::span<const uint8_t> blob) {
  if (blob.size() < 4) return util::fail("precompiled_charsmap is shorter than its 4-byte header");
  uint32_t trie_bytes = uint32_t(blob[0]) | uint32_t(blob[1]) << 8 | uint32_t(blob[2]) << 16 | uint32_t(blob[3]) << 24;
  if (trie_bytes > blob.size() - 4 || trie_bytes % 4 != 0)
    return util::fail("precompiled_charsmap trie size " + std::to_string(trie_bytes) + " does not fit the blob");
  CharsMap m;
  m.units_.resize(trie_bytes / 4);
  for (size_t i = 0; i < m.units_.size(); ++i) {
    const uint8_t* p = blob.data() + 4 + i * 4;
    m.units_[i] = uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
  }
  m.strings_.assign(reinterpret_cast<const char*>(blob.data()) + 4 + trie_bytes, blob.size() - 4 - trie_bytes);
  if (m.units_.empty()) return util::fail("precompiled_charsmap has an empty trie");
  return m;
}

template <class F>
void CharsMap::walk(std::string_view s, F&& on_leaf) const {
  size_t node = offset(units_[0]);
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<uint8_t>(s[i]);
    if (c == 0) return;
    node ^= c;
    if (node >= units_.size()) return;
    uint32_t u = units_[node];
    if (label(u) != c) return;
    node ^= offset(u);
    if (node >= units_.size()) return;
    if (has_leaf(u)) {
      if (!on_leaf(i + 1, value(units_[node]))) return;
    }
  }
}

std::optional<std::string_view> CharsMap::replacement_at(uint32_t off) const {
  if (off >= strings_.size()) return std::nullopt;
  size_t end = strings_.find('\0', off);
  if (end == std::string::npos) return std::nullopt;  // unterminated: treat as no entry
  return std::string_view(strings_).substr(off, end - off);
}

std::pair<size_t, std::string_view> CharsMap::longest_prefix(std::string_view s) const {
  size_t best_len = 0;
  uint32_t best_val = 0;
  walk(s, [&](size_t len, uint32_t v) {
    best_len = len, best_val = v;
    return true;
  });
  if (best_len == 0) return {0, {}};
  auto r = replacement_at(best_val);
  if (!r) return {0, {}};
  return {best_len, *r};
}

std::optional<std::string_view> CharsMap::shortest_prefix(std::string_view s) const {
  std::optional<uint32_t> first;
  walk(s, [&](size_t, uint32_t v) {
    first = v;
    return false;
  });
  if (!first) return std::nullopt;
  return replacement_at(*first);
}

std::string CharsMap::normalize_longest(std::string_view s) const {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    auto [len, rep] = longest_prefix(s.substr(i));
    if (len > 0) {
      out += rep;
      i += len;
      continue;
    }
    uint32_t cp;
    size_t n = unicode::decode_valid(s, i, cp);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      n = 1;
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string CharsMap::normalize_graphemes(std::string_view s) const {
  std::string out;
  out.reserve(s.size());
  auto cps_at = [&](size_t i, uint32_t& cp) {
    size_t n = unicode::decode_valid(s, i, cp);
    if (n == 0) cp = unicode::kReplacement, n = 1;
    return n;
  };
  size_t i = 0;
  while (i < s.size()) {
    // One extended grapheme cluster [i, j).
    uint32_t cp;
    size_t j = i + cps_at(i, cp);
    utf8proc_int32_t state = 0;
    uint32_t prev = cp;
    while (j < s.size()) {
      uint32_t next;
      size_t n = cps_at(j, next);
      if (utf8proc_grapheme_break_stateful(static_cast<utf8proc_int32_t>(prev), static_cast<utf8proc_int32_t>(next),
                                           &state))
        break;
      prev = next;
      j += n;
    }
    std::string_view g = s.substr(i, j - i);
    if (g.size() < 6) {
      if (auto rep = shortest_prefix(g)) {
        out += *rep;
        i = j;
        continue;
      }
    }
    for (size_t k = i; k < j;) {
      uint32_t c;
      size_t n = cps_at(k, c);
      if (auto rep = shortest_prefix(s.substr(k, n))) out += *rep;
      else out.append(s.substr(k, n));
      k += n;
    }
    i = j;
  }
  return out;
}

}  // namespace heft::tokenizer
