#include "grammar/char_automaton.h"

#include <algorithm>
#include <map>
#include <utility>

namespace heft::grammar {

bool Dfa::matches(std::string_view utf8) const {
  if (states.empty()) return false;
  uint32_t s = 0;
  for (uint32_t cp : code_points(utf8)) {
    const State& st = states[s];
    bool moved = false;
    for (const Edge& e : st.edges)
      if (e.chars.contains(cp)) {
        s = e.to;
        moved = true;
        break;
      }
    if (!moved) return false;
  }
  return states[s].accept;
}

namespace {

// Thompson NFA whose epsilon edges may carry an anchor: ^ passes only before
// the first character, $ only if no character follows.
struct Nfa {
  enum Anchor : uint8_t { None, Start, End };
  struct State {
    std::vector<std::pair<CharSet, uint32_t>> chars;
    std::vector<std::pair<uint32_t, Anchor>> eps;
  };
  std::vector<State> states;

  uint32_t add() {
    states.emplace_back();
    return static_cast<uint32_t>(states.size() - 1);
  }
};

constexpr size_t kMaxNfaStates = 20000;

struct NfaBuilder {
  Nfa nfa;
  bool too_big = false;

  // Adds states for `re` between from and to.
  void build(const Regex& re, uint32_t from, uint32_t to) {
    if (nfa.states.size() > kMaxNfaStates) {
      too_big = true;
      return;
    }
    switch (re.kind) {
      case Regex::Kind::Empty: nfa.states[from].eps.push_back({to, Nfa::None}); break;
      case Regex::Kind::LineStart: nfa.states[from].eps.push_back({to, Nfa::Start}); break;
      case Regex::Kind::LineEnd: nfa.states[from].eps.push_back({to, Nfa::End}); break;
      case Regex::Kind::Chars:
        if (!re.chars.empty()) nfa.states[from].chars.push_back({re.chars, to});
        break;
      case Regex::Kind::Concat: {
        uint32_t cur = from;
        for (size_t i = 0; i < re.items.size(); ++i) {
          uint32_t next = i + 1 == re.items.size() ? to : nfa.add();
          build(re.items[i], cur, next);
          cur = next;
        }
        break;
      }
      case Regex::Kind::Alt:
        for (const Regex& r : re.items) build(r, from, to);
        break;
      case Regex::Kind::Repeat: {
        const Regex& item = re.items[0];
        uint32_t cur = from;
        for (uint32_t i = 0; i < re.min && !too_big; ++i) {
          uint32_t next = nfa.add();
          build(item, cur, next);
          cur = next;
        }
        if (re.max == Regex::kUnbounded) {
          uint32_t loop = nfa.add(), body_end = nfa.add();
          nfa.states[cur].eps.push_back({loop, Nfa::None});
          build(item, loop, body_end);
          nfa.states[body_end].eps.push_back({loop, Nfa::None});
          nfa.states[loop].eps.push_back({to, Nfa::None});
        } else {
          for (uint32_t i = re.min; i < re.max && !too_big; ++i) {
            uint32_t next = nfa.add();
            nfa.states[cur].eps.push_back({to, Nfa::None});
            build(item, cur, next);
            cur = next;
          }
          nfa.states[cur].eps.push_back({to, Nfa::None});
        }
        break;
      }
    }
  }
};

// A set of NFA positions; bit 1: no character read yet, bit 0: past a $.
using Item = uint32_t;
Item item(uint32_t state, bool at_start, bool ended) { return state * 4 + (at_start ? 2 : 0) + (ended ? 1 : 0); }

std::vector<Item> closure(const Nfa& nfa, std::vector<Item> items) {
  std::vector<Item> stack = items;
  std::vector<bool> seen;
  auto mark = [&](Item it) {
    if (seen.size() <= it) seen.resize(it + 1, false);
    if (seen[it]) return false;
    seen[it] = true;
    return true;
  };
  for (Item it : items) mark(it);
  while (!stack.empty()) {
    Item it = stack.back();
    stack.pop_back();
    uint32_t q = it / 4;
    bool at_start = it & 2, ended = it & 1;
    for (auto [to, anchor] : nfa.states[q].eps) {
      if (anchor == Nfa::Start && !at_start) continue;
      Item next = item(to, at_start, ended || anchor == Nfa::End);
      if (mark(next)) {
        items.push_back(next);
        stack.push_back(next);
      }
    }
  }
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  return items;
}

// Splits the code points into intervals on which every set in `sets` is constant.
std::vector<uint32_t> boundaries(const std::vector<const CharSet*>& sets) {
  std::vector<uint32_t> b{0};
  for (const CharSet* s : sets)
    for (const CharRange& r : s->ranges()) {
      b.push_back(r.lo);
      if (r.hi < kMaxCodePoint) b.push_back(r.hi + 1);
    }
  std::sort(b.begin(), b.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  return b;
}

}  // namespace

util::Result<Dfa> regex_dfa(const Regex& re) {
  // Σ* re Σ*: the loops at both ends give JSON Schema's unanchored search.
  NfaBuilder b;
  uint32_t prefix = b.nfa.add(), start = b.nfa.add(), end = b.nfa.add(), suffix = b.nfa.add();
  b.nfa.states[prefix].chars.push_back({CharSet::all(), prefix});
  b.nfa.states[prefix].eps.push_back({start, Nfa::None});
  b.build(re, start, end);
  b.nfa.states[end].eps.push_back({suffix, Nfa::None});
  b.nfa.states[suffix].chars.push_back({CharSet::all(), suffix});
  if (b.too_big) return util::fail("the pattern is too large");
  const Nfa& nfa = b.nfa;

  Dfa dfa;
  std::map<std::vector<Item>, uint32_t> ids;
  std::vector<std::vector<Item>> sets;
  auto intern = [&](std::vector<Item> items) -> uint32_t {
    auto [it, fresh] = ids.emplace(items, static_cast<uint32_t>(sets.size()));
    if (fresh) {
      sets.push_back(std::move(items));
      dfa.states.emplace_back();
    }
    return it->second;
  };
  intern(closure(nfa, {item(prefix, true, false)}));
  for (size_t d = 0; d < sets.size(); ++d) {
    if (sets.size() > kMaxDfaStates) return util::fail("the pattern needs too many automaton states");
    std::vector<std::pair<const CharSet*, uint32_t>> moves;  // (chars, NFA target)
    bool accept = false;
    for (Item it : sets[d]) {
      uint32_t q = it / 4;
      if (q == suffix) accept = true;
      if (it & 1) continue;  // past a $: no character may follow
      for (const auto& [cs, to] : nfa.states[q].chars) moves.push_back({&cs, to});
    }
    std::vector<const CharSet*> all;
    for (auto& m : moves) all.push_back(m.first);
    std::vector<uint32_t> bounds = boundaries(all);
    std::map<uint32_t, CharSet> by_target;
    for (size_t i = 0; i < bounds.size(); ++i) {
      uint32_t lo = bounds[i], hi = i + 1 < bounds.size() ? bounds[i + 1] - 1 : kMaxCodePoint;
      std::vector<Item> next;
      for (auto& [cs, to] : moves)
        if (cs->contains(lo)) next.push_back(item(to, false, false));
      if (next.empty()) continue;
      uint32_t target = intern(closure(nfa, std::move(next)));
      by_target[target].add(lo, hi);
    }
    dfa.states[d].accept = accept;
    for (auto& [to, cs] : by_target) dfa.states[d].edges.push_back({std::move(cs), to});
  }
  prune(dfa);
  return dfa;
}

util::Result<Dfa> intersect(const Dfa& a, const Dfa& b) {
  Dfa out;
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> ids;
  std::vector<std::pair<uint32_t, uint32_t>> pairs;
  auto intern = [&](uint32_t x, uint32_t y) {
    auto [it, fresh] = ids.emplace(std::pair{x, y}, static_cast<uint32_t>(pairs.size()));
    if (fresh) {
      pairs.push_back({x, y});
      out.states.emplace_back();
    }
    return it->second;
  };
  if (a.states.empty() || b.states.empty()) return out;
  intern(0, 0);
  for (size_t d = 0; d < pairs.size(); ++d) {
    if (pairs.size() > kMaxDfaStates) return util::fail("the combined string constraints need too many automaton states");
    auto [x, y] = pairs[d];
    std::map<uint32_t, CharSet> by_target;
    for (const Dfa::Edge& ea : a.states[x].edges)
      for (const Dfa::Edge& eb : b.states[y].edges) {
        CharSet both = ea.chars.intersect(eb.chars);
        if (both.empty()) continue;
        by_target[intern(ea.to, eb.to)].add(both);
      }
    out.states[d].accept = a.states[x].accept && b.states[y].accept;
    for (auto& [to, cs] : by_target) out.states[d].edges.push_back({std::move(cs), to});
  }
  prune(out);
  return out;
}

Dfa complement(const Dfa& dfa) {
  // Complete it with a sink state, then swap accepting and rejecting.
  Dfa out = dfa;
  if (out.states.empty()) out.states.emplace_back();
  const uint32_t sink = static_cast<uint32_t>(out.states.size());
  out.states.emplace_back();
  for (Dfa::State& st : out.states) {
    CharSet used;
    for (const Dfa::Edge& e : st.edges) used.add(e.chars);
    CharSet rest = used.complement();
    if (!rest.empty()) st.edges.push_back({std::move(rest), sink});
    st.accept = !st.accept;
  }
  prune(out);
  return out;
}

Dfa all_strings_except(const std::vector<std::string>& words) {
  // A trie of the words plus one "free" state (the text already differs from
  // every word): every character the trie does not continue with leads there.
  Dfa dfa;
  dfa.states.resize(2);  // 0: root, 1: free
  std::vector<std::map<uint32_t, uint32_t>> children(2);
  std::vector<bool> word_end(2, false);
  for (const std::string& w : words) {
    uint32_t s = 0;
    for (uint32_t cp : code_points(w)) {
      auto it = children[s].find(cp);
      if (it == children[s].end()) {
        uint32_t n = static_cast<uint32_t>(dfa.states.size());
        dfa.states.emplace_back();
        children.emplace_back();
        word_end.push_back(false);
        it = children[s].emplace(cp, n).first;
      }
      s = it->second;
    }
    word_end[s] = true;
  }
  for (uint32_t s = 0; s < dfa.states.size(); ++s) {
    Dfa::State& st = dfa.states[s];
    if (s == 1) {
      st.accept = true;
      st.edges.push_back({CharSet::all(), 1});
      continue;
    }
    st.accept = !word_end[s];
    CharSet used;
    for (auto [cp, to] : children[s]) {
      st.edges.push_back({CharSet::of(cp), to});
      used.add(cp, cp);
    }
    CharSet rest = used.complement();
    if (!rest.empty()) st.edges.push_back({std::move(rest), 1});
  }
  prune(dfa);
  return dfa;
}

namespace {

// Moore's partition refinement: states with the same acceptance and the same
// moves (by class) merge. Edges to one class are united into one edge.
void minimize(Dfa& dfa) {
  size_t n = dfa.states.size();
  if (n < 2) return;
  std::vector<uint32_t> cls(n);
  for (size_t s = 0; s < n; ++s) cls[s] = dfa.states[s].accept ? 1 : 0;
  size_t classes = 0;
  for (;;) {
    std::map<std::string, uint32_t> ids;
    std::vector<uint32_t> next(n);
    for (size_t s = 0; s < n; ++s) {
      std::map<uint32_t, CharSet> by_class;
      for (const Dfa::Edge& e : dfa.states[s].edges) by_class[cls[e.to]].add(e.chars);
      std::string sig = std::to_string(cls[s]) + ";";
      for (const auto& [c, cs] : by_class) {
        sig += std::to_string(c) + ":";
        for (const CharRange& r : cs.ranges()) sig += std::to_string(r.lo) + "-" + std::to_string(r.hi) + ",";
        sig += ";";
      }
      next[s] = ids.emplace(sig, static_cast<uint32_t>(ids.size())).first->second;
    }
    cls = std::move(next);
    if (ids.size() == classes) break;
    classes = ids.size();
  }
  if (classes == n) return;
  // One state per class, numbered from the start's class outwards.
  std::vector<int64_t> id(classes, -1);
  std::vector<uint32_t> rep(classes);
  for (size_t s = n; s-- > 0;) rep[cls[s]] = static_cast<uint32_t>(s);
  std::vector<uint32_t> order{cls[0]};
  id[cls[0]] = 0;
  Dfa out;
  for (size_t i = 0; i < order.size(); ++i) {
    const Dfa::State& st = dfa.states[rep[order[i]]];
    std::map<uint32_t, CharSet> by_class;
    for (const Dfa::Edge& e : st.edges) by_class[cls[e.to]].add(e.chars);
    Dfa::State ns;
    ns.accept = st.accept;
    for (auto& [c, cs] : by_class) {
      if (id[c] < 0) {
        id[c] = static_cast<int64_t>(order.size());
        order.push_back(c);
      }
      ns.edges.push_back({std::move(cs), static_cast<uint32_t>(id[c])});
    }
    out.states.push_back(std::move(ns));
  }
  dfa = std::move(out);
}

}  // namespace

void prune(Dfa& dfa) {
  size_t n = dfa.states.size();
  if (n == 0) return;
  // Live: can reach an accepting state.
  std::vector<std::vector<uint32_t>> rev(n);
  for (uint32_t s = 0; s < n; ++s)
    for (const Dfa::Edge& e : dfa.states[s].edges) rev[e.to].push_back(s);
  std::vector<bool> live(n, false);
  std::vector<uint32_t> stack;
  for (uint32_t s = 0; s < n; ++s)
    if (dfa.states[s].accept) live[s] = true, stack.push_back(s);
  while (!stack.empty()) {
    uint32_t s = stack.back();
    stack.pop_back();
    for (uint32_t p : rev[s])
      if (!live[p]) live[p] = true, stack.push_back(p);
  }
  // Reachable from the start through live states; renumber in discovery order.
  std::vector<int64_t> id(n, -1);
  std::vector<uint32_t> order{0};
  id[0] = 0;
  for (size_t i = 0; i < order.size(); ++i)
    for (const Dfa::Edge& e : dfa.states[order[i]].edges)
      if (live[e.to] && id[e.to] < 0) {
        id[e.to] = static_cast<int64_t>(order.size());
        order.push_back(e.to);
      }
  Dfa out;
  out.states.resize(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    const Dfa::State& st = dfa.states[order[i]];
    out.states[i].accept = st.accept;
    for (const Dfa::Edge& e : st.edges)
      if (live[e.to]) out.states[i].edges.push_back({e.chars, static_cast<uint32_t>(id[e.to])});
  }
  dfa = std::move(out);
  minimize(dfa);
}

}  // namespace heft::grammar
