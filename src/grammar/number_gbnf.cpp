#include "grammar/number_gbnf.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <vector>

namespace heft::grammar {

// ---------------------------------------------------------------- decimals

namespace {

void normalize(Decimal& d) {
  size_t lead = d.digits.find_first_not_of('0');
  if (lead == std::string::npos) {
    d.digits.clear();
    d.exp = 0;
    return;
  }
  d.exp -= static_cast<int64_t>(lead);
  d.digits.erase(0, lead);
  d.digits.erase(d.digits.find_last_not_of('0') + 1);
}

}  // namespace

Decimal Decimal::from_integer_text(std::string_view text) {
  Decimal d{std::string(text), static_cast<int64_t>(text.size()) - 1};
  normalize(d);
  return d;
}

int compare(const Decimal& a, const Decimal& b) {
  if (a.zero() || b.zero()) return a.zero() == b.zero() ? 0 : (a.zero() ? -1 : 1);
  if (a.exp != b.exp) return a.exp < b.exp ? -1 : 1;
  int c = a.digits.compare(b.digits);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

SignedDecimal SignedDecimal::of(const util::Json& n) {
  SignedDecimal out;
  switch (n.kind()) {
    case util::Json::Kind::Int: {
      int64_t v = n.as_int();
      uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
      out.magnitude = Decimal::from_integer_text(std::to_string(mag));
      out.negative = v < 0;
      break;
    }
    case util::Json::Kind::UInt: out.magnitude = Decimal::from_integer_text(std::to_string(n.as_uint())); break;
    default: {
      double d = n.as_double();
      if (d == 0 || !std::isfinite(d)) break;
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(d), std::chars_format::scientific);
      std::string_view s(buf, static_cast<size_t>(r.ptr - buf));  // "1.2345e+02"
      size_t e = s.find('e');
      std::string digits;
      for (char c : s.substr(0, e))
        if (c != '.') digits.push_back(c);
      int exp = 0;
      std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(), exp);
      out.magnitude = Decimal{digits, exp};
      normalize(out.magnitude);
      out.negative = d < 0;
    }
  }
  return out;
}

bool SignedDecimal::integral() const {
  return magnitude.zero() || static_cast<int64_t>(magnitude.digits.size()) - 1 <= magnitude.exp;
}

int compare(const SignedDecimal& a, const SignedDecimal& b) {
  if (a.negative != b.negative) return a.negative ? -1 : 1;
  int c = compare(a.magnitude, b.magnitude);
  return a.negative ? -c : c;
}

std::string js_number_text(const util::Json& n) {
  if (n.kind() == util::Json::Kind::Int) return std::to_string(n.as_int());
  if (n.kind() == util::Json::Kind::UInt) return std::to_string(n.as_uint());
  SignedDecimal s = SignedDecimal::of(n);
  if (s.magnitude.zero()) return "0";
  // ECMA-262 Number::toString: k digits, point after n = exp + 1 of them.
  const std::string& d = s.magnitude.digits;
  int64_t k = static_cast<int64_t>(d.size()), point = s.magnitude.exp + 1;
  std::string out = s.negative ? "-" : "";
  if (k <= point && point <= 21) {
    out += d + std::string(static_cast<size_t>(point - k), '0');
  } else if (0 < point && point <= 21) {
    out += d.substr(0, static_cast<size_t>(point)) + "." + d.substr(static_cast<size_t>(point));
  } else if (-6 < point && point <= 0) {
    out.append("0.").append(static_cast<size_t>(-point), '0').append(d);  // append: g++ 12's false -Wrestrict
  } else {
    out += d.substr(0, 1);
    if (k > 1) out.append(".").append(d, 1);
    out += fmt::format("e{}{}", point - 1 >= 0 ? "+" : "-", std::llabs(point - 1));
  }
  return out;
}

// ---------------------------------------------------------------- grammar pieces

namespace {

using Expr = std::optional<std::string>;  // nullopt: matches nothing

std::string join_alts(const std::vector<std::string>& alts) {
  if (alts.size() == 1) return alts[0];
  std::string out = "(";
  for (size_t i = 0; i < alts.size(); ++i) out += (i ? " | " : "") + alts[i];
  return out + ")";
}
Expr alts_or_none(const std::vector<std::string>& alts) {
  if (alts.empty()) return std::nullopt;
  return join_alts(alts);
}

std::string digit_class(char lo, char hi) {
  if (lo == hi) return fmt::format("\"{}\"", lo);
  if (lo == '0' && hi == '9') return "[0-9]";
  return fmt::format("[{}-{}]", lo, hi);
}
std::string any_digits(size_t n) {
  if (n == 0) return "";
  if (n == 1) return "[0-9]";
  return fmt::format("[0-9]{{{}}}", n);
}
std::string seq(std::string a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + " " + b;
}

// Natural-number digit strings (canonical: no leading zeros).
int compare_nat(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}
std::string inc_nat(std::string s) {
  for (size_t i = s.size(); i-- > 0;) {
    if (s[i] != '9') {
      ++s[i];
      return s;
    }
    s[i] = '0';
  }
  return "1" + s;
}
std::string dec_nat(std::string s) {  // s > 0
  for (size_t i = s.size(); i-- > 0;) {
    if (s[i] != '0') {
      --s[i];
      break;
    }
    s[i] = '9';
  }
  size_t lead = s.find_first_not_of('0');
  return lead == std::string::npos ? "0" : s.substr(lead);
}

bool all_of(const std::string& s, char c) { return s.find_first_not_of(c) == std::string::npos; }

// Same-length digit strings >= s / <= s.
std::string ge_same(const std::string& s) {
  if (all_of(s, '0')) return any_digits(s.size());
  std::vector<std::string> alts{seq(fmt::format("\"{}\"", s[0]), ge_same(s.substr(1)))};
  if (s[0] < '9') alts.push_back(seq(digit_class(static_cast<char>(s[0] + 1), '9'), any_digits(s.size() - 1)));
  return join_alts(alts);
}
std::string le_same(const std::string& s) {
  if (all_of(s, '9')) return any_digits(s.size());
  std::vector<std::string> alts;
  if (s[0] > '0') alts.push_back(seq(digit_class('0', static_cast<char>(s[0] - 1)), any_digits(s.size() - 1)));
  alts.push_back(seq(fmt::format("\"{}\"", s[0]), le_same(s.substr(1))));
  return join_alts(alts);
}

// Digit strings of one length between lo and hi (lo <= hi).
std::string range_same(const std::string& lo, const std::string& hi) {
  if (lo == hi) return fmt::format("\"{}\"", lo);
  size_t i = 0;
  while (lo[i] == hi[i]) ++i;
  std::string prefix = i ? fmt::format("\"{}\"", lo.substr(0, i)) : "";
  std::string lrest = lo.substr(i + 1), hrest = hi.substr(i + 1);
  char a = lo[i], b = hi[i];
  std::vector<std::string> alts;
  bool low_full = all_of(lrest, '0'), high_full = all_of(hrest, '9');
  char mid_lo = low_full ? a : static_cast<char>(a + 1), mid_hi = high_full ? b : static_cast<char>(b - 1);
  if (!low_full) alts.push_back(seq(fmt::format("\"{}\"", a), ge_same(lrest)));
  if (mid_lo <= mid_hi) alts.push_back(seq(digit_class(mid_lo, mid_hi), any_digits(lrest.size())));
  if (!high_full) alts.push_back(seq(fmt::format("\"{}\"", b), le_same(hrest)));
  return seq(prefix, join_alts(alts));
}

// Canonical naturals in [a, b] (b missing: unbounded).
Expr nat_range(const std::string& a, const std::optional<std::string>& b) {
  if (b && compare_nat(a, *b) > 0) return std::nullopt;
  std::vector<std::string> alts;
  size_t la = a.size();
  auto smallest = [](size_t len) { return len == 1 ? std::string("0") : std::string("1").append(len - 1, '0'); };
  if (!b) {
    alts.push_back(range_same(a, std::string(la, '9')));
    // At most 308 digits: a longer integer is Infinity to JSON.parse (RFC 8259 §6).
    if (la <= 307) alts.push_back(fmt::format("[1-9] [0-9]{{{},307}}", la));
    return join_alts(alts);
  }
  size_t lb = b->size();
  if (la == lb) return range_same(a, *b);
  alts.push_back(range_same(a, std::string(la, '9')));
  if (lb - la >= 2) {  // every length strictly between
    size_t lo = la, hi = lb - 2;  // [1-9] then lo..hi digits
    alts.push_back(lo == hi ? seq("[1-9]", any_digits(lo)) : fmt::format("[1-9] [0-9]{{{},{}}}", lo, hi));
  }
  alts.push_back(range_same(smallest(lb), *b));
  return join_alts(alts);
}

// ---- fractions: digit strings D compared as 0.D with a lower and an upper bound

struct Side {
  enum Kind : uint8_t { Sat, NonZero, Zero, None, Digits };
  Kind kind = Sat;
  std::string digits;  // Digits: remaining bound digits (no trailing zeros)
  bool exclusive = false;
  bool operator==(const Side&) const = default;
};
Side lower_side(const std::string& digits, bool exclusive) {
  if (!digits.empty()) return {Side::Digits, digits, exclusive};
  return {exclusive ? Side::NonZero : Side::Sat, "", false};
}
Side upper_side(const std::string& digits, bool exclusive) {
  if (!digits.empty()) return {Side::Digits, digits, exclusive};
  return {exclusive ? Side::None : Side::Zero, "", false};
}

struct Tail {
  bool empty_ok = false;  // D may stop here
  Expr more;              // one or more further digits
};

Tail digits_between(const Side& lo, const Side& hi) {
  if (lo.kind == Side::Sat && hi.kind == Side::Sat) return {true, "[0-9]+"};
  if (lo.kind == Side::Sat && hi.kind == Side::Zero) return {true, "\"0\"+"};
  if (lo.kind == Side::NonZero && hi.kind == Side::Sat) return {false, "\"0\"* [1-9] [0-9]*"};
  if (hi.kind == Side::None) return {false, std::nullopt};
  if (hi.kind == Side::Zero) return {lo.kind == Side::Sat, std::nullopt};  // lo needs a non-zero digit
  Tail out;
  out.empty_ok = lo.kind == Side::Sat;  // the rest reads as 0: only an unbounded-below side allows it
  auto next_lo = [&](char d) -> std::optional<Side> {
    switch (lo.kind) {
      case Side::Sat: return lo;
      case Side::NonZero: return d == '0' ? lo : Side{};
      case Side::Digits:
        if (d > lo.digits[0]) return Side{};
        if (d < lo.digits[0]) return std::nullopt;
        return lower_side(lo.digits.substr(1), lo.exclusive);
      default: return std::nullopt;
    }
  };
  auto next_hi = [&](char d) -> std::optional<Side> {
    switch (hi.kind) {
      case Side::Sat: return hi;
      case Side::Digits:
        if (d < hi.digits[0]) return Side{};
        if (d > hi.digits[0]) return std::nullopt;
        return upper_side(hi.digits.substr(1), hi.exclusive);
      default: return std::nullopt;
    }
  };
  std::vector<std::string> alts;
  char d = '0';
  while (d <= '9') {
    auto l = next_lo(d), h = next_hi(d);
    char e = d;
    while (e < '9') {
      auto l2 = next_lo(static_cast<char>(e + 1)), h2 = next_hi(static_cast<char>(e + 1));
      if (l2 != l || h2 != h) break;
      ++e;
    }
    if (l && h) {
      Tail rest = digits_between(*l, *h);
      std::string cls = digit_class(d, e);
      if (rest.empty_ok && rest.more) alts.push_back(cls + " (" + *rest.more + ")?");
      else if (rest.empty_ok) alts.push_back(cls);
      else if (rest.more) alts.push_back(cls + " " + *rest.more);
    }
    d = static_cast<char>(e + 1);
  }
  out.more = alts_or_none(alts);
  return out;
}

// The optional fraction part ("" or "." digits) of a plain decimal whose
// fraction F satisfies lo <= 0.F <= hi.
std::optional<std::string> fraction(const Side& lo, const Side& hi, bool& only_empty) {
  Tail t = digits_between(lo, hi);
  only_empty = t.empty_ok && !t.more;
  if (!t.more) return t.empty_ok ? std::optional<std::string>("") : std::nullopt;
  std::string dotted = "\".\" " + *t.more;
  return t.empty_ok ? "(" + dotted + ")?" : dotted;
}

// (integer part, fraction digits) of a decimal whose exponent is modest.
std::pair<std::string, std::string> plain_parts(const Decimal& d) {
  if (d.zero()) return {"0", ""};
  const std::string& g = d.digits;
  if (d.exp >= 0) {
    size_t ip = static_cast<size_t>(d.exp) + 1;
    if (g.size() <= ip) return {g + std::string(ip - g.size(), '0'), ""};
    return {g.substr(0, ip), g.substr(ip)};
  }
  return {"0", std::string(static_cast<size_t>(-d.exp - 1), '0') + g};
}

// Plain decimals I("."F)? with lo <= value <= hi (hi missing: unbounded).
Expr plain_between(const Decimal& lo, bool lo_x, const std::optional<Decimal>& hi, bool hi_x) {
  auto [il, fl] = plain_parts(lo);
  std::vector<std::string> alts;
  bool only_empty = false;
  if (hi) {
    int c = compare(lo, *hi);
    if (c > 0 || (c == 0 && (lo_x || hi_x))) return std::nullopt;
    auto [ih, fh] = plain_parts(*hi);
    if (il == ih) {
      auto f = fraction(lower_side(fl, lo_x), upper_side(fh, hi_x), only_empty);
      if (!f) return std::nullopt;
      return seq(fmt::format("\"{}\"", il), *f);
    }
    std::string start = il;
    Side low = lower_side(fl, lo_x);
    if (low.kind != Side::Sat) {
      if (auto f = fraction(low, Side{}, only_empty)) alts.push_back(seq(fmt::format("\"{}\"", il), *f));
      start = inc_nat(il);
    }
    if (compare_nat(start, ih) < 0)
      if (auto mid = nat_range(start, dec_nat(ih))) alts.push_back(seq(*mid, "(\".\" [0-9]+)?"));
    if (auto f = fraction(Side{}, upper_side(fh, hi_x), only_empty)) alts.push_back(seq(fmt::format("\"{}\"", ih), *f));
    return alts_or_none(alts);
  }
  std::string start = il;
  Side low = lower_side(fl, lo_x);
  if (low.kind != Side::Sat) {
    if (auto f = fraction(low, Side{}, only_empty)) alts.push_back(seq(fmt::format("\"{}\"", il), *f));
    start = inc_nat(il);
  }
  alts.push_back(seq(*nat_range(start, std::nullopt), "(\".\" [0-9]+)?"));
  return join_alts(alts);
}

const Decimal kOne{"1", 0}, kTen{"1", 1}, kBig{"1", 21}, kTiny{"1", -6};

// Exponents JSON.stringify uses: >= 21 or <= -7; `lo`/`hi` inclusive, missing: unbounded.
// Never beyond ±307 with a mantissa of one digit: the value stays a finite binary64 that
// does not underflow to 0 (RFC 8259 §6; JSON.parse reads 1e400 as Infinity, 1e-400 as 0).
constexpr int64_t kMaxExponent = 307;
Expr exponent_range(std::optional<int64_t> lo, std::optional<int64_t> hi) {
  hi = std::min<int64_t>(hi.value_or(kMaxExponent), kMaxExponent);
  lo = std::max<int64_t>(lo.value_or(-kMaxExponent), -kMaxExponent);
  if (*lo > *hi) return std::nullopt;
  std::vector<std::string> alts;
  int64_t plo = lo ? std::max<int64_t>(*lo, 21) : 21;
  if (!hi || *hi >= plo) {
    auto r = nat_range(std::to_string(plo), hi ? std::optional(std::to_string(*hi)) : std::nullopt);
    if (r) alts.push_back("[eE] \"+\"? " + *r);
  }
  int64_t nhi = hi ? std::min<int64_t>(*hi, -7) : -7;  // exponents <= nhi, as "-" |E|
  if (!lo || *lo <= nhi) {
    auto r = nat_range(std::to_string(-nhi), lo ? std::optional(std::to_string(-*lo)) : std::nullopt);
    if (r) alts.push_back("[eE] \"-\" " + *r);
  }
  return alts_or_none(alts);
}

Decimal mantissa(const Decimal& d) { return Decimal{d.digits, 0}; }

// Positive values in [lo, hi] written d.ddd e±N with N in JSON.stringify's ranges.
Expr exponent_forms(const Decimal& lo, bool lo_x, const std::optional<Decimal>& hi, bool hi_x) {
  if (hi && hi->zero()) return std::nullopt;
  constexpr int64_t kNone = INT64_MIN;  // no bound on that side
  const int64_t elo = lo.zero() ? kNone : lo.exp, ehi = hi ? hi->exp : kNone;
  auto usable = [](int64_t e) { return e >= 21 || e <= -7; };
  std::vector<std::string> alts;
  // Exponents strictly between: any mantissa.
  std::optional<int64_t> from = elo != kNone ? std::optional(elo + 1) : std::nullopt;
  std::optional<int64_t> to = ehi != kNone ? std::optional(ehi - 1) : std::nullopt;
  if (!from || !to || *from <= *to)
    if (auto e = exponent_range(from, to)) alts.push_back("[1-9] (\".\" [0-9]+)? " + *e);
  auto with_exp = [&](Expr m, int64_t e) {
    if (m) alts.push_back(*m + (e >= 0 ? fmt::format(" [eE] \"+\"? \"{}\"", e) : fmt::format(" [eE] \"-\" \"{}\"", -e)));
  };
  if (elo != kNone && usable(elo)) {
    if (ehi == elo) with_exp(plain_between(mantissa(lo), lo_x, mantissa(*hi), hi_x), elo);
    else with_exp(plain_between(mantissa(lo), lo_x, kTen, true), elo);
  }
  if (ehi != kNone && usable(ehi) && elo != ehi) with_exp(plain_between(kOne, false, mantissa(*hi), hi_x), ehi);
  return alts_or_none(alts);
}

// Texts without a sign for values in [lo, hi] (lo >= 0).
Expr unsigned_numbers(Decimal lo, bool lo_x, std::optional<Decimal> hi, bool hi_x) {
  std::vector<std::string> alts;
  // Plain spellings, clipped to where JSON.stringify uses them (keeps digit strings short).
  Decimal plo = lo;
  bool plo_x = lo_x;
  std::optional<Decimal> phi = hi;
  bool phi_x = hi_x;
  if (!lo.zero() && compare(lo, kTiny) < 0) plo = kTiny, plo_x = false;
  if (!phi || compare(*phi, kBig) >= 0) phi = kBig, phi_x = true;
  bool zero_only = hi && !hi->zero() && compare(*hi, kTiny) < 0;
  if (zero_only) {
    if (lo.zero() && !lo_x) alts.push_back("\"0\" (\".\" \"0\"+)?");
  } else if (auto p = plain_between(plo, plo_x, phi, phi_x)) {
    alts.push_back(*p);
  }
  if (auto e = exponent_forms(lo, lo_x, hi, hi_x)) alts.push_back(*e);
  return alts_or_none(alts);
}

// Canonical integer digit strings for integers in [lo, hi] with lo >= 0.
Expr unsigned_integers(const Decimal& lo, bool lo_x, const std::optional<Decimal>& hi, bool hi_x, bool& clipped) {
  auto [il, fl] = plain_parts(lo);
  std::string a = (!fl.empty() || lo_x) ? inc_nat(il) : il;
  std::optional<std::string> b;
  const std::string kMaxPlain(21, '9');
  if (hi) {
    auto [ih, fh] = plain_parts(*hi);
    if (fh.empty() && hi_x) {
      if (ih == "0") return std::nullopt;
      ih = dec_nat(ih);
    }
    b = ih;
  }
  if (compare_nat(a, kMaxPlain) > 0) {
    if (!b || compare_nat(a, *b) <= 0) clipped = true;
    return std::nullopt;
  }
  bool unbounded = !b;
  if (!b || compare_nat(*b, kMaxPlain) > 0) b = kMaxPlain;
  Expr plain = nat_range(a, b);
  if (!unbounded) return plain;
  // No upper bound: every integer from 1e21 on, as JSON.stringify writes it
  // (d.ddde+N with N >= 21; up to 20 fraction digits keep it an integer).
  std::string big = "[1-9] (\".\" [0-9]{1,20})? [eE] \"+\"? (\"2\" [1-9] | [3-9] [0-9] | [12] [0-9] [0-9] | \"30\" [0-7])";
  return plain ? "(" + *plain + " | " + big + ")" : big;
}

}  // namespace

util::Result<std::optional<std::string>> number_range_gbnf(const std::optional<NumberBound>& lo,
                                                           const std::optional<NumberBound>& hi, bool integer) {
  if (lo && hi) {
    int c = compare(lo->value, hi->value);
    if (c > 0 || (c == 0 && (lo->exclusive || hi->exclusive))) return std::nullopt;
  }
  std::vector<std::string> alts;
  bool clipped = false;
  // Texts without "-": values >= 0.
  if (!hi || !hi->value.negative) {
    Decimal a;
    bool ax = false;
    if (lo && !lo->value.negative) a = lo->value.magnitude, ax = lo->exclusive;
    std::optional<Decimal> b = hi ? std::optional(hi->value.magnitude) : std::nullopt;
    bool bx = hi && hi->exclusive;
    Expr e = integer ? unsigned_integers(a, ax, b, bx, clipped) : unsigned_numbers(a, ax, b, bx);
    if (e) alts.push_back(*e);
  }
  // Texts with "-": the value is minus the magnitude, so lo and hi swap roles.
  bool lo_positive = lo && !lo->value.negative && !lo->value.magnitude.zero();
  if (!lo_positive) {
    Decimal a;  // the magnitude's lower bound
    bool ax = false;
    if (hi && (hi->value.negative || hi->value.magnitude.zero())) a = hi->value.magnitude, ax = hi->exclusive;
    if (integer && a.zero()) ax = true;  // no "-0"
    std::optional<Decimal> b = lo ? std::optional(lo->value.magnitude) : std::nullopt;
    bool bx = lo && lo->exclusive;
    if (!(b && b->zero() && (bx || integer))) {
      Expr e = integer ? unsigned_integers(a, ax, b, bx, clipped) : unsigned_numbers(a, ax, b, bx);
      if (e) alts.push_back("\"-\" " + *e);  // a sequence or a parenthesized alternation
    }
  }
  if (alts.empty() && clipped) return util::fail("integers of 1e21 and above are written with an exponent, which a bounded integer does not accept");
  if (alts.empty()) return std::optional<std::string>{};
  return std::optional<std::string>(join_alts(alts));
}

}  // namespace heft::grammar
