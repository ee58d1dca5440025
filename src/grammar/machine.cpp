#include "grammar/machine.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

namespace heft::grammar {
namespace {

template <class... T>
std::string key_of(const T&... parts) {
  std::string k;
  (k.append(reinterpret_cast<const char*>(&parts), sizeof(parts)), ...);
  return k;
}

std::string describe(const Element& e) {
  auto cp_text = [](uint32_t c) {
    if (c == '"') return std::string("\\\"");
    if (c == '\\') return std::string("\\\\");
    if (c >= 0x20 && c < 0x7F) return std::string(1, static_cast<char>(c));
    char buf[16];
    std::snprintf(buf, sizeof buf, c < 0x100 ? "\\x%02X" : "\\u%04X", c);
    return std::string(buf);
  };
  // Built with append: g++ 12 warns falsely (-Wrestrict) on "literal" + std::string.
  if (e.kind == Element::Kind::Token) return std::string("<[").append(std::to_string(e.index)).append("]>");
  if (e.kind == Element::Kind::NotToken) return std::string("!<[").append(std::to_string(e.index)).append("]>");
  if (e.ranges.size() == 1 && e.ranges[0].lo == e.ranges[0].hi && !e.negated)
    return std::string("\"").append(cp_text(e.ranges[0].lo)).append("\"");
  if (e.ranges.empty() && e.negated) return "any character";
  std::string s = e.negated ? "[^" : "[";
  for (const auto& r : e.ranges) {
    s += cp_text(r.lo);
    if (r.hi != r.lo) s.append("-").append(cp_text(r.hi));
  }
  return s + "]";
}

}  // namespace

Machine::Machine(std::shared_ptr<const Grammar> g) : g_(std::move(g)) {
  frames_.push_back({nullptr, nullptr, 0});  // id 0: the empty stack
  after_.emplace_back();
  after_known_.push_back(true);
  Element root;
  root.kind = Element::Kind::Rule;
  root.index = g_->root;
  State s;
  expand(&root, &root + 1, 0, s.stacks);
  start_ = static_cast<uint32_t>(states_.size());  // made even past the limits; steps from it obey them
  std::string k = key_of(s.cp, s.remaining);
  k.append(reinterpret_cast<const char*>(s.stacks.data()), s.stacks.size() * sizeof(uint32_t));
  state_ids_.emplace(std::move(k), start_);
  states_.push_back(std::move(s));
  trans_.resize(states_.size() * 256, kUnknown);
}

uint32_t Machine::frame(const Element* pos, const Element* end, uint32_t parent) {
  auto [it, inserted] = frame_ids_.emplace(key_of(pos, end, parent), static_cast<uint32_t>(frames_.size()));
  if (inserted) {
    frames_.push_back({pos, end, parent});
    after_.emplace_back();
    after_known_.push_back(false);
  }
  return it->second;
}

// Every terminal-topped stack that (pos..end, then parent) can start with.
// Work list, not recursion: a hostile grammar may nest deeply.
void Machine::expand(const Element* pos, const Element* end, uint32_t parent, std::vector<uint32_t>& out) {
  struct Item {
    const Element* pos;
    const Element* end;
    uint32_t parent;
  };
  std::vector<Item> work{{pos, end, parent}};
  std::unordered_set<std::string> seen;
  while (!work.empty()) {
    Item it = work.back();
    work.pop_back();
    if (++work_ > kMaxWork) {
      exhausted_ = true;
      break;
    }
    while (it.pos == it.end && it.parent != 0) {
      const Frame f = frames_[it.parent];
      it = {f.pos, f.end, f.parent};
    }
    if (it.pos == it.end) {
      out.push_back(0);
      continue;
    }
    if (it.pos->kind != Element::Kind::Rule) {
      out.push_back(frame(it.pos, it.end, it.parent));
      if (out.size() > kMaxStacks || frames_.size() > kMaxFrames) {  // see kMaxStacks
        exhausted_ = true;
        break;
      }
      continue;
    }
    std::string k = key_of(it.pos, it.parent);
    if (!seen.insert(std::move(k)).second) continue;
    // A rule at the end of its sequence continues straight with the parent (a tail
    // call), so right-recursive repetitions do not grow the stack.
    const uint32_t cont = it.pos + 1 == it.end ? it.parent : frame(it.pos + 1, it.end, it.parent);
    const auto& alts = g_->rules[it.pos->index].alternatives;
    for (auto a = alts.rbegin(); a != alts.rend(); ++a) work.push_back({a->data(), a->data() + a->size(), cont});
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

const std::vector<uint32_t>& Machine::after(uint32_t stack) {
  if (!after_known_[stack]) {
    const Frame f = frames_[stack];
    std::vector<uint32_t> next;
    expand(f.pos + 1, f.end, f.parent, next);
    after_[stack] = std::move(next);
    after_known_[stack] = true;
  }
  return after_[stack];
}

uint32_t Machine::intern(State s) {
  if (over_limits(s)) return kDead;
  std::string k = key_of(s.cp, s.remaining);
  k.append(reinterpret_cast<const char*>(s.stacks.data()), s.stacks.size() * sizeof(uint32_t));
  auto [it, inserted] = state_ids_.emplace(std::move(k), static_cast<uint32_t>(states_.size()));
  if (inserted) {
    states_.push_back(std::move(s));
    trans_.resize(states_.size() * 256, kUnknown);
  }
  return it->second;
}

uint32_t Machine::compute_step(uint32_t state, uint8_t b) {
  if (exhausted_) return kDead;
  work_ = 0;
  const State cur = states_[state];  // a copy: interning may move states_
  State next;
  uint32_t cp;
  int remaining;
  if (cur.remaining == 0) {
    if (b < 0x80) cp = b, remaining = 0;
    else if (b >= 0xC2 && b <= 0xDF) cp = b & 0x1F, remaining = 1;
    else if (b >= 0xE0 && b <= 0xEF) cp = b & 0x0F, remaining = 2;
    else if (b >= 0xF0 && b <= 0xF4) cp = b & 0x07, remaining = 3;
    else return kDead;
  } else {
    if ((b & 0xC0) != 0x80) return kDead;
    cp = (cur.cp << 6) | (b & 0x3F);
    remaining = cur.remaining - 1;
    // Overlong forms and surrogates are not UTF-8: refuse them at the second byte.
    if (cur.remaining == 2 && ((cur.cp == 0 && (b & 0x3F) < 0x20) || (cur.cp == 0xD && (b & 0x3F) >= 0x20))) return kDead;
    if (cur.remaining == 3 && ((cur.cp == 0 && (b & 0x3F) < 0x10) || (cur.cp == 4 && (b & 0x3F) >= 0x10))) return kDead;
  }
  if (remaining > 0) {
    uint32_t lo = cp << (6 * remaining);
    const uint32_t hi = std::min<uint32_t>(lo | ((1u << (6 * remaining)) - 1), 0x10FFFF);
    // After a lead byte, the shortest code point its length may encode (overlong forms are refused later).
    if (cur.remaining == 0) lo = std::max<uint32_t>(lo, remaining == 1 ? 0x80 : remaining == 2 ? 0x800 : 0x10000);
    for (uint32_t s : cur.stacks) {
      if (s == 0) continue;
      const Element& e = *frames_[s].pos;
      if (e.kind == Element::Kind::Chars && e.matches_any(lo, hi)) next.stacks.push_back(s);
    }
    next.cp = cp;
    next.remaining = static_cast<uint8_t>(remaining);
  } else {
    for (uint32_t s : cur.stacks) {
      if (s == 0) continue;
      const Element& e = *frames_[s].pos;
      if (e.kind != Element::Kind::Chars || !e.matches(cp)) continue;
      const auto& a = after(s);
      work_ += a.size();
      if (exhausted_ || work_ > kMaxWork) {
        exhausted_ = true;
        return kDead;
      }
      next.stacks.insert(next.stacks.end(), a.begin(), a.end());
    }
    std::sort(next.stacks.begin(), next.stacks.end());
    next.stacks.erase(std::unique(next.stacks.begin(), next.stacks.end()), next.stacks.end());
  }
  if (next.stacks.empty()) return kDead;
  return intern(std::move(next));
}

bool Machine::over_limits(const State& s) {
  work_ += s.stacks.size();
  if (s.stacks.size() > kMaxStacks || frames_.size() > kMaxFrames || states_.size() >= kMaxStates || work_ > kMaxWork)
    exhausted_ = true;
  return exhausted_;
}

uint32_t Machine::step(uint32_t state, std::string_view bytes) {
  for (char c : bytes) {
    state = step(state, static_cast<uint8_t>(c));
    if (state == kDead) break;
  }
  return state;
}

uint32_t Machine::step_token(uint32_t state, int32_t token) {
  if (exhausted_) return kDead;
  work_ = 0;
  const State cur = states_[state];
  if (cur.remaining != 0) return kDead;
  State next;
  for (uint32_t s : cur.stacks) {
    if (s == 0) continue;
    const Element& e = *frames_[s].pos;
    const bool hit = (e.kind == Element::Kind::Token && e.index == static_cast<uint32_t>(token)) ||
                     (e.kind == Element::Kind::NotToken && e.index != static_cast<uint32_t>(token));
    if (!hit) continue;
    const auto& a = after(s);
    next.stacks.insert(next.stacks.end(), a.begin(), a.end());
  }
  std::sort(next.stacks.begin(), next.stacks.end());
  next.stacks.erase(std::unique(next.stacks.begin(), next.stacks.end()), next.stacks.end());
  if (next.stacks.empty()) return kDead;
  return intern(std::move(next));
}

void Machine::token_elements(uint32_t state, std::vector<std::pair<int32_t, bool>>& out) const {
  const State& cur = states_[state];
  if (cur.remaining != 0) return;
  for (uint32_t s : cur.stacks) {
    if (s == 0) continue;
    const Element& e = *frames_[s].pos;
    if (e.kind == Element::Kind::Token) out.emplace_back(static_cast<int32_t>(e.index), false);
    else if (e.kind == Element::Kind::NotToken) out.emplace_back(static_cast<int32_t>(e.index), true);
  }
}

bool Machine::accepting(uint32_t state) const {
  const State& s = states_[state];
  return s.remaining == 0 && !s.stacks.empty() && s.stacks[0] == 0;
}

bool Machine::finished(uint32_t state) const {
  const State& s = states_[state];
  return s.remaining == 0 && s.stacks.size() == 1 && s.stacks[0] == 0;
}

std::string Machine::expected(uint32_t state) const {
  const State& s = states_[state];
  std::vector<std::string> parts;
  for (uint32_t id : s.stacks) {
    std::string d = id == 0 ? "the end" : describe(*frames_[id].pos);
    if (std::find(parts.begin(), parts.end(), d) == parts.end()) parts.push_back(std::move(d));
  }
  if (s.remaining) parts.insert(parts.begin(), "the rest of a UTF-8 character");
  std::string out;
  for (size_t i = 0; i < parts.size() && i < 8; ++i) out += (i ? ", " : "") + parts[i];
  if (parts.size() > 8) out += ", …";
  return out;
}

}  // namespace heft::grammar
