#include "jinja/parser.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <initializer_list>

#include "jinja/lexer.h"

namespace heft::jinja {

namespace {

using util::Result;

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : t_(std::move(toks)) {}

  Result<Body> run() {
    Body body = HEFT_TRY(subparse({}));
    if (cur().kind != Tok::End) return fail_here("unexpected tag");
    return body;
  }

 private:
  std::vector<Token> t_;
  size_t i_ = 0;
  int depth_ = 0;       // recursion depth (blocks and nested expressions)
  int loop_depth_ = 0;  // for-loops around the current point, reset inside macros

  const Token& cur() const { return t_[i_]; }
  const Token& peek(size_t n = 1) const { return t_[std::min(i_ + n, t_.size() - 1)]; }
  void advance() {
    if (i_ + 1 < t_.size()) ++i_;
  }

  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Tok::Text: return "template text";
      case Tok::VarBegin: return "'{{'";
      case Tok::VarEnd: return "'}}'";
      case Tok::BlockBegin: return "'{%'";
      case Tok::BlockEnd: return "'%}'";
      case Tok::Name: return "'" + t.text + "'";
      case Tok::String: return "string";
      case Tok::Integer: case Tok::Float: return "number '" + t.text + "'";
      case Tok::Op: return "'" + t.text + "'";
      case Tok::End: return "end of template";
    }
    return "token";
  }

  std::unexpected<util::Error> fail_at(uint32_t offset, std::string msg) const {
    return std::unexpected(util::Error{std::move(msg), {}, offset});
  }
  std::unexpected<util::Error> fail_here(std::string msg) const {
    return fail_at(cur().offset, msg + " (found " + describe(cur()) + ")");
  }

  bool is_op(std::string_view op) const { return cur().kind == Tok::Op && cur().text == op; }
  bool is_name(std::string_view n) const { return cur().kind == Tok::Name && cur().text == n; }
  bool skip_op(std::string_view op) {
    if (!is_op(op)) return false;
    advance();
    return true;
  }
  bool skip_name(std::string_view n) {
    if (!is_name(n)) return false;
    advance();
    return true;
  }
  Result<void> expect_op(std::string_view op) {
    if (!skip_op(op)) return fail_here("expected '" + std::string(op) + "'");
    return {};
  }
  Result<std::string> expect_name() {
    if (cur().kind != Tok::Name) return fail_here("expected a name");
    std::string n = cur().text;
    advance();
    return n;
  }
  Result<void> expect(Tok k, const char* what) {
    if (cur().kind != k) return fail_here(std::string("expected ") + what);
    advance();
    return {};
  }

  // Restores a counter when a parse function returns (loop_depth_ around macro bodies).
  struct SaveRestore {
    int& ref;
    int saved;
    SaveRestore(int& r, int now) : ref(r), saved(r) { ref = now; }
    ~SaveRestore() { ref = saved; }
  };

  struct DepthGuard {
    int& d;
    explicit DepthGuard(int& depth) : d(depth) { ++d; }
    ~DepthGuard() { --d; }
  };
  Result<void> enter() {
    if (depth_ > kMaxParseDepth) return fail_here("template nesting too deep");
    return {};
  }

  static ExprPtr node(ExprKind k, uint32_t off) { return std::make_unique<Expr>(k, off); }
  static StmtPtr stmt(StmtKind k, uint32_t off) { return std::make_unique<Stmt>(k, off); }

  // ---- statements ---------------------------------------------------------

  // Parses until `{% name` where name is one of `ends`; leaves the stream at that name.
  Result<Body> subparse(std::initializer_list<std::string_view> ends) {
    DepthGuard g(depth_);
    HEFT_TRY(enter());
    Body body;
    while (true) {
      const Token& t = cur();
      switch (t.kind) {
        case Tok::Text: {
          auto s = stmt(StmtKind::Text, t.offset);
          s->text = t.text;
          body.push_back(std::move(s));
          advance();
          break;
        }
        case Tok::VarBegin: {
          auto s = stmt(StmtKind::Print, t.offset);
          advance();
          s->expr = HEFT_TRY(parse_tuple(false, true, {}, false));
          HEFT_TRY(expect(Tok::VarEnd, "'}}'"));
          body.push_back(std::move(s));
          break;
        }
        case Tok::BlockBegin: {
          const Token& name = peek();
          if (name.kind == Tok::Name && std::find(ends.begin(), ends.end(), name.text) != ends.end()) {
            advance();
            return body;
          }
          advance();
          body.push_back(HEFT_TRY(parse_statement()));
          HEFT_TRY(expect(Tok::BlockEnd, "'%}'"));
          break;
        }
        case Tok::End: {
          if (ends.size() == 0) return body;
          std::string_view want = *ends.begin();
          for (auto e : ends)
            if (e.starts_with("end")) want = e;
          return fail_at(t.offset, "unexpected end of template, expected '" + std::string(want) + "'");
        }
        default:
          return fail_here("unexpected token");
      }
    }
  }

  // After a statement header: `%}`, the body, then the end tag name (consumed when drop).
  Result<Body> statements(std::initializer_list<std::string_view> ends, bool drop) {
    HEFT_TRY(expect(Tok::BlockEnd, "'%}'"));
    Body b = HEFT_TRY(subparse(ends));
    if (drop) advance();
    return b;
  }

  Result<StmtPtr> parse_statement() {
    if (cur().kind != Tok::Name) return fail_here("expected a tag name");
    std::string tag = cur().text;
    uint32_t off = cur().offset;
    if (tag == "for") return parse_for();
    if (tag == "if") return parse_if();
    if (tag == "set") return parse_set();
    if (tag == "macro") return parse_macro();
    if (tag == "call") return parse_call_block();
    if (tag == "filter") return parse_filter_block();
    if (tag == "with") return parse_with();
    if (tag == "block") return parse_block();
    if (tag == "generation") {
      advance();
      auto s = stmt(StmtKind::Generation, off);
      s->body = HEFT_TRY(statements({"endgeneration"}, true));
      return s;
    }
    if (tag == "print") {
      advance();
      auto s = stmt(StmtKind::Print, off);
      s->expr = HEFT_TRY(parse_tuple(false, true, {}, false));
      return s;
    }
    if (tag == "break" || tag == "continue") {
      if (loop_depth_ == 0) return fail_at(off, "'" + tag + "' outside of a loop");
      advance();
      return stmt(tag == "break" ? StmtKind::Break : StmtKind::Continue, off);
    }
    if (tag == "extends" || tag == "include" || tag == "import" || tag == "from")
      return fail_at(off, "'" + tag + "' is not supported: a chat template cannot load other templates");
    if (tag.starts_with("end") || tag == "else" || tag == "elif")
      return fail_at(off, "unexpected '" + tag + "' tag");
    return fail_at(off, "unknown tag '" + tag + "'");
  }

  Result<StmtPtr> parse_for() {
    auto s = stmt(StmtKind::For, cur().offset);
    advance();
    s->target = HEFT_TRY(parse_target({"in"}));
    if (!skip_name("in")) return fail_here("expected 'in'");
    s->expr = HEFT_TRY(parse_tuple(false, false, {"recursive"}, false));
    if (skip_name("if")) s->cond = HEFT_TRY(parse_expression(true));
    s->recursive = skip_name("recursive");
    {
      SaveRestore in_loop(loop_depth_, loop_depth_ + 1);
      s->body = HEFT_TRY(statements({"endfor", "else"}, false));
    }
    if (cur().text == "else") {
      advance();
      s->else_body = HEFT_TRY(statements({"endfor"}, true));
    } else {
      advance();
    }
    return s;
  }

  Result<StmtPtr> parse_if() {
    auto s = stmt(StmtKind::If, cur().offset);
    advance();
    while (true) {
      ExprPtr test = HEFT_TRY(parse_tuple(false, false, {}, false));
      Body body = HEFT_TRY(statements({"elif", "else", "endif"}, false));
      s->branches.emplace_back(std::move(test), std::move(body));
      std::string tok = cur().text;
      advance();
      if (tok == "elif") continue;
      if (tok == "else") s->else_body = HEFT_TRY(statements({"endif"}, true));
      return s;
    }
  }

  Result<StmtPtr> parse_set() {
    uint32_t off = cur().offset;
    advance();
    Target target;
    if (cur().kind == Tok::Name && peek().kind == Tok::Op && peek().text == ".") {
      target.names.push_back(cur().text);
      advance();
      advance();
      target.attr = HEFT_TRY(expect_name());
    } else {
      target = HEFT_TRY(parse_target({}));
    }
    if (skip_op("=")) {
      auto s = stmt(StmtKind::Set, off);
      s->target = std::move(target);
      s->expr = HEFT_TRY(parse_tuple(false, true, {}, false));
      return s;
    }
    auto s = stmt(StmtKind::SetBlock, off);
    if (!target.attr.empty() || target.tuple) return fail_at(off, "a block set can only assign one name");
    s->target = std::move(target);
    if (is_op("|")) s->expr = HEFT_TRY(parse_filter(nullptr, false));
    s->body = HEFT_TRY(statements({"endset"}, true));
    return s;
  }

  Result<std::vector<Param>> parse_signature() {
    std::vector<Param> params;
    HEFT_TRY(expect_op("("));
    while (!is_op(")")) {
      if (!params.empty()) HEFT_TRY(expect_op(","));
      if (is_op(")")) break;
      uint32_t off = cur().offset;
      Param p;
      p.name = HEFT_TRY(expect_name());
      if (skip_op("=")) p.default_value = HEFT_TRY(parse_expression(true));
      else if (!params.empty() && params.back().default_value)
        return fail_at(off, "non-default argument follows default argument");
      params.push_back(std::move(p));
    }
    advance();
    return params;
  }

  Result<StmtPtr> parse_macro() {
    auto s = stmt(StmtKind::Macro, cur().offset);
    advance();
    s->text = HEFT_TRY(expect_name());
    s->params = HEFT_TRY(parse_signature());
    SaveRestore outside_loops(loop_depth_, 0);
    s->body = HEFT_TRY(statements({"endmacro"}, true));
    mark_special_names(*s);
    return s;
  }

  Result<StmtPtr> parse_call_block() {
    auto s = stmt(StmtKind::CallBlock, cur().offset);
    advance();
    if (is_op("(")) s->params = HEFT_TRY(parse_signature());
    s->expr = HEFT_TRY(parse_expression(true));
    if (s->expr->kind != ExprKind::Call) return fail_at(s->expr->offset, "expected a call after 'call'");
    SaveRestore outside_loops(loop_depth_, 0);
    s->body = HEFT_TRY(statements({"endcall"}, true));
    mark_special_names(*s);
    return s;
  }

  Result<StmtPtr> parse_filter_block() {
    auto s = stmt(StmtKind::FilterBlock, cur().offset);
    advance();
    s->expr = HEFT_TRY(parse_filter(nullptr, true));
    s->body = HEFT_TRY(statements({"endfilter"}, true));
    return s;
  }

  Result<StmtPtr> parse_with() {
    auto s = stmt(StmtKind::With, cur().offset);
    advance();
    while (cur().kind != Tok::BlockEnd) {
      if (!s->assigns.empty()) HEFT_TRY(expect_op(","));
      Target t = HEFT_TRY(parse_target({}));
      HEFT_TRY(expect_op("="));
      ExprPtr v = HEFT_TRY(parse_expression(true));
      s->assigns.emplace_back(std::move(t), std::move(v));
    }
    s->body = HEFT_TRY(statements({"endwith"}, true));
    return s;
  }

  Result<StmtPtr> parse_block() {
    auto s = stmt(StmtKind::Block, cur().offset);
    advance();
    s->text = HEFT_TRY(expect_name());
    skip_name("scoped");
    skip_name("required");
    s->body = HEFT_TRY(statements({"endblock"}, true));
    if (cur().kind == Tok::Name) {
      if (cur().text != s->text) return fail_here("mismatched endblock name");
      advance();
    }
    return s;
  }

  // A name, or names separated by commas (optionally in parentheses).
  Result<Target> parse_target(std::initializer_list<std::string_view> extra_end) {
    Target t;
    bool parens = skip_op("(");
    while (true) {
      if (cur().kind != Tok::Name) return fail_here("can't assign to this expression");
      static constexpr std::string_view kConst[] = {"true", "false", "none", "True", "False", "None"};
      if (std::find(std::begin(kConst), std::end(kConst), cur().text) != std::end(kConst))
        return fail_here("can't assign to a constant");
      t.names.push_back(cur().text);
      advance();
      if (!skip_op(",")) break;
      t.tuple = true;
      bool end = cur().kind == Tok::BlockEnd || is_op(")") || is_op("=");
      for (auto e : extra_end) end = end || is_name(e);
      if (end) break;
    }
    if (parens) {
      HEFT_TRY(expect_op(")"));
      t.tuple = true;
    }
    return t;
  }

  // Jinja2 only passes `caller`, `varargs` and `kwargs` to macros whose body mentions them.
  static void scan_names(const Expr* e, Stmt& m) {
    if (!e) return;
    if (e->kind == ExprKind::Name) {
      if (e->name == "caller") m.uses_caller = true;
      if (e->name == "varargs") m.uses_varargs = true;
      if (e->name == "kwargs") m.uses_kwargs = true;
    }
    scan_names(e->a.get(), m);
    scan_names(e->b.get(), m);
    scan_names(e->c.get(), m);
    scan_names(e->star_args.get(), m);
    scan_names(e->star_kwargs.get(), m);
    for (const auto& x : e->items) scan_names(x.get(), m);
    for (const auto& a : e->args) scan_names(a.value.get(), m);
  }
  static void scan_body(const Body& body, Stmt& m) {
    for (const auto& s : body) {
      scan_names(s->expr.get(), m);
      scan_names(s->cond.get(), m);
      for (const auto& [c, b] : s->branches) {
        scan_names(c.get(), m);
        scan_body(b, m);
      }
      for (const auto& [t, v] : s->assigns) scan_names(v.get(), m);
      for (const auto& p : s->params) scan_names(p.default_value.get(), m);
      scan_body(s->body, m);
      scan_body(s->else_body, m);
    }
  }
  static void mark_special_names(Stmt& m) { scan_body(m.body, m); }

  // ---- expressions --------------------------------------------------------

  // Computes the node's depth; refuses trees deeper than the limit (they would
  // overflow the stack when evaluated or destroyed).
  Result<ExprPtr> seal(ExprPtr e) {
    int d = 0;
    auto see = [&](const ExprPtr& c) {
      if (c) d = std::max<int>(d, c->depth);
    };
    see(e->a);
    see(e->b);
    see(e->c);
    see(e->star_args);
    see(e->star_kwargs);
    for (const auto& x : e->items) see(x);
    for (const auto& a : e->args) see(a.value);
    if (d + 1 > kMaxExprDepth) return fail_at(e->offset, "expression nested too deeply");
    e->depth = static_cast<uint16_t>(d + 1);
    return e;
  }

  Result<ExprPtr> parse_expression(bool with_condexpr) {
    DepthGuard g(depth_);
    HEFT_TRY(enter());
    if (!with_condexpr) return parse_or();
    ExprPtr e = HEFT_TRY(parse_or());
    while (is_name("if")) {
      uint32_t off = cur().offset;
      advance();
      auto n = node(ExprKind::CondExpr, off);
      n->a = HEFT_TRY(parse_or());   // test
      n->b = std::move(e);           // value when true
      if (skip_name("else")) n->c = HEFT_TRY(parse_expression(true));
      e = HEFT_TRY(seal(std::move(n)));
    }
    return e;
  }

  Result<ExprPtr> binary(ExprKind k, std::string op, ExprPtr l, ExprPtr r, uint32_t off) {
    auto n = node(k, off);
    n->name = std::move(op);
    n->a = std::move(l);
    n->b = std::move(r);
    return seal(std::move(n));
  }

  Result<ExprPtr> parse_or() {
    ExprPtr l = HEFT_TRY(parse_and());
    while (is_name("or")) {
      uint32_t off = cur().offset;
      advance();
      ExprPtr r = HEFT_TRY(parse_and());
      l = HEFT_TRY(binary(ExprKind::Or, "or", std::move(l), std::move(r), off));
    }
    return l;
  }

  Result<ExprPtr> parse_and() {
    ExprPtr l = HEFT_TRY(parse_not());
    while (is_name("and")) {
      uint32_t off = cur().offset;
      advance();
      ExprPtr r = HEFT_TRY(parse_not());
      l = HEFT_TRY(binary(ExprKind::And, "and", std::move(l), std::move(r), off));
    }
    return l;
  }

  Result<ExprPtr> parse_not() {
    if (is_name("not")) {
      DepthGuard g(depth_);
      HEFT_TRY(enter());
      auto n = node(ExprKind::Not, cur().offset);
      advance();
      n->a = HEFT_TRY(parse_not());
      return seal(std::move(n));
    }
    return parse_compare();
  }

  Result<ExprPtr> parse_compare() {
    uint32_t off = cur().offset;
    ExprPtr first = HEFT_TRY(parse_math1());
    ExprPtr n;
    while (true) {
      std::string op;
      if (cur().kind == Tok::Op &&
          (cur().text == "==" || cur().text == "!=" || cur().text == "<" || cur().text == "<=" ||
           cur().text == ">" || cur().text == ">=")) {
        op = cur().text;
        advance();
      } else if (is_name("in")) {
        op = "in";
        advance();
      } else if (is_name("not") && peek().kind == Tok::Name && peek().text == "in") {
        op = "not in";
        advance();
        advance();
      } else {
        break;
      }
      if (!n) {
        n = node(ExprKind::Compare, off);
        n->a = std::move(first);
      }
      n->ops.push_back(op);
      n->items.push_back(HEFT_TRY(parse_math1()));
    }
    if (!n) return first;
    return seal(std::move(n));
  }

  Result<ExprPtr> parse_math1() {
    ExprPtr l = HEFT_TRY(parse_concat());
    while (is_op("+") || is_op("-")) {
      std::string op = cur().text;
      uint32_t off = cur().offset;
      advance();
      ExprPtr r = HEFT_TRY(parse_concat());
      l = HEFT_TRY(binary(ExprKind::Binary, op, std::move(l), std::move(r), off));
    }
    return l;
  }

  Result<ExprPtr> parse_concat() {
    ExprPtr l = HEFT_TRY(parse_math2());
    while (is_op("~")) {
      uint32_t off = cur().offset;
      advance();
      ExprPtr r = HEFT_TRY(parse_math2());
      l = HEFT_TRY(binary(ExprKind::Binary, "~", std::move(l), std::move(r), off));
    }
    return l;
  }

  Result<ExprPtr> parse_math2() {
    ExprPtr l = HEFT_TRY(parse_pow());
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      std::string op = cur().text;
      uint32_t off = cur().offset;
      advance();
      ExprPtr r = HEFT_TRY(parse_pow());
      l = HEFT_TRY(binary(ExprKind::Binary, op, std::move(l), std::move(r), off));
    }
    return l;
  }

  Result<ExprPtr> parse_pow() {
    ExprPtr l = HEFT_TRY(parse_unary(true));
    while (is_op("**")) {
      uint32_t off = cur().offset;
      advance();
      ExprPtr r = HEFT_TRY(parse_unary(true));
      l = HEFT_TRY(binary(ExprKind::Binary, "**", std::move(l), std::move(r), off));
    }
    return l;
  }

  Result<ExprPtr> parse_unary(bool with_filter) {
    DepthGuard g(depth_);
    HEFT_TRY(enter());
    ExprPtr n;
    if (is_op("-") || is_op("+")) {
      n = node(is_op("-") ? ExprKind::Neg : ExprKind::Pos, cur().offset);
      advance();
      n->a = HEFT_TRY(parse_unary(false));
      n = HEFT_TRY(seal(std::move(n)));
    } else {
      n = HEFT_TRY(parse_primary());
    }
    n = HEFT_TRY(parse_postfix(std::move(n)));
    if (with_filter) n = HEFT_TRY(parse_filter_expr(std::move(n)));
    return n;
  }

  Result<ExprPtr> literal(Value v, uint32_t off) {
    auto n = node(ExprKind::Literal, off);
    n->value = std::move(v);
    return n;
  }

  Result<ExprPtr> parse_primary() {
    const Token& t = cur();
    uint32_t off = t.offset;
    switch (t.kind) {
      case Tok::Name: {
        std::string n = t.text;
        advance();
        if (n == "true" || n == "True") return literal(Value(true), off);
        if (n == "false" || n == "False") return literal(Value(false), off);
        if (n == "none" || n == "None") return literal(Value::none(), off);
        auto e = node(ExprKind::Name, off);
        e->name = std::move(n);
        return e;
      }
      case Tok::String: {
        std::string s = t.text;
        advance();
        while (cur().kind == Tok::String) {  // adjacent literals concatenate
          s += cur().text;
          advance();
        }
        return literal(Value(std::move(s)), off);
      }
      case Tok::Integer: {
        std::string digits = t.text;
        advance();
        int base = 10;
        size_t skip = 0;
        if (digits.size() > 1 && digits[0] == '0') {
          char p = static_cast<char>(digits[1] | 0x20);
          base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 10;
          if (base != 10) skip = 2;
        }
        errno = 0;
        char* end = nullptr;
        long long v = std::strtoll(digits.c_str() + skip, &end, base);
        if (errno == ERANGE) return fail_at(off, "integer literal too large");
        return literal(Value(static_cast<int64_t>(v)), off);
      }
      case Tok::Float: {
        double d = std::strtod(t.text.c_str(), nullptr);
        advance();
        return literal(Value(d), off);
      }
      case Tok::Op:
        if (t.text == "(") {
          advance();
          ExprPtr e = HEFT_TRY(parse_tuple(false, true, {}, true));
          HEFT_TRY(expect_op(")"));
          return e;
        }
        if (t.text == "[") return parse_list();
        if (t.text == "{") return parse_dict();
        break;
      default: break;
    }
    return fail_here("unexpected token in expression");
  }

  // Comma-separated expressions; a tuple when there is a comma (or `()`).
  Result<ExprPtr> parse_tuple(bool simplified, bool with_condexpr, std::initializer_list<std::string_view> extra_end,
                              bool explicit_parens) {
    uint32_t off = cur().offset;
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) HEFT_TRY(expect_op(","));
      bool end = cur().kind == Tok::VarEnd || cur().kind == Tok::BlockEnd || is_op(")");
      for (auto e : extra_end) end = end || is_name(e);
      if (end) break;
      if (simplified) items.push_back(HEFT_TRY(parse_primary()));
      else items.push_back(HEFT_TRY(parse_expression(with_condexpr)));
      if (is_op(",")) is_tuple = true;
      else break;
    }
    if (!is_tuple) {
      if (!items.empty()) return std::move(items[0]);
      if (!explicit_parens) return fail_here("expected an expression");
    }
    auto n = node(ExprKind::Tuple, off);
    n->items = std::move(items);
    return seal(std::move(n));
  }

  Result<ExprPtr> parse_list() {
    auto n = node(ExprKind::List, cur().offset);
    advance();
    while (!is_op("]")) {
      if (!n->items.empty()) HEFT_TRY(expect_op(","));
      if (is_op("]")) break;
      n->items.push_back(HEFT_TRY(parse_expression(true)));
    }
    advance();
    return seal(std::move(n));
  }

  Result<ExprPtr> parse_dict() {
    auto n = node(ExprKind::Dict, cur().offset);
    advance();
    while (!is_op("}")) {
      if (!n->items.empty()) HEFT_TRY(expect_op(","));
      if (is_op("}")) break;
      n->items.push_back(HEFT_TRY(parse_expression(true)));
      HEFT_TRY(expect_op(":"));
      n->items.push_back(HEFT_TRY(parse_expression(true)));
    }
    advance();
    return seal(std::move(n));
  }

  Result<ExprPtr> parse_postfix(ExprPtr n) {
    while (true) {
      if (is_op(".") || is_op("[")) n = HEFT_TRY(parse_subscript(std::move(n)));
      else if (is_op("(")) n = HEFT_TRY(parse_call(std::move(n)));
      else return n;
    }
  }

  Result<ExprPtr> parse_filter_expr(ExprPtr n) {
    while (true) {
      if (is_op("|")) n = HEFT_TRY(parse_filter(std::move(n), false));
      else if (is_name("is")) n = HEFT_TRY(parse_test(std::move(n)));
      else if (is_op("(")) n = HEFT_TRY(parse_call(std::move(n)));
      else return n;
    }
  }

  Result<ExprPtr> parse_subscript(ExprPtr n) {
    uint32_t off = cur().offset;
    if (skip_op(".")) {
      if (cur().kind == Tok::Name) {
        auto e = node(ExprKind::Getattr, off);
        e->a = std::move(n);
        e->name = cur().text;
        advance();
        return seal(std::move(e));
      }
      if (cur().kind == Tok::Integer) {
        auto e = node(ExprKind::Getitem, off);
        e->a = std::move(n);
        e->b = HEFT_TRY(parse_primary());
        return seal(std::move(e));
      }
      return fail_here("expected a name or number after '.'");
    }
    advance();  // '['
    std::vector<ExprPtr> args;
    while (!is_op("]")) {
      if (!args.empty()) {
        HEFT_TRY(expect_op(","));
        if (is_op("]")) break;
      }
      args.push_back(HEFT_TRY(parse_subscribed()));
    }
    advance();
    auto e = node(ExprKind::Getitem, off);
    e->a = std::move(n);
    if (args.size() == 1) {
      e->b = std::move(args[0]);
    } else {
      auto t = node(ExprKind::Tuple, off);
      t->items = std::move(args);
      e->b = HEFT_TRY(seal(std::move(t)));
    }
    if (!e->b) return fail_at(off, "expected a subscript");
    return seal(std::move(e));
  }

  Result<ExprPtr> parse_subscribed() {
    uint32_t off = cur().offset;
    ExprPtr start;
    if (!is_op(":")) {
      start = HEFT_TRY(parse_expression(true));
      if (!is_op(":")) return start;
    }
    advance();  // ':'
    auto s = node(ExprKind::Slice, off);
    s->a = std::move(start);
    if (!is_op("]") && !is_op(",") && !is_op(":")) s->b = HEFT_TRY(parse_expression(true));
    if (skip_op(":")) {
      if (!is_op("]") && !is_op(",")) s->c = HEFT_TRY(parse_expression(true));
    }
    return seal(std::move(s));
  }

  Result<void> parse_call_args(Expr& n) {
    HEFT_TRY(expect_op("("));
    bool first = true;
    while (!is_op(")")) {
      if (!first) {
        HEFT_TRY(expect_op(","));
        if (is_op(")")) break;
      }
      first = false;
      if (skip_op("*")) {
        n.star_args = HEFT_TRY(parse_expression(true));
      } else if (skip_op("**")) {
        n.star_kwargs = HEFT_TRY(parse_expression(true));
      } else if (cur().kind == Tok::Name && peek().kind == Tok::Op && peek().text == "=") {
        Arg a;
        a.name = cur().text;
        advance();
        advance();
        a.value = HEFT_TRY(parse_expression(true));
        n.args.push_back(std::move(a));
      } else {
        if (std::any_of(n.args.begin(), n.args.end(), [](const Arg& a) { return !a.name.empty(); }))
          return fail_here("positional argument follows keyword argument");
        n.args.push_back(Arg{{}, HEFT_TRY(parse_expression(true))});
      }
    }
    advance();
    return {};
  }

  Result<ExprPtr> parse_call(ExprPtr callee) {
    auto n = node(ExprKind::Call, callee->offset);  // errors point at what is called
    n->a = std::move(callee);
    HEFT_TRY(parse_call_args(*n));
    return seal(std::move(n));
  }

  Result<std::string> dotted_name() {
    std::string name = HEFT_TRY(expect_name());
    while (is_op(".") && peek().kind == Tok::Name) {
      advance();
      name += "." + cur().text;
      advance();
    }
    return name;
  }

  Result<ExprPtr> parse_filter(ExprPtr n, bool start_inline) {
    while (is_op("|") || start_inline) {
      if (!start_inline) advance();
      start_inline = false;
      auto f = node(ExprKind::Filter, cur().offset);
      f->a = std::move(n);
      f->name = HEFT_TRY(dotted_name());
      if (is_op("(")) HEFT_TRY(parse_call_args(*f));
      n = HEFT_TRY(seal(std::move(f)));
    }
    return n;
  }

  Result<ExprPtr> parse_test(ExprPtr n) {
    auto t = node(ExprKind::Test, cur().offset);
    advance();  // 'is'
    t->negated = skip_name("not");
    t->a = std::move(n);
    t->name = HEFT_TRY(dotted_name());
    if (is_op("(")) {
      HEFT_TRY(parse_call_args(*t));
    } else if ((cur().kind == Tok::Name || cur().kind == Tok::String || cur().kind == Tok::Integer ||
                cur().kind == Tok::Float || is_op("(") || is_op("[") || is_op("{")) &&
               !is_name("else") && !is_name("or") && !is_name("and")) {
      if (is_name("is")) return fail_here("you cannot chain multiple tests with 'is'");
      ExprPtr arg = HEFT_TRY(parse_primary());
      arg = HEFT_TRY(parse_postfix(std::move(arg)));
      t->args.push_back(Arg{{}, std::move(arg)});
    }
    return seal(std::move(t));
  }
};

}  // namespace

util::Result<Program> parse(std::string_view source) {
  Lexed lexed = HEFT_TRY(lex(source));
  Program p;
  Parser parser(std::move(lexed.tokens));
  p.body = HEFT_TRY(parser.run());
  p.source = std::move(lexed.source);
  return p;
}

}  // namespace heft::jinja
