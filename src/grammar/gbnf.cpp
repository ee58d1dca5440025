#include "grammar/gbnf.h"

#include <string>
#include <unordered_map>

namespace heft::grammar {
namespace {

// Bounds that keep a hostile grammar from taking unbounded memory: llama.cpp's
// MAX_REPETITION_THRESHOLD for one repetition, and a cap on the whole grammar.
constexpr int kMaxRepetition = 2000;
constexpr size_t kMaxElements = 1 << 20;
// The parser recurses into groups; a request's grammar must not exhaust the stack.
constexpr int kMaxNesting = 512;

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

class Parser {
 public:
  Parser(std::string_view src, const TokenLookup& lookup) : s_(src), lookup_(lookup) {}

  util::Result<Grammar> run(std::string_view root) {
    skip_space(true);
    while (pos_ < s_.size() && ok()) {
      parse_rule();
      skip_space(true);
    }
    if (!ok()) return std::unexpected(*err_);
    for (size_t i = 0; i < g_.rules.size(); ++i)
      if (!defined_[i]) return fail_at(first_use_[i], "undefined rule '" + g_.rules[i].name + "'");
    const int32_t r = g_.find(root);
    if (r < 0 || !defined_[static_cast<size_t>(r)])
      return util::fail("the grammar has no rule '" + std::string(root) + "' to start from");
    g_.root = static_cast<uint32_t>(r);
    if (auto bad = left_recursive(); !bad.empty())
      return util::fail("rule '" + bad + "' is left-recursive (it can start with itself), which no matcher can follow");
    return std::move(g_);
  }

 private:
  bool ok() const { return !err_.has_value(); }
  char peek(size_t ahead = 0) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }
  bool at_end() const { return pos_ >= s_.size(); }

  std::unexpected<util::Error> fail_at(size_t at, std::string msg) const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at && i < s_.size(); ++i) {
      if (s_[i] == '\n') ++line, col = 1;
      else ++col;
    }
    return util::fail("line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + msg, {}, at);
  }
  void error(std::string msg) {
    if (!err_) err_ = fail_at(pos_, std::move(msg)).error();
    pos_ = s_.size();
  }

  void skip_space(bool newline_ok) {
    while (!at_end()) {
      const char c = peek();
      if (c == ' ' || c == '\t') ++pos_;
      else if (c == '#') {
        while (!at_end() && peek() != '\n' && peek() != '\r') ++pos_;
      } else if (newline_ok && (c == '\n' || c == '\r')) ++pos_;
      else break;
    }
  }

  std::string parse_name() {
    const size_t start = pos_;
    while (!at_end() && is_word_char(peek())) ++pos_;
    if (pos_ == start) error("expecting a rule name");
    return std::string(s_.substr(start, pos_ - start));
  }

  uint32_t rule_id(const std::string& name, size_t used_at) {
    auto [it, inserted] = ids_.emplace(name, static_cast<uint32_t>(g_.rules.size()));
    if (inserted) {
      g_.rules.push_back(Rule{name, {}});
      defined_.push_back(false);
      first_use_.push_back(used_at);
    }
    return it->second;
  }
  uint32_t generated_rule(const std::string& base) {
    for (;;) {
      std::string name = base + "_" + std::to_string(++generated_);  // "_": never a user rule name
      if (!ids_.contains(name)) {
        const uint32_t id = rule_id(name, pos_);
        defined_[id] = true;
        return id;
      }
    }
  }

  void parse_rule() {
    const size_t at = pos_;
    const std::string name = parse_name();
    if (!ok()) return;
    skip_space(false);
    if (s_.substr(pos_, 3) != "::=") return error("expecting ::= after rule name '" + name + "'");
    pos_ += 3;
    skip_space(true);
    const uint32_t id = rule_id(name, at);
    if (defined_[id] && !g_.rules[id].alternatives.empty()) return error("rule '" + name + "' is defined twice");
    defined_[id] = true;
    auto alts = parse_alternates(name, false);
    if (!ok()) return;
    g_.rules[id].alternatives = std::move(alts);
    if (peek() == '\r') pos_ += peek(1) == '\n' ? 2 : 1;
    else if (peek() == '\n') ++pos_;
    else if (!at_end()) error("expecting a newline or the end after rule '" + name + "'");
  }

  std::vector<Sequence> parse_alternates(const std::string& rule_name, bool nested) {
    std::vector<Sequence> alts;
    alts.push_back(parse_sequence(rule_name, nested));
    while (ok() && peek() == '|') {
      ++pos_;
      skip_space(true);
      alts.push_back(parse_sequence(rule_name, nested));
    }
    return alts;
  }

  // One code point of a literal or class, with GBNF's escapes.
  uint32_t parse_char() {
    if (peek() == '\\') {
      const char e = peek(1);
      pos_ += 2;
      int digits = 0;
      switch (e) {
        case 'x': digits = 2; break;
        case 'u': digits = 4; break;
        case 'U': digits = 8; break;
        case 't': return '\t';
        case 'r': return '\r';
        case 'n': return '\n';
        case '\\': case '"': case '[': case ']': return static_cast<uint8_t>(e);
        default: pos_ -= 2; error(std::string("unknown escape \\") + e); return 0;
      }
      uint32_t v = 0;
      for (int i = 0; i < digits; ++i) {
        const char h = peek();
        int d = (h >= '0' && h <= '9') ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
        if (d < 0) { error("expecting " + std::to_string(digits) + " hex digits after \\" + e); return 0; }
        v = v * 16 + static_cast<uint32_t>(d);
        ++pos_;
      }
      if (v > 0x10FFFF) error("code point beyond U+10FFFF");
      return v;
    }
    const auto b0 = static_cast<uint8_t>(peek());
    int n = b0 < 0x80 ? 0 : (b0 >> 5) == 6 ? 1 : (b0 >> 4) == 14 ? 2 : (b0 >> 3) == 30 ? 3 : -1;
    if (n < 0) { error("invalid UTF-8 in the grammar"); return 0; }
    uint32_t v = n == 0 ? b0 : b0 & (0x3F >> n);
    ++pos_;
    for (int i = 0; i < n; ++i) {
      const auto b = static_cast<uint8_t>(peek());
      if ((b & 0xC0) != 0x80) { error("invalid UTF-8 in the grammar"); return 0; }
      v = (v << 6) | (b & 0x3F);
      ++pos_;
    }
    return v;
  }

  void add(Sequence& seq, Element e) {
    if (++elements_ > kMaxElements) return error("the grammar is too large");
    seq.push_back(std::move(e));
  }

  Sequence parse_sequence(const std::string& rule_name, bool nested) {
    Sequence seq;
    size_t last_sym = 0;
    while (ok() && !at_end()) {
      const char c = peek();
      if (c == '"') {
        ++pos_;
        last_sym = seq.size();
        while (ok() && peek() != '"') {
          if (at_end()) return error("unterminated string literal"), seq;
          const uint32_t cp = parse_char();
          add(seq, chars({{cp, cp}}));
        }
        ++pos_;
        skip_space(nested);
      } else if (c == '[') {
        ++pos_;
        bool negated = false;
        if (peek() == '^') negated = true, ++pos_;
        std::vector<CharRange> ranges;
        while (ok() && peek() != ']') {
          if (at_end()) return error("unterminated character class"), seq;
          const uint32_t lo = parse_char();
          uint32_t hi = lo;
          if (peek() == '-' && peek(1) != ']' && pos_ + 1 < s_.size()) {
            ++pos_;
            hi = parse_char();
            if (hi < lo) return error("character range with its end before its start"), seq;
          }
          ranges.push_back({lo, hi});
        }
        ++pos_;
        last_sym = seq.size();
        add(seq, chars(std::move(ranges), negated));
        skip_space(nested);
      } else if (c == '<' || (c == '!' && peek(1) == '<')) {
        const bool negated = c == '!';
        pos_ += negated ? 2 : 1;
        uint64_t id = 0;
        size_t digits = 0;
        while (peek(1 + digits) >= '0' && peek(1 + digits) <= '9' && digits < 11)
          id = id * 10 + static_cast<uint64_t>(peek(1 + digits) - '0'), ++digits;
        if (peek() == '[' && digits > 0 && peek(1 + digits) == ']' && peek(2 + digits) == '>') {
          if (id > INT32_MAX) return error("token id out of range"), seq;
          pos_ += digits + 3;
        } else {  // <text>: the token whose text this is
          const size_t close = s_.find('>', pos_ + 1);
          const size_t nl = s_.find('\n', pos_);
          if (close == std::string_view::npos || close > nl) return error("expecting '>' closing a token reference"), seq;
          // <|python_tag|> and <think> name tokens with their angle brackets, <[TOOL_CALLS]> one without.
          const std::string_view inner = s_.substr(pos_, close - pos_);
          std::string name(1, '<');  // (not "<" + ...: g++ 12 warns falsely, -Wrestrict)
          name.append(inner).push_back('>');
          int32_t found = -1;
          if (lookup_) {
            found = lookup_(name);
            if (found < 0) found = lookup_(inner);
          }
          if (!lookup_) return error(std::string("a token reference by text (").append(name).append(") needs the model's vocabulary; write <[id]>")), seq;
          if (found < 0) return error(std::string("the vocabulary has no token ").append(name)), seq;
          id = static_cast<uint64_t>(found);
          pos_ = close + 1;
        }
        Element e;
        e.kind = negated ? Element::Kind::NotToken : Element::Kind::Token;
        e.index = static_cast<uint32_t>(id);
        last_sym = seq.size();
        add(seq, std::move(e));
        skip_space(nested);
      } else if (is_word_char(c)) {
        const size_t at = pos_;
        const std::string name = parse_name();
        Element e;
        e.kind = Element::Kind::Rule;
        e.index = rule_id(name, at);
        last_sym = seq.size();
        add(seq, std::move(e));
        skip_space(nested);
      } else if (c == '(') {
        if (++depth_ > kMaxNesting) return error("groups nested more than " + std::to_string(kMaxNesting) + " deep"), seq;
        ++pos_;
        skip_space(true);
        const uint32_t sub = generated_rule(rule_name);
        auto alts = parse_alternates(rule_name, true);
        --depth_;
        if (!ok()) return seq;
        g_.rules[sub].alternatives = std::move(alts);
        if (peek() != ')') return error("expecting ')'"), seq;
        ++pos_;
        Element e;
        e.kind = Element::Kind::Rule;
        e.index = sub;
        last_sym = seq.size();
        add(seq, std::move(e));
        skip_space(nested);
      } else if (c == '.') {
        ++pos_;
        last_sym = seq.size();
        add(seq, chars({}, true));
        skip_space(nested);
      } else if (c == '*' || c == '+' || c == '?') {
        ++pos_;
        repeat(seq, last_sym, rule_name, c == '+' ? 1 : 0, c == '?' ? 1 : -1);
        skip_space(nested);
      } else if (c == '{') {
        ++pos_;
        skip_space(nested);
        const int lo = parse_int();
        int hi = lo;
        skip_space(nested);
        if (peek() == ',') {
          ++pos_;
          skip_space(nested);
          hi = (peek() >= '0' && peek() <= '9') ? parse_int() : -1;
          skip_space(nested);
        }
        if (!ok()) return seq;
        if (peek() != '}') return error("expecting '}'"), seq;
        ++pos_;
        if (hi >= 0 && hi < lo) return error("repetition {m,n} with n below m"), seq;
        repeat(seq, last_sym, rule_name, lo, hi);
        skip_space(nested);
      } else {
        break;
      }
    }
    return seq;
  }

  int parse_int() {
    const size_t start = pos_;
    int64_t v = 0;
    while (peek() >= '0' && peek() <= '9') {
      v = v * 10 + (peek() - '0');
      ++pos_;
      if (v > kMaxRepetition) return error("a repetition count above " + std::to_string(kMaxRepetition)), 0;
    }
    if (pos_ == start) error("expecting a number");
    return static_cast<int>(v);
  }

  // X{lo,hi} (hi -1: unbounded) as lo copies of X and then generated rules:
  // unbounded `r ::= X r |`, bounded nested `r1 ::= X r2 |` ... (llama.cpp's rewriting).
  void repeat(Sequence& seq, size_t last_sym, const std::string& rule_name, int lo, int hi) {
    if (last_sym >= seq.size()) return error("expecting an item before a repetition");
    Element sym;
    if (seq.size() - last_sym == 1) {
      sym = std::move(seq.back());
    } else {  // a literal of several characters repeats as a whole
      const uint32_t sub = generated_rule(rule_name);
      g_.rules[sub].alternatives.push_back(Sequence(seq.begin() + static_cast<std::ptrdiff_t>(last_sym), seq.end()));
      sym.kind = Element::Kind::Rule;
      sym.index = sub;
    }
    seq.resize(last_sym);
    for (int i = 0; i < lo; ++i) add(seq, sym);
    if (hi == lo) return;
    Element ref;
    ref.kind = Element::Kind::Rule;
    if (hi < 0) {
      const uint32_t rec = generated_rule(rule_name);
      ref.index = rec;
      g_.rules[rec].alternatives = {Sequence{sym, ref}, Sequence{}};
      add(seq, ref);
      return;
    }
    // Innermost first: opt_k ::= X opt_{k+1} | ; the last has no tail.
    bool have_tail = false;
    Element tail;
    for (int i = 0; i < hi - lo; ++i) {
      const uint32_t r = generated_rule(rule_name);
      Sequence alt{sym};
      if (have_tail) alt.push_back(tail);
      elements_ += alt.size();
      if (elements_ > kMaxElements) return error("the grammar is too large");
      g_.rules[r].alternatives = {std::move(alt), Sequence{}};
      tail.kind = Element::Kind::Rule;
      tail.index = r;
      have_tail = true;
    }
    add(seq, tail);
  }

  // Returns the name of a left-recursive rule, or "". A rule is left-recursive
  // when it can reach itself through first elements that can all match nothing.
  std::string left_recursive() const {
    const size_t n = g_.rules.size();
    std::vector<bool> nullable(n, false);
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t r = 0; r < n; ++r) {
        if (nullable[r]) continue;
        for (const auto& alt : g_.rules[r].alternatives) {
          bool all = true;
          for (const auto& e : alt)
            if (e.kind != Element::Kind::Rule || !nullable[e.index]) { all = false; break; }
          if (all) { nullable[r] = changed = true; break; }
        }
      }
    }
    // Depth-first over "can start with" edges, with an explicit stack: a chain of
    // 100000 rules must not exhaust the thread's stack.
    auto edges = [&](uint32_t r) {
      std::vector<uint32_t> out;
      for (const auto& alt : g_.rules[r].alternatives)
        for (const auto& e : alt) {
          if (e.kind != Element::Kind::Rule) break;
          out.push_back(e.index);
          if (!nullable[e.index]) break;
        }
      return out;
    };
    std::vector<int> mark(n, 0);  // 0 new, 1 on the path, 2 done
    struct Visit {
      uint32_t rule;
      std::vector<uint32_t> next;
      size_t i = 0;
    };
    for (uint32_t root = 0; root < n; ++root) {
      if (mark[root]) continue;
      std::vector<Visit> path;
      mark[root] = 1;
      path.push_back({root, edges(root)});
      while (!path.empty()) {
        Visit& v = path.back();
        if (v.i == v.next.size()) {
          mark[v.rule] = 2;
          path.pop_back();
          continue;
        }
        const uint32_t to = v.next[v.i++];
        if (mark[to] == 1) return g_.rules[to].name;
        if (mark[to] == 0) {
          mark[to] = 1;
          path.push_back({to, edges(to)});
        }
      }
    }
    return {};
  }

  std::string_view s_;
  size_t pos_ = 0;
  Grammar g_;
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<bool> defined_;
  std::vector<size_t> first_use_;
  int generated_ = 0;
  size_t elements_ = 0;
  int depth_ = 0;  // groups open, against kMaxNesting
  std::optional<util::Error> err_;
  const TokenLookup& lookup_;
};

}  // namespace

util::Result<Grammar> parse_gbnf(std::string_view text, std::string_view root, const TokenLookup& lookup) {
  return Parser(text, lookup).run(root);
}

}  // namespace heft::grammar
