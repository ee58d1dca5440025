#include "grammar/number_multiple.h"

#include <map>
#include <tuple>

namespace heft::grammar {

util::Result<Dfa> multiple_of_dfa(const SignedDecimal& m, const MultipleOfOptions& opt) {
  const Decimal& d = m.magnitude;
  if (m.negative || d.zero()) return util::fail("multipleOf must be above 0");
  if (d.exp < -6) return util::fail("a divisor below 1e-6 (its multiples are written with exponents)");
  // m = D × 10^-q with D an integer.
  int64_t q = static_cast<int64_t>(d.digits.size()) - 1 - d.exp;
  std::string digits = d.digits;
  if (q < 0) {
    digits.append(static_cast<size_t>(-q), '0');
    q = 0;
  }
  if (digits.size() > 6) return util::fail("a divisor with more than 6 significant digits");
  const uint64_t D = std::stoull(digits);
  if (D * static_cast<uint64_t>(q + 2) > kMaxDfaStates) return util::fail("the divisor needs too many automaton states");

  // States: start, after "-", integer "0", integer digits (remainder r),
  // after "." (r, no digit yet), fraction (r, f digits read; f = q: zeros only).
  enum Phase : uint8_t { Start, Minus, Zero, Int, Dot, Frac };
  using Key = std::tuple<Phase, uint64_t, int64_t, bool>;  // phase, r, f, negative
  Dfa dfa;
  std::map<Key, uint32_t> ids;
  std::vector<Key> keys;
  auto intern = [&](Key k) {
    auto [it, fresh] = ids.emplace(k, static_cast<uint32_t>(keys.size()));
    if (fresh) {
      keys.push_back(k);
      dfa.states.emplace_back();
    }
    return it->second;
  };
  auto pow10_mod = [&](int64_t n) {
    uint64_t p = 1 % D;
    for (int64_t i = 0; i < n; ++i) p = p * 10 % D;
    return p;
  };
  intern({Start, 0, 0, false});
  for (size_t i = 0; i < keys.size(); ++i) {
    auto [phase, r, f, neg] = keys[i];
    std::vector<Dfa::Edge> edges;
    auto on = [&](uint32_t lo, uint32_t hi, Key to) { edges.push_back({CharSet::range(lo, hi), intern(to)}); };
    bool accept = false;
    switch (phase) {
      case Start:
        if (!opt.non_negative) on('-', '-', {Minus, 0, 0, true});
        on('0', '0', {Zero, 0, 0, false});
        if (!opt.non_positive)
          for (uint32_t c = '1'; c <= '9'; ++c) on(c, c, {Int, (c - '0') % D, 0, false});
        break;
      case Minus:
        on('0', '0', {Zero, 0, 0, true});
        for (uint32_t c = '1'; c <= '9'; ++c) on(c, c, {Int, (c - '0') % D, 0, true});
        break;
      case Zero:
      case Int:
        accept = r * pow10_mod(q) % D == 0;
        if (phase == Int)
          for (uint32_t c = '0'; c <= '9'; ++c) on(c, c, {Int, (r * 10 + (c - '0')) % D, 0, neg});
        if (!opt.integers_only) on('.', '.', {Dot, r, 0, neg});
        break;
      case Dot:
      case Frac:
        accept = phase == Frac && r * pow10_mod(q - f) % D == 0;
        if (f < q) {
          for (uint32_t c = '0'; c <= '9'; ++c) on(c, c, {Frac, (r * 10 + (c - '0')) % D, f + 1, neg});
        } else {
          on('0', '0', {Frac, r, f, neg});  // past 10^-q only zeros keep a multiple
        }
        break;
    }
    // With non_positive a text without "-" must be zero ("0", "0.000").
    if (opt.non_positive && !neg && phase != Start) {
      std::vector<Dfa::Edge> kept;
      for (auto& e : edges)
        if (e.chars.contains('0') || e.chars.contains('.')) kept.push_back(e);
      edges = std::move(kept);
    }
    dfa.states[i].edges = std::move(edges);
    dfa.states[i].accept = accept;
  }
  prune(dfa);
  return dfa;
}

}  // namespace heft::grammar
