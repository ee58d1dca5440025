#include "grammar/json_string_gbnf.h"

#include <fmt/format.h>

#include <map>
#include <vector>

#include "util/json.h"
#include "util/utf8.h"

namespace heft::grammar {

std::optional<std::string> json_char_gbnf(const CharSet& chars) {
  std::vector<std::string> parts;
  CharSet raw = CharSet::range(0x20, kMaxCodePoint);
  raw = raw.minus(CharSet::of('"')).minus(CharSet::of('\\'));
  CharSet plain = chars.intersect(raw);
  if (plain.ranges().size() == 1 && plain.ranges()[0].lo == plain.ranges()[0].hi) {
    std::string utf8;
    util::append_utf8(utf8, plain.ranges()[0].lo);
    parts.push_back(gbnf_literal(utf8));
  } else if (!plain.empty()) {
    parts.push_back(gbnf_class(plain));
  }
  auto escape = [&](uint32_t cp, std::string_view json) {
    if (chars.contains(cp)) parts.push_back(gbnf_literal(json));
  };
  escape('"', "\\\"");
  escape('\\', "\\\\");
  escape(0x08, "\\b");
  escape(0x09, "\\t");
  escape(0x0A, "\\n");
  escape(0x0C, "\\f");
  escape(0x0D, "\\r");
  // Other controls: \u00xx in lower-case hex, grouped by the third digit.
  for (uint32_t high = 0; high < 2; ++high) {
    CharSet low;
    for (uint32_t cp = high * 16; cp < high * 16 + 16; ++cp) {
      bool short_form = cp == 0x08 || cp == 0x09 || cp == 0x0A || cp == 0x0C || cp == 0x0D;
      if (short_form || !chars.contains(cp)) continue;
      uint32_t digit = cp & 15;
      uint32_t ch = digit < 10 ? '0' + digit : 'a' + digit - 10;
      low.add(ch, ch);
    }
    if (low.empty()) continue;
    std::string cls = low.ranges().size() == 1 && low.ranges()[0].lo == low.ranges()[0].hi
                          ? gbnf_literal(std::string(1, static_cast<char>(low.ranges()[0].lo)))
                          : gbnf_class(low);
    parts.push_back(gbnf_literal(fmt::format("\\u00{}", high)) + " " + cls);
  }
  if (parts.empty()) return std::nullopt;
  if (parts.size() == 1) return parts[0];
  std::string out = "(";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? " | " : "") + parts[i];
  return out + ")";
}

std::string json_string_literal(std::string_view value) {
  std::string json;
  util::append_json_string(json, value);
  return gbnf_literal(json);
}

util::Result<std::optional<std::string>> json_string_dfa(GbnfRules& rules, std::string_view base, const Dfa& dfa,
                                                         uint32_t min, uint32_t max, size_t max_rules) {
  if (dfa.empty() || min > max) return std::nullopt;
  // Product of the automaton with a length counter: n counts characters up
  // to max, or up to min when unbounded (past min the count no longer matters).
  uint32_t cap = max == kNoMaxLength ? min : max;
  struct Node {
    uint32_t state, n;
  };
  std::vector<Node> nodes;
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> ids;
  std::vector<std::vector<std::pair<size_t, uint32_t>>> out;  // (edge index, target node)
  auto intern = [&](uint32_t s, uint32_t n) {
    auto [it, fresh] = ids.emplace(std::pair{s, n}, static_cast<uint32_t>(nodes.size()));
    if (fresh) {
      nodes.push_back({s, n});
      out.emplace_back();
    }
    return it->second;
  };
  intern(0, 0);
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes.size() > max_rules) return util::fail("the string constraints need too many grammar rules");
    auto [s, n] = nodes[i];
    if (max != kNoMaxLength && n >= max) continue;
    uint32_t next = std::min(n + 1, cap);
    if (max == kNoMaxLength && n + 1 > cap) next = cap;
    const auto& edges = dfa.states[s].edges;
    for (size_t e = 0; e < edges.size(); ++e) {
      uint32_t to = intern(edges[e].to, next);  // may grow `out`
      out[i].push_back({e, to});
    }
  }
  auto accepting = [&](const Node& nd) { return dfa.states[nd.state].accept && nd.n >= min; };
  // Live nodes: an accepting node is reachable from them.
  std::vector<std::vector<uint32_t>> rev(nodes.size());
  for (uint32_t i = 0; i < nodes.size(); ++i)
    for (auto [e, to] : out[i]) rev[to].push_back(i);
  std::vector<bool> live(nodes.size(), false);
  std::vector<uint32_t> stack;
  for (uint32_t i = 0; i < nodes.size(); ++i)
    if (accepting(nodes[i])) live[i] = true, stack.push_back(i);
  while (!stack.empty()) {
    uint32_t i = stack.back();
    stack.pop_back();
    for (uint32_t p : rev[i])
      if (!live[p]) live[p] = true, stack.push_back(p);
  }
  if (!live[0]) return std::nullopt;
  // One rule per live node, named in discovery order.
  std::vector<std::string> names(nodes.size());
  for (uint32_t i = 0; i < nodes.size(); ++i)
    if (live[i]) names[i] = rules.reserve(base);
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    if (!live[i]) continue;
    std::map<uint32_t, CharSet> by_target;  // ordered by node, so the text is deterministic
    for (auto [e, to] : out[i])
      if (live[to]) by_target[to].add(dfa.states[nodes[i].state].edges[e].chars);
    std::string body;
    for (auto& [to, cs] : by_target) {
      auto ch = json_char_gbnf(cs);
      if (!ch) continue;
      body += (body.empty() ? "" : " | ") + *ch + " " + names[to];
    }
    if (accepting(nodes[i])) body += body.empty() ? "\"\\\"\"" : " | \"\\\"\"";
    rules.define(names[i], body);
  }
  return std::optional<std::string>("\"\\\"\" " + names[0]);
}

util::Result<std::optional<std::string>> dfa_text_gbnf(GbnfRules& rules, std::string_view base, const Dfa& dfa,
                                                       size_t max_rules) {
  if (dfa.empty()) return std::nullopt;
  if (dfa.states.size() > max_rules) return util::fail("the automaton needs too many grammar rules");
  std::vector<std::string> names(dfa.states.size());
  for (auto& n : names) n = rules.reserve(base);
  for (size_t i = 0; i < dfa.states.size(); ++i) {
    const Dfa::State& st = dfa.states[i];
    std::string body = st.accept ? "\"\"" : "";  // the empty alternative first (a trailing "|" would join the next line)
    std::map<uint32_t, CharSet> by_target;
    for (const Dfa::Edge& e : st.edges) by_target[e.to].add(e.chars);
    for (const auto& [to, cs] : by_target) {
      std::string ch;
      if (cs.ranges().size() == 1 && cs.ranges()[0].lo == cs.ranges()[0].hi) {
        util::append_utf8(ch, cs.ranges()[0].lo);
        ch = gbnf_literal(ch);
      } else {
        ch = gbnf_class(cs);
      }
      body += (body.empty() ? "" : " | ") + ch + " " + names[to];
    }
    rules.define(names[i], body);
  }
  return std::optional<std::string>(names[0]);
}

}  // namespace heft::grammar
