#include "grammar/regex.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <tuple>

namespace heft::grammar {

CharSet ecma_space() {
  CharSet s;
  for (uint32_t c : {0x09u, 0x0Au, 0x0Bu, 0x0Cu, 0x0Du, 0x20u, 0xA0u, 0x1680u, 0x2028u, 0x2029u, 0x202Fu, 0x205Fu,
                     0x3000u, 0xFEFFu})
    s.add(c, c);
  s.add(0x2000, 0x200A);
  return s;
}

namespace {

CharSet digit_set() { return CharSet::range('0', '9'); }
CharSet word_set() {
  CharSet s = CharSet::range('a', 'z');
  s.add('A', 'Z');
  s.add('0', '9');
  s.add('_', '_');
  return s;
}
CharSet dot_set() {
  CharSet nl;
  for (uint32_t c : {0x0Au, 0x0Du, 0x2028u, 0x2029u}) nl.add(c, c);
  return nl.complement();
}

Regex chars(CharSet s) {
  Regex r;
  r.kind = Regex::Kind::Chars;
  r.chars = std::move(s);
  return r;
}

bool is_syntax_char(uint32_t c) {
  return c < 0x80 && std::string_view("^$\\.*+?()[]{}|/").find(static_cast<char>(c)) != std::string_view::npos;
}

int hex_value(uint32_t c) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<int>(c - 'A' + 10);
  return -1;
}

class Parser {
 public:
  explicit Parser(std::vector<uint32_t> cps) : s_(std::move(cps)) {}

  util::Result<Regex> parse() {
    Regex r = HEFT_TRY(disjunction(0));
    if (pos_ < s_.size()) return fail("unmatched ')'");
    return r;
  }

 private:
  std::vector<uint32_t> s_;
  size_t pos_ = 0;

  bool at_end() const { return pos_ >= s_.size(); }
  uint32_t peek(size_t ahead = 0) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : 0xFFFFFFFF; }
  std::unexpected<util::Error> fail(std::string what) const {
    return util::fail(fmt::format("{} (at character {})", what, pos_));
  }

  util::Result<Regex> disjunction(int depth) {
    if (depth > 100) return fail("groups nested too deeply");
    Regex alt;
    alt.kind = Regex::Kind::Alt;
    alt.items.push_back(HEFT_TRY(alternative(depth)));
    while (peek() == '|') {
      ++pos_;
      alt.items.push_back(HEFT_TRY(alternative(depth)));
    }
    if (alt.items.size() == 1) return std::move(alt.items[0]);
    return alt;
  }

  util::Result<Regex> alternative(int depth) {
    Regex cat;
    cat.kind = Regex::Kind::Concat;
    while (!at_end() && peek() != '|' && peek() != ')') cat.items.push_back(HEFT_TRY(term(depth)));
    if (cat.items.empty()) return Regex{};
    if (cat.items.size() == 1) return std::move(cat.items[0]);
    return cat;
  }

  util::Result<Regex> term(int depth) {
    uint32_t c = peek();
    if (c == '^' || c == '$') {
      ++pos_;
      Regex r;
      r.kind = c == '^' ? Regex::Kind::LineStart : Regex::Kind::LineEnd;
      if (quantifier_ahead()) return fail("a quantifier after an anchor");
      return r;
    }
    Regex atom = HEFT_TRY(this->atom(depth));
    if (!quantifier_ahead()) return atom;
    uint32_t lo = 0, hi = 0;
    switch (peek()) {
      case '*': ++pos_; lo = 0; hi = Regex::kUnbounded; break;
      case '+': ++pos_; lo = 1; hi = Regex::kUnbounded; break;
      case '?': ++pos_; lo = 0; hi = 1; break;
      default: {
        auto [a, b, len] = braces(pos_);
        pos_ += len;
        lo = a;
        hi = b;
      }
    }
    if (lo > hi) return fail("a {m,n} quantifier with m > n");
    if (lo > Regex::kMaxCount || (hi != Regex::kUnbounded && hi > Regex::kMaxCount))
      return fail(fmt::format("a repetition count above {}", Regex::kMaxCount));
    if (peek() == '?') ++pos_;  // lazy: the same language
    if (quantifier_ahead()) return fail("nothing to repeat");
    Regex r;
    r.kind = Regex::Kind::Repeat;
    r.min = lo;
    r.max = hi;
    r.items.push_back(std::move(atom));
    return r;
  }

  // {m}, {m,} or {m,n} starting at `at`: (m, n, length), length 0 when it is not one.
  std::tuple<uint32_t, uint32_t, size_t> braces(size_t at) const {
    if (at >= s_.size() || s_[at] != '{') return {0, 0, 0};
    size_t i = at + 1;
    auto number = [&](uint64_t& v) {
      size_t start = i;
      v = 0;
      while (i < s_.size() && s_[i] >= '0' && s_[i] <= '9') {
        v = std::min<uint64_t>(v * 10 + (s_[i] - '0'), uint64_t{1} << 40);
        ++i;
      }
      return i > start;
    };
    uint64_t a = 0, b = 0;
    if (!number(a)) return {0, 0, 0};
    auto clamp = [](uint64_t v) { return static_cast<uint32_t>(std::min<uint64_t>(v, Regex::kUnbounded - 1)); };
    if (i < s_.size() && s_[i] == '}') return {clamp(a), clamp(a), i + 1 - at};
    if (i >= s_.size() || s_[i] != ',') return {0, 0, 0};
    ++i;
    if (i < s_.size() && s_[i] == '}') return {clamp(a), Regex::kUnbounded, i + 1 - at};
    if (!number(b) || i >= s_.size() || s_[i] != '}') return {0, 0, 0};
    return {clamp(a), clamp(b), i + 1 - at};
  }

  bool quantifier_ahead() const {
    uint32_t c = peek();
    return c == '*' || c == '+' || c == '?' || std::get<2>(braces(pos_)) != 0;
  }

  util::Result<Regex> atom(int depth) {
    uint32_t c = peek();
    switch (c) {
      case '(': return group(depth);
      case ')': return fail("unmatched ')'");
      case '.': ++pos_; return chars(dot_set());
      case '[': return char_class();
      case '\\': {
        ++pos_;
        CharSet s = HEFT_TRY(escape(false));
        return chars(std::move(s));
      }
      case '*': case '+': case '?': return fail("nothing to repeat");
      default:
        if (c == '{' && std::get<2>(braces(pos_)) != 0) return fail("nothing to repeat");
        ++pos_;  // '{', '}' and ']' that start nothing are literal (Annex B)
        return chars(CharSet::of(c));
    }
  }

  util::Result<Regex> group(int depth) {
    ++pos_;  // (
    if (peek() == '?') {
      uint32_t k = peek(1);
      if (k == ':') {
        pos_ += 2;
      } else if (k == '=' || k == '!') {
        return fail("lookahead (?= (?! is not supported");
      } else if (k == '<' && (peek(2) == '=' || peek(2) == '!')) {
        return fail("lookbehind (?<= (?<! is not supported");
      } else if (k == '<') {
        pos_ += 2;
        while (!at_end() && peek() != '>') ++pos_;
        if (at_end()) return fail("unterminated group name");
        ++pos_;
      } else {
        return fail("unknown group (?");
      }
    }
    Regex inner = HEFT_TRY(disjunction(depth + 1));
    if (peek() != ')') return fail("missing ')'");
    ++pos_;
    return inner;
  }

  util::Result<Regex> char_class() {
    ++pos_;  // [
    bool negate = false;
    if (peek() == '^') {
      negate = true;
      ++pos_;
    }
    CharSet set;
    while (true) {
      if (at_end()) return fail("missing ']'");
      if (peek() == ']') {
        ++pos_;
        break;
      }
      bool single = true;
      CharSet lo = HEFT_TRY(class_atom(single));
      if (peek() == '-' && peek(1) != ']' && peek(1) != 0xFFFFFFFF) {
        ++pos_;
        bool single_hi = true;
        CharSet hi = HEFT_TRY(class_atom(single_hi));
        if (!single || !single_hi) return fail("a class escape in a range");
        uint32_t a = lo.ranges()[0].lo, b = hi.ranges()[0].lo;
        if (a > b) return fail("a range out of order");
        set.add(a, b);
      } else {
        set.add(lo);
      }
    }
    return chars(negate ? set.complement() : set);
  }

  util::Result<CharSet> class_atom(bool& single) {
    uint32_t c = peek();
    ++pos_;
    if (c != '\\') return CharSet::of(c);
    if (peek() == 'b') {
      ++pos_;
      return CharSet::of(0x08);
    }
    if (peek() == '-') {
      ++pos_;
      return CharSet::of('-');
    }
    uint32_t k = peek();
    single = !(k == 'd' || k == 'D' || k == 'w' || k == 'W' || k == 's' || k == 'S');
    return escape(true);
  }

  // After a backslash. in_class: inside [...] (where \b was handled already).
  util::Result<CharSet> escape(bool in_class) {
    if (at_end()) return fail("a '\\' at the end");
    uint32_t c = peek();
    ++pos_;
    switch (c) {
      case 'd': return digit_set();
      case 'D': return digit_set().complement();
      case 'w': return word_set();
      case 'W': return word_set().complement();
      case 's': return ecma_space();
      case 'S': return ecma_space().complement();
      case 't': return CharSet::of(0x09);
      case 'n': return CharSet::of(0x0A);
      case 'v': return CharSet::of(0x0B);
      case 'f': return CharSet::of(0x0C);
      case 'r': return CharSet::of(0x0D);
      case 'b': case 'B': return fail("word boundaries \\b \\B are not supported");
      case 'k': return fail("named backreferences \\k are not supported");
      case 'p': case 'P': return fail("Unicode property escapes \\p \\P are not supported");
      case '0':
        if (peek() >= '0' && peek() <= '9') return fail("octal escapes are not supported");
        return CharSet::of(0);
      case 'c': {
        uint32_t l = peek();
        if (!((l >= 'a' && l <= 'z') || (l >= 'A' && l <= 'Z'))) return fail("a \\c without a letter");
        ++pos_;
        return CharSet::of(l % 32);
      }
      case 'x': {
        int h = hex_value(peek()), l = hex_value(peek(1));
        if (h < 0 || l < 0) return fail("a \\x without two hex digits");
        pos_ += 2;
        return CharSet::of(static_cast<uint32_t>(h * 16 + l));
      }
      case 'u': return unicode_escape();
      default:
        if (c >= '1' && c <= '9') return fail("backreferences are not supported");
        if (is_syntax_char(c) || c == '-') return CharSet::of(c);
        if (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
          return CharSet::of(c);  // identity escape of other punctuation
        (void)in_class;
        return fail(fmt::format("an unknown escape \\{}", c < 0x80 ? std::string(1, static_cast<char>(c)) : "…"));
    }
  }

  util::Result<CharSet> unicode_escape() {
    if (peek() == '{') {
      size_t i = pos_ + 1;
      uint32_t v = 0;
      size_t digits = 0;
      while (i < s_.size() && hex_value(s_[i]) >= 0) {
        v = v * 16 + static_cast<uint32_t>(hex_value(s_[i]));
        if (v > kMaxCodePoint) return fail("a \\u{...} beyond U+10FFFF");
        ++i;
        ++digits;
      }
      if (digits == 0 || i >= s_.size() || s_[i] != '}') return fail("a malformed \\u{...}");
      pos_ = i + 1;
      return CharSet::of(v);
    }
    auto hex4 = [&](size_t at, uint32_t& v) {
      v = 0;
      for (size_t k = 0; k < 4; ++k) {
        int h = at + k < s_.size() ? hex_value(s_[at + k]) : -1;
        if (h < 0) return false;
        v = v * 16 + static_cast<uint32_t>(h);
      }
      return true;
    };
    uint32_t v = 0;
    if (!hex4(pos_, v)) return fail("a \\u without four hex digits");
    pos_ += 4;
    // A surrogate pair written as two escapes is one code point (u flag).
    uint32_t low = 0;
    if (v >= 0xD800 && v <= 0xDBFF && peek() == '\\' && peek(1) == 'u' && hex4(pos_ + 2, low) && low >= 0xDC00 &&
        low <= 0xDFFF) {
      pos_ += 6;
      v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00);
    }
    return CharSet::of(v);
  }
};

}  // namespace

util::Result<Regex> parse_ecma_regex(std::string_view pattern) {
  return Parser(code_points(pattern)).parse();
}

}  // namespace heft::grammar
