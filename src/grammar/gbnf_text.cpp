#include "grammar/gbnf_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "util/utf8.h"

namespace heft::grammar {

std::string gbnf_literal(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) out += fmt::format("\\x{:02X}", c);
        else out.push_back(ch);
    }
  }
  out += '"';
  return out;
}

namespace {

// One code point inside [...]: the characters the GBNF class syntax gives a
// meaning to (\ ] [ ^ -), controls and non-ASCII are written as escapes.
void append_class_char(std::string& out, uint32_t cp) {
  bool plain = cp >= 0x20 && cp < 0x7F && cp != '\\' && cp != ']' && cp != '[' && cp != '^' && cp != '-';
  if (plain) out.push_back(static_cast<char>(cp));
  else if (cp < 0x80) out += fmt::format("\\x{:02X}", cp);
  else if (cp < 0x10000) out += fmt::format("\\u{:04X}", cp);
  else out += fmt::format("\\U{:08X}", cp);
}

std::string class_body(const CharSet& set) {
  std::string out;
  for (const CharRange& r : set.ranges()) {
    append_class_char(out, r.lo);
    if (r.hi == r.lo) continue;
    if (r.hi != r.lo + 1) out.push_back('-');
    append_class_char(out, r.hi);
  }
  return out;
}

}  // namespace

std::string gbnf_class(const CharSet& set) {
  if (set.full()) return ".";
  std::string pos = class_body(set), neg = class_body(set.complement());
  if (neg.size() < pos.size()) return "[^" + neg + "]";
  return "[" + pos + "]";
}

std::string gbnf_name(std::string_view text) {
  // Segments after the first start with a letter: GBNF parsers name the rules
  // they generate for groups "<rule>-<digits>", which must not collide.
  std::string out;
  bool segment_start = true;
  for (char c : text) {
    bool digit = c >= '0' && c <= '9';
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || digit;
    if (!ok) {
      if (!out.empty() && out.back() != '-') out.push_back('-');
      segment_start = true;
      continue;
    }
    if (segment_start && digit && !out.empty()) out.push_back('n');
    out.push_back(c);
    segment_start = false;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > 48) out.resize(48);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "r" : out;
}

std::string GbnfRules::reserve(std::string_view base_view) {
  std::string base = gbnf_name(base_view);
  std::string name = base;
  if (taken_.count(name)) {
    size_t& n = next_suffix_[base];
    if (n < 2) n = 2;
    do name = base + std::to_string(n++);  // "root-a2": the last segment still starts with a letter
    while (taken_.count(name));
  }
  taken_.insert(name);
  return name;
}

void GbnfRules::define(const std::string& name, std::string body) {
  bytes_ += name.size() + body.size() + 6;
  // A parser expands x{m,n} into about n copies: count them as text too.
  for (size_t i = body.find('{'); i != std::string::npos; i = body.find('{', i + 1)) {
    uint64_t count = 0;
    for (size_t j = i + 1; j < body.size() && (std::isdigit(static_cast<unsigned char>(body[j])) || body[j] == ','); ++j)
      if (body[j] == ',') count = 0;
      else count = std::min<uint64_t>(count * 10 + static_cast<uint64_t>(body[j] - '0'), 1u << 20);
    bytes_ += count * 8;
  }
  taken_.insert(name);
  by_body_.emplace(body, name);
  bodies_[name] = std::move(body);
  order_.push_back(name);
}

std::string GbnfRules::add(std::string_view base, std::string body) {
  if (auto it = by_body_.find(body); it != by_body_.end()) return it->second;
  std::string name = reserve(base);
  define(name, std::move(body));
  return name;
}

std::string GbnfRules::text() const {
  std::string out;
  out.reserve(bytes_);
  for (const std::string& name : order_) {
    out += name;
    out += " ::= ";
    out += bodies_.at(name);
    out += '\n';
  }
  return out;
}

}  // namespace heft::grammar
