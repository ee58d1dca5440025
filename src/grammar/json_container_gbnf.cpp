#include "grammar/json_container_gbnf.h"

#include <fmt/format.h>

#include <map>
#include <tuple>

namespace heft::grammar {

namespace {

constexpr uint64_t kMaxRepeat = 2000;

std::string join_alts(const std::vector<std::string>& alts) {
  if (alts.size() == 1) return alts[0];
  std::string out = "(";
  for (size_t i = 0; i < alts.size(); ++i) out += (i ? " | " : "") + alts[i];
  return out + ")";
}

std::string space() { return std::string(kSpaceRule); }

}  // namespace

std::string gbnf_repeat(const std::string& item, uint64_t lo, std::optional<uint64_t> hi) {
  std::vector<std::string> parts;
  for (uint64_t q = lo / kMaxRepeat; q > 0; --q) parts.push_back(fmt::format("{}{{{}}}", item, kMaxRepeat));
  uint64_t r = lo % kMaxRepeat;
  if (r == 1) parts.push_back(item);
  else if (r > 1) parts.push_back(fmt::format("{}{{{}}}", item, r));
  // Up to k more: nested so that every count has one reading.
  auto optional = [&](auto&& self, uint64_t k) -> std::string {
    if (k == 0) return "";
    if (k == 1) return item + "?";
    if (k <= kMaxRepeat) return fmt::format("{}{{0,{}}}", item, k);
    return fmt::format("({}{{{}}} {} | {}{{0,{}}})", item, kMaxRepeat, self(self, k - kMaxRepeat), item, kMaxRepeat - 1);
  };
  if (!hi) parts.push_back(item + "*");
  else if (*hi > lo) parts.push_back(optional(optional, *hi - lo));
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : " ") + p;
  return out;
}

util::Result<std::optional<std::string>> object_gbnf(GbnfRules& rules, std::string_view base, const ObjectSpec& spec,
                                                     size_t max_rules) {
  const auto& props = spec.properties;
  const bool ordered = props.size() > kAnyOrderProperties;
  // The member count matters up to max (or up to min when there is no max).
  const uint64_t cap = spec.max_members ? *spec.max_members : spec.min_members;
  using State = std::tuple<uint64_t, uint64_t, bool>;  // (written set or next index, members, nothing written yet)
  struct Node {
    State s;
    bool close = false;
    std::vector<std::pair<std::string, uint32_t>> moves;  // (member text, target)
  };
  std::vector<Node> nodes;
  std::map<State, uint32_t> ids;
  auto intern = [&](State s) {
    auto [it, fresh] = ids.emplace(s, static_cast<uint32_t>(nodes.size()));
    if (fresh) nodes.push_back(Node{s});
    return it->second;
  };
  auto member = [&](bool first, const std::string& key, const std::string& value) {
    std::string sep = first ? "" : "\",\" " + space() + " ";
    return sep + key + " \":\" " + space() + " " + value;
  };
  intern({0, 0, true});
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes.size() > max_rules) return util::fail("the object needs too many grammar rules");
    auto [pos, n, first] = nodes[i].s;
    bool can_add = !spec.max_members || n + 1 <= *spec.max_members;
    uint64_t next_n = spec.max_members ? n + 1 : std::min(n + 1, cap);
    bool required_done = true;
    if (ordered) {
      for (size_t j = pos; j < props.size(); ++j) required_done &= !props[j].required;
    } else {
      for (size_t j = 0; j < props.size(); ++j) required_done &= !props[j].required || (pos >> j & 1);
    }
    nodes[i].close = required_done && n >= spec.min_members;
    if (!can_add) continue;
    std::vector<std::pair<std::string, uint32_t>> moves;
    if (ordered) {
      for (size_t j = pos; j < props.size(); ++j) {
        moves.push_back({member(first, props[j].key, props[j].value), intern({j + 1, next_n, false})});
        if (props[j].required) break;
      }
    } else {
      for (size_t j = 0; j < props.size(); ++j)
        if (!(pos >> j & 1))
          moves.push_back({member(first, props[j].key, props[j].value), intern({pos | uint64_t{1} << j, next_n, false})});
    }
    for (const auto& o : spec.others) moves.push_back({member(first, o.key, o.value), intern({pos, next_n, false})});
    nodes[i].moves = std::move(moves);
  }
  // Live states can still reach "}".
  std::vector<bool> live(nodes.size(), false);
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (live[i]) continue;
      bool l = nodes[i].close;
      for (const auto& [text, to] : nodes[i].moves) l = l || live[to];
      if (l) live[i] = changed = true;
    }
  }
  if (!live[0]) return std::nullopt;
  std::vector<std::string> names(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i)
    if (live[i]) names[i] = rules.reserve(base);
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!live[i]) continue;
    bool first = std::get<2>(nodes[i].s);
    std::vector<std::string> alts;
    if (nodes[i].close) alts.push_back(first ? "\"}\"" : space() + " \"}\"");
    for (const auto& [text, to] : nodes[i].moves)
      if (live[to]) alts.push_back(text + " " + names[to]);
    std::string body;
    for (size_t a = 0; a < alts.size(); ++a) body += (a ? " | " : "") + alts[a];
    rules.define(names[i], body);
  }
  return std::optional<std::string>("\"{\" " + space() + " " + names[0]);
}

std::optional<std::string> array_gbnf(GbnfRules& rules, std::string_view base, const ArraySpec& spec) {
  const uint64_t k = spec.prefix.size();
  std::optional<uint64_t> max = spec.max_items;
  if (!spec.rest) max = std::min(max.value_or(k), k);
  if (max && spec.min_items > *max) return std::nullopt;
  const std::string close = space() + " \"]\"";
  // After i >= k items: the rest, counted.
  auto tail = [&](uint64_t i) {
    if (!spec.rest) return close;
    uint64_t lo = spec.min_items > i ? spec.min_items - i : 0;
    std::optional<uint64_t> hi = max ? std::optional(*max - i) : std::nullopt;
    std::string rep = gbnf_repeat("(\",\" " + space() + " " + *spec.rest + ")", lo, hi);
    return rep.empty() ? close : rep + " " + close;
  };
  // S(i), 1 <= i <= last: after i of the prefix items.
  const uint64_t last = max ? std::min(k, *max) : k;
  std::vector<std::string> names(last + 1);
  for (uint64_t i = 1; i <= last; ++i) names[i] = rules.reserve(base);
  for (uint64_t i = 1; i <= last; ++i) {
    if (i == k) {
      rules.define(names[i], tail(k));
      continue;
    }
    std::vector<std::string> alts;
    if (i >= spec.min_items) alts.push_back(close);
    if (i < last) alts.push_back("\",\" " + space() + " " + spec.prefix[i] + " " + names[i + 1]);
    std::string body;
    for (size_t a = 0; a < alts.size(); ++a) body += (a ? " | " : "") + alts[a];
    rules.define(names[i], body);
  }
  std::vector<std::string> first;
  if (spec.min_items == 0) first.push_back("\"]\"");
  if (!max || *max >= 1) {
    if (k >= 1) first.push_back(spec.prefix[0] + " " + names[1]);
    else if (spec.rest) first.push_back(*spec.rest + " " + tail(1));
  }
  if (first.empty()) return std::nullopt;
  return "\"[\" " + space() + " " + join_alts(first);
}

}  // namespace heft::grammar
