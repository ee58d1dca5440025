#include "jinja/interpreter.h"

#include <cstdlib>
#include <optional>

#include "jinja/filters.h"
#include "jinja/format.h"
#include "jinja/globals.h"
#include "jinja/lexer.h"
#include "jinja/methods.h"
#include "jinja/operators.h"
#include "jinja/tests.h"
#include "jinja/unicode.h"

namespace heft::jinja {

namespace {

using util::Result;

// Work an operation on `v` may do (scan a string or a container), for the work bound.
uint64_t size_cost(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::String: return v.str().size() / 8 + 1;
    case Value::Kind::List: case Value::Kind::Tuple: return v.items().size() + 1;
    case Value::Kind::Dict: return v.dict().items.size() + 1;
    default: return 1;
  }
}

// C++ recursion of eval/exec. Each level is a few hundred bytes of stack, far
// below the 8 MiB main-thread stack even in sanitizer builds.
constexpr int kMaxFrames = 2000;

struct Counter {
  int& n;
  explicit Counter(int& c) : n(c) { ++n; }
  ~Counter() { --n; }
};

std::unexpected<util::Error> fail_at(uint32_t offset, std::string msg) {
  return std::unexpected(util::Error{std::move(msg), {}, offset});
}

// The `loop` variable of a for-loop.
class LoopObject : public Object {
 public:
  // `scope` is only kept for recursive loops (loop(...) runs the body again there).
  LoopObject(std::vector<Value> items, const Stmt* stmt, ScopePtr scope, int depth)
      : items_(std::move(items)), stmt_(stmt), scope_(stmt->recursive ? std::move(scope) : nullptr), depth_(depth) {}

  size_t index = 0;

  std::string type_name() const override { return "LoopContext"; }
  std::string repr() const override {
    return "<LoopContext " + std::to_string(index + 1) + "/" + std::to_string(items_.size()) + ">";
  }
  bool callable() const override { return stmt_->recursive; }

  Value attr(std::string_view name) override {
    auto n = static_cast<int64_t>(items_.size());
    auto i = static_cast<int64_t>(index);
    if (name == "index") return Value(i + 1);
    if (name == "index0") return Value(i);
    if (name == "revindex") return Value(n - i);
    if (name == "revindex0") return Value(n - i - 1);
    if (name == "first") return Value(i == 0);
    if (name == "last") return Value(i == n - 1);
    if (name == "length") return Value(n);
    if (name == "depth") return Value(int64_t{depth_});
    if (name == "depth0") return Value(int64_t{depth_ - 1});
    if (name == "previtem")
      return i > 0 ? items_[index - 1] : Value::undefined("there is no previous item");
    if (name == "nextitem")
      return i + 1 < n ? items_[index + 1] : Value::undefined("there is no next item");
    if (name == "cycle") {
      size_t at = index;
      return Value::function("cycle", [at](Interpreter&, CallArgs& a) -> Result<Value> {
        if (a.positional.empty()) return util::fail("no items for cycling given");
        return a.positional[at % a.positional.size()];
      }, Function::Kind::Method);
    }
    if (name == "changed") {
      // The method keeps its loop alive: it may be stored and called after the loop.
      auto self = std::static_pointer_cast<LoopObject>(shared_from_this());
      return Value::function("changed", [self](Interpreter&, CallArgs& a) -> Result<Value> {
        Value now = Value::list(a.positional);
        if (self->has_last_ && equals(self->last_, now)) return Value(false);
        self->last_ = now;
        self->has_last_ = true;
        return Value(true);
      }, Function::Kind::Method);
    }
    return Object::attr(name);
  }

  Result<Value> call(Interpreter& in, CallArgs& args) override {
    if (!stmt_->recursive)
      return util::fail("the loop must be marked 'recursive' to call it");  // callable() already said no
    if (args.positional.size() != 1 || !args.keyword.empty()) return util::fail("loop() takes exactly one argument");
    std::vector<Value> items = HEFT_TRY(in.iterate(args.positional[0]));
    if (!scope_) return util::fail("this loop has finished");
    HEFT_TRY(in.enter_call());
    std::string out;
    auto r = in.run_loop(*stmt_, std::move(items), scope_, out, depth_ + 1);
    in.leave_call();
    HEFT_TRY(std::move(r));
    return Value(std::move(out));
  }

  void release() {
    scope_.reset();
    last_ = Value();
  }

 private:
  std::vector<Value> items_;
  const Stmt* stmt_;
  ScopePtr scope_;
  int depth_;
  Value last_;
  bool has_last_ = false;
};

}  // namespace

const Value* Scope::find(std::string_view name) const {
  for (const Scope* s = this; s; s = s->parent.get())
    for (auto it = s->vars.rbegin(); it != s->vars.rend(); ++it)
      if (it->first == name) return &it->second;
  return nullptr;
}

void Scope::set(std::string_view name, Value v) {
  for (auto& [k, val] : vars)
    if (k == name) {
      val = std::move(v);
      return;
    }
  vars.emplace_back(std::string(name), std::move(v));
}

bool is_raised(const util::Error& e) {
  // "<name>:<line>:<col>: raise_exception: ..."
  size_t at = e.message.find(": " + std::string(kRaisedPrefix));
  return at != std::string::npos && e.message.find(": ") == at;
}

Interpreter::Interpreter(const Program& program, std::string name, const RenderOptions& options, bool js_compatible)
    : program_(program), name_(std::move(name)), opt_(options), globals_(std::make_shared<Scope>()),
      js_compatible_(js_compatible) {
  add_globals(globals_->vars);
}

Interpreter::~Interpreter() = default;

std::tm Interpreter::now() const {
  if (opt_.now) return opt_.now();
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm;
}

Result<void> Interpreter::charge(uint64_t units) {
  work_ += units;
  if (work_ > opt_.limits.max_work)
    return util::fail("template did too much work (more than " + std::to_string(opt_.limits.max_work) +
                      " bytes/items created)");
  return {};
}

Result<void> Interpreter::count_iterations(uint64_t n) {
  iterations_ += n;
  if (iterations_ > opt_.limits.max_iterations)
    return util::fail("template ran more than " + std::to_string(opt_.limits.max_iterations) + " loop iterations");
  return {};
}

Result<void> Interpreter::enter_call() {
  if (++call_depth_ > opt_.limits.max_call_depth) {
    --call_depth_;
    return util::fail("maximum recursion depth (" + std::to_string(opt_.limits.max_call_depth) + ") exceeded");
  }
  return {};
}

Result<void> Interpreter::append(std::string& out, std::string_view text) {
  if (out.size() + text.size() > opt_.limits.max_output)
    return util::fail("output larger than " + std::to_string(opt_.limits.max_output) + " bytes");
  HEFT_TRY(charge(text.size()));
  out.append(text);
  return {};
}

Result<std::string> Interpreter::str(const Value& v) {
  if (v.is_string()) return v.str();
  std::string out;
  bool ok = js_compatible_ ? write_js_display(out, v, opt_.limits.max_output) : write_str(out, v, opt_.limits.max_output);
  if (!ok) return util::fail("string too large");
  HEFT_TRY(charge(out.size()));
  return out;
}

Result<std::string> Interpreter::render(const Vars& vars) {
  auto root = std::make_shared<Scope>();
  root->parent = globals_;
  root->vars = vars;
  std::string out;
  auto flow = exec_body(program_.body, root, out);
  // Break reference cycles (a namespace holding itself, a macro stored in the scope it closes over).
  for (auto& ns : namespaces_) ns.ns_attrs().items.clear();
  for (auto& s : closures_) s->vars.clear();
  for (auto& l : loops_) static_cast<LoopObject&>(*l).release();
  namespaces_.clear();
  closures_.clear();
  loops_.clear();
  root->vars.clear();
  if (!flow) {
    util::Error e = std::move(flow.error());
    std::string where = name_ + ":" + line_col(program_.source, e.offset.value_or(0)) + ": ";
    return util::fail(where + e.message);
  }
  return out;
}

// ---- expressions -------------------------------------------------------------

namespace {
bool v_plain(const Value& v) { return v.is_plain_sequence(); }

bool is_container(const Value& v) { return v.is_sequence() || v.is_dict() || v.is_namespace(); }

// JavaScript's `==` as @huggingface/jinja applies it to the raw values: containers by
// identity, null == undefined, a number against a numeric string by value.
bool js_equals(const Value& a, const Value& b) {
  if (is_container(a) || is_container(b)) return a.same_object(b);
  bool a_nullish = a.is_none() || a.is_undefined(), b_nullish = b.is_none() || b.is_undefined();
  if (a_nullish || b_nullish) return a_nullish && b_nullish;
  auto numeric = [](const Value& s) -> std::optional<double> {
    std::string t = s.str();
    size_t i = t.find_first_not_of(" \t\n\r\f\v"), j = t.find_last_not_of(" \t\n\r\f\v");
    if (i == std::string::npos) return 0.0;
    t = t.substr(i, j - i + 1);
    char* end = nullptr;
    double d = std::strtod(t.c_str(), &end);
    if (end != t.c_str() + t.size()) return std::nullopt;
    return d;
  };
  if (a.is_number() && b.is_string()) {
    auto d = numeric(b);
    return d && *d == a.as_float();
  }
  if (a.is_string() && b.is_number()) return js_equals(b, a);
  return equals(a, b);
}
}  // namespace

Result<Value> Interpreter::eval(const Expr& e, const ScopePtr& scope) {
  Counter c(frames_);
  if (frames_ > kMaxFrames) return fail_at(e.offset, "template nesting too deep");
  auto r = eval_inner(e, scope);
  if (!r && !r.error().offset) r.error().offset = e.offset;
  return r;
}

Result<Value> Interpreter::eval_inner(const Expr& e, const ScopePtr& scope) {
  switch (e.kind) {
    case ExprKind::Literal:
      return e.value;
    case ExprKind::Name: {
      if (const Value* v = scope->find(e.name)) return *v;
      return Value::undefined("'" + e.name + "' is undefined");
    }
    case ExprKind::List: case ExprKind::Tuple: {
      HEFT_TRY(charge(e.items.size()));
      std::vector<Value> items;
      items.reserve(e.items.size());
      for (const auto& x : e.items) items.push_back(HEFT_TRY(eval(*x, scope)));
      return e.kind == ExprKind::List ? Value::list(std::move(items)) : Value::tuple(std::move(items));
    }
    case ExprKind::Dict: {
      HEFT_TRY(charge(e.items.size()));
      DictData d;
      for (size_t i = 0; i + 1 < e.items.size(); i += 2) {
        Value k = HEFT_TRY(eval(*e.items[i], scope));
        if (k.is_list() || k.is_dict() || k.is_namespace() || k.is_undefined())
          return fail_at(e.items[i]->offset, "unhashable type: '" + type_name(k) + "'");
        Value v = HEFT_TRY(eval(*e.items[i + 1], scope));
        d.set(std::move(k), std::move(v));
      }
      return Value::make_dict(std::move(d));
    }
    case ExprKind::Getattr: {
      Value obj = HEFT_TRY(eval(*e.a, scope));
      return getattr(obj, e.name);
    }
    case ExprKind::Getitem: {
      Value obj = HEFT_TRY(eval(*e.a, scope));
      if (e.b->kind == ExprKind::Slice) {
        const Expr& s = *e.b;
        Value a = s.a ? HEFT_TRY(eval(*s.a, scope)) : Value::none();
        Value b = s.b ? HEFT_TRY(eval(*s.b, scope)) : Value::none();
        Value c = s.c ? HEFT_TRY(eval(*s.c, scope)) : Value::none();
        if (obj.is_undefined()) return std::unexpected(undefined_error(obj));
        if (!obj.is_string() && !obj.is_plain_sequence())
          return Value::undefined(quoted(type_name(obj)) + " object is not subscriptable");
        Value r = HEFT_TRY(slice(obj, a, b, c));
        HEFT_TRY(charge(r.is_string() ? r.str().size() : r.items().size()));
        return r;
      }
      Value key = HEFT_TRY(eval(*e.b, scope));
      return getitem(obj, key);
    }
    case ExprKind::Slice:
      return util::fail("a slice is only allowed inside []");
    case ExprKind::Call:
      return eval_call(e, scope);
    case ExprKind::Filter: {
      if (!e.a) return util::fail("filter without a value");
      Value v = HEFT_TRY(eval(*e.a, scope));
      CallArgs args = HEFT_TRY(eval_args(e, scope, 0));
      return filter(e.name, v, args);
    }
    case ExprKind::Test: {
      Value v = HEFT_TRY(eval(*e.a, scope));
      CallArgs args = HEFT_TRY(eval_args(e, scope, 0));
      bool r = HEFT_TRY(test(e.name, v, args));
      return Value(r != e.negated);
    }
    case ExprKind::Neg: return negate(HEFT_TRY(eval(*e.a, scope)));
    case ExprKind::Pos: return unary_plus(HEFT_TRY(eval(*e.a, scope)));
    case ExprKind::Not: return Value(!HEFT_TRY(eval(*e.a, scope)).truthy());
    case ExprKind::And: {
      Value l = HEFT_TRY(eval(*e.a, scope));
      if (!l.truthy()) return l;
      return eval(*e.b, scope);
    }
    case ExprKind::Or: {
      Value l = HEFT_TRY(eval(*e.a, scope));
      if (l.truthy()) return l;
      return eval(*e.b, scope);
    }
    case ExprKind::Binary: {
      Value l = HEFT_TRY(eval(*e.a, scope));
      Value r = HEFT_TRY(eval(*e.b, scope));
      return binary_op(*this, e.name, l, r);
    }
    case ExprKind::Compare:
      return eval_compare(e, scope);
    case ExprKind::CondExpr: {
      Value test_v = HEFT_TRY(eval(*e.a, scope));
      if (test_v.truthy()) return eval(*e.b, scope);
      if (e.c) return eval(*e.c, scope);
      return Value::undefined("the inline if-expression on line " +
                              line_col(program_.source, e.offset).substr(0, line_col(program_.source, e.offset).find(':')) +
                              " evaluated to false and no else section was defined.");
    }
  }
  return util::fail("unknown expression");
}

Result<Value> Interpreter::eval_compare(const Expr& e, const ScopePtr& scope) {
  Value left = HEFT_TRY(eval(*e.a, scope));
  for (size_t i = 0; i < e.ops.size(); ++i) {
    Value right = HEFT_TRY(eval(*e.items[i], scope));
    const std::string& op = e.ops[i];
    HEFT_TRY(charge(size_cost(left) + size_cost(right)));  // == and `in` scan whole containers
    bool ok;
    if (op == "==" || op == "!=") {
      ok = (js_compatible_ ? js_equals(left, right) : equals(left, right)) == (op == "==");
    } else if (op == "in" || op == "not in") {
      if (js_compatible_ && right.is_sequence()) {
        ok = false;
        for (const auto& x : right.items()) ok = ok || js_equals(x, left);
      } else {
        ok = HEFT_TRY(contains(right, left));
      }
      if (op == "not in") ok = !ok;
    }
    else {
      if (left.is_undefined()) return std::unexpected(undefined_error(left));
      if (right.is_undefined()) return std::unexpected(undefined_error(right));
      auto c = compare(left, right);
      if (!c) {
        std::string msg = c.error().message;
        if (size_t q = msg.find("'<'"); q != std::string::npos) msg.replace(q, 3, "'" + op + "'");
        return util::fail(msg);
      }
      ok = op == "<" ? *c < 0 : op == "<=" ? *c <= 0 : op == ">" ? *c > 0 : *c >= 0;
    }
    if (!ok) return Value(false);
    left = std::move(right);
  }
  return Value(true);
}

Result<CallArgs> Interpreter::eval_args(const Expr& e, const ScopePtr& scope, size_t skip_first) {
  CallArgs args;
  for (size_t i = skip_first; i < e.args.size(); ++i) {
    Value v = HEFT_TRY(eval(*e.args[i].value, scope));
    if (e.args[i].name.empty()) args.positional.push_back(std::move(v));
    else args.keyword.emplace_back(e.args[i].name, std::move(v));
  }
  if (e.star_args) {
    Value v = HEFT_TRY(eval(*e.star_args, scope));
    auto items = HEFT_TRY(iterate(v));
    args.positional.insert(args.positional.end(), items.begin(), items.end());
  }
  if (e.star_kwargs) {
    Value v = HEFT_TRY(eval(*e.star_kwargs, scope));
    if (!v.is_dict()) return fail_at(e.star_kwargs->offset, "argument after ** must be a mapping, not " + type_name(v));
    for (const auto& [k, val] : v.dict().items) {
      if (!k.is_string()) return fail_at(e.star_kwargs->offset, "keywords must be strings");
      args.keyword.emplace_back(k.str(), val);
    }
  }
  return args;
}

Result<Value> Interpreter::eval_call(const Expr& e, const ScopePtr& scope) {
  // obj.method(...) on a str, list or dict calls the method directly.
  if (e.a->kind == ExprKind::Getattr) {
    Value obj = HEFT_TRY(eval(*e.a->a, scope));
    if (has_method(obj, e.a->name)) {
      CallArgs args = HEFT_TRY(eval_args(e, scope, 0));
      HEFT_TRY(charge(size_cost(obj)));
      return call_method(*this, obj, e.a->name, args);
    }
    Value callee = HEFT_TRY(getattr(obj, e.a->name));
    CallArgs args = HEFT_TRY(eval_args(e, scope, 0));
    return call(callee, args);
  }
  Value callee = HEFT_TRY(eval(*e.a, scope));
  CallArgs args = HEFT_TRY(eval_args(e, scope, 0));
  return call(callee, args);
}

Result<Value> Interpreter::call(const Value& callee, CallArgs& args) {
  switch (callee.kind()) {
    case Value::Kind::Function: return callee.function().fn(*this, args);
    case Value::Kind::Object:
      if (callee.object().callable()) return callee.object().call(*this, args);
      break;
    case Value::Kind::Undefined: return std::unexpected(undefined_error(callee));
    default: break;
  }
  return util::fail("'" + type_name(callee) + "' object is not callable");
}

Result<Value> Interpreter::getattr(const Value& obj, std::string_view name) {
  switch (obj.kind()) {
    case Value::Kind::Undefined: return std::unexpected(undefined_error(obj));
    case Value::Kind::Namespace:
      if (const Value* v = obj.ns_attrs().find(name)) return *v;
      break;
    case Value::Kind::Object: return obj.object().attr(name);
    case Value::Kind::None:
      return Value::undefined("'None' has no attribute '" + std::string(name) + "'");
    case Value::Kind::Tuple:
      if (obj.is_group() && (name == "grouper" || name == "list")) return obj.items()[name == "grouper" ? 0 : 1];
      break;
    default: break;
  }
  // Python attributes (methods) come before dict keys for `a.b`.
  if (has_method(obj, name)) return bound_method(obj, name);
  if (auto why = unsafe_reason(obj, name)) return Value::undefined(*why);
  if (obj.is_dict())
    if (const Value* v = obj.dict().find(name)) return *v;
  return Value::undefined("'" + type_name(obj) + " object' has no attribute '" + std::string(name) + "'");
}

Result<Value> Interpreter::getitem(const Value& obj, const Value& key) {
  switch (obj.kind()) {
    case Value::Kind::Undefined: return std::unexpected(undefined_error(obj));
    case Value::Kind::Dict:
      if (const Value* v = obj.dict().find(key)) return *v;
      break;
    case Value::Kind::List: case Value::Kind::Tuple:
      if (key.is_integral() && v_plain(obj)) {
        auto n = static_cast<int64_t>(obj.items().size());
        int64_t i = key.as_int();
        if (i < 0) i += n;
        if (i >= 0 && i < n) return obj.items()[static_cast<size_t>(i)];
        return Value::undefined("'" + type_name(obj) + " object' has no element " + std::to_string(key.as_int()));
      }
      break;
    case Value::Kind::String:
      if (key.is_integral()) {
        const std::string& s = obj.str();
        int64_t i = key.as_int();
        if (unicode::is_ascii(s)) {
          auto n = static_cast<int64_t>(s.size());
          if (i < 0) i += n;
          if (i >= 0 && i < n) return obj.is_safe() ? Value::markup(std::string(1, s[static_cast<size_t>(i)]))
                                                    : Value(std::string(1, s[static_cast<size_t>(i)]));
        } else {
          std::u32string w = unicode::decode(s);
          auto n = static_cast<int64_t>(w.size());
          if (i < 0) i += n;
          if (i >= 0 && i < n) {
            std::string c;
            unicode::append(c, w[static_cast<size_t>(i)]);
            return obj.is_safe() ? Value::markup(std::move(c)) : Value(std::move(c));
          }
        }
        return Value::undefined("'str object' has no element " + std::to_string(key.as_int()));
      }
      break;
    case Value::Kind::None:
      if (key.is_string()) return Value::undefined("'None' has no attribute '" + key.str() + "'");
      return Value::undefined("'None' has no element " + to_repr(key));
    default: break;
  }
  // Python's sandbox falls back to attribute lookup for string keys.
  if (key.is_string()) return getattr(obj, key.str());
  return Value::undefined("'" + type_name(obj) + " object' has no element " + to_repr(key));
}

Result<Value> Interpreter::filter(std::string_view name, const Value& v, CallArgs& args) {
  FilterFn f = find_filter(name);
  if (!f) return util::fail("unknown filter '" + std::string(name) + "'");
  HEFT_TRY(charge(size_cost(v)));
  return f(*this, v, args);
}

Result<bool> Interpreter::test(std::string_view name, const Value& v, CallArgs& args) {
  TestFn t = find_test(name);
  if (!t) return util::fail("unknown test '" + std::string(name) + "'");
  HEFT_TRY(charge(size_cost(v)));
  return t(*this, v, args);
}

Result<std::vector<Value>> Interpreter::iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::List: case Value::Kind::Tuple:
      if (v.is_lazy()) return std::exchange(v.items(), {});  // a generator runs once
      return v.items();
    case Value::Kind::Dict: {
      std::vector<Value> keys;
      keys.reserve(v.dict().items.size());
      for (const auto& kv : v.dict().items) keys.push_back(kv.first);
      return keys;
    }
    case Value::Kind::String: {
      std::vector<Value> chars;
      const std::string& s = v.str();
      HEFT_TRY(charge(s.size()));
      for (size_t i = 0; i < s.size();) {
        size_t start = i;
        unicode::next(s, i);
        chars.emplace_back(s.substr(start, i - start));
      }
      return chars;
    }
    case Value::Kind::Undefined: return std::vector<Value>{};
    default: return util::fail("'" + type_name(v) + "' object is not iterable");
  }
}

// ---- statements ------------------------------------------------------------

Result<Interpreter::Flow> Interpreter::exec_body(const Body& body, const ScopePtr& scope, std::string& out) {
  Counter c(frames_);
  if (frames_ > kMaxFrames) return util::fail("template nesting too deep");
  for (const auto& s : body) {
    auto r = exec(*s, scope, out);
    if (!r) {
      if (!r.error().offset) r.error().offset = s->offset;
      return r;
    }
    if (*r != Flow::Normal) return *r;
  }
  return Flow::Normal;
}

Result<std::string> Interpreter::capture(const Body& body, const ScopePtr& scope) {
  std::string out;
  HEFT_TRY(exec_body(body, scope, out));
  return out;
}

Result<void> Interpreter::assign(const Target& t, const Value& v, Scope& scope, uint32_t offset) {
  if (!t.attr.empty()) {
    const Value* ns = scope.find(t.names[0]);
    if (!ns || !ns->is_namespace()) return fail_at(offset, "cannot assign attribute on non-namespace object");
    ns->ns_attrs().set(t.attr, v);
    return {};
  }
  if (!t.tuple) {
    scope.set(t.names[0], v);
    return {};
  }
  std::vector<Value> items = HEFT_TRY(iterate(v));
  if (v.is_undefined()) return std::unexpected(undefined_error(v));
  if (items.size() != t.names.size()) {
    if (items.size() > t.names.size())
      return fail_at(offset, "too many values to unpack (expected " + std::to_string(t.names.size()) + ")");
    return fail_at(offset, "not enough values to unpack (expected " + std::to_string(t.names.size()) + ", got " +
                               std::to_string(items.size()) + ")");
  }
  for (size_t i = 0; i < items.size(); ++i) scope.set(t.names[i], items[i]);
  return {};
}

namespace {
// Applies a filter chain (a|f|g with a == null at the innermost) to `input`.
Result<Value> apply_chain(Interpreter& in, const Expr& chain, Value input,
                          const std::function<Result<CallArgs>(const Expr&)>& args_of) {
  std::vector<const Expr*> filters;
  for (const Expr* f = &chain; f; f = f->a.get()) filters.push_back(f);
  Value v = std::move(input);
  for (auto it = filters.rbegin(); it != filters.rend(); ++it) {
    CallArgs args = HEFT_TRY(args_of(**it));
    auto r = in.filter((*it)->name, v, args);
    if (!r) {
      if (!r.error().offset) r.error().offset = (*it)->offset;
      return r;
    }
    v = std::move(*r);
  }
  return v;
}
}  // namespace

Result<Interpreter::Flow> Interpreter::exec(const Stmt& s, const ScopePtr& scope, std::string& out) {
  switch (s.kind) {
    case StmtKind::Text:
      HEFT_TRY(append(out, s.text));
      return Flow::Normal;
    case StmtKind::Print: {
      Value v = HEFT_TRY(eval(*s.expr, scope));
      if (v.is_string()) {
        HEFT_TRY(append(out, v.str()));
      } else {
        std::string text = HEFT_TRY(str(v));
        HEFT_TRY(append(out, text));
      }
      return Flow::Normal;
    }
    case StmtKind::If:
      for (const auto& [cond, body] : s.branches) {
        Value c = HEFT_TRY(eval(*cond, scope));
        if (c.truthy()) return exec_body(body, scope, out);
      }
      return exec_body(s.else_body, scope, out);
    case StmtKind::For:
      HEFT_TRY(exec_for(s, scope, out));
      return Flow::Normal;
    case StmtKind::Set: {
      Value v = HEFT_TRY(eval(*s.expr, scope));
      HEFT_TRY(assign(s.target, v, *scope, s.offset));
      return Flow::Normal;
    }
    case StmtKind::SetBlock: {
      auto inner = std::make_shared<Scope>();
      inner->parent = scope;
      Value v(HEFT_TRY(capture(s.body, inner)));
      if (s.expr) {
        v = HEFT_TRY(apply_chain(*this, *s.expr, std::move(v),
                                 [&](const Expr& f) { return eval_args(f, scope, 0); }));
      }
      HEFT_TRY(assign(s.target, v, *scope, s.offset));
      return Flow::Normal;
    }
    case StmtKind::Macro:
      scope->set(s.text, make_macro(s, scope, s.text));
      return Flow::Normal;
    case StmtKind::CallBlock: {
      // The body becomes `caller`, a macro with the call block's parameters.
      Value caller = make_macro(s, scope, "caller");
      const Expr& call_expr = *s.expr;
      Value callee = HEFT_TRY(eval(*call_expr.a, scope));
      CallArgs args = HEFT_TRY(eval_args(call_expr, scope, 0));
      args.keyword.emplace_back("caller", caller);
      Value r = HEFT_TRY(call(callee, args));
      std::string text = HEFT_TRY(str(r));
      HEFT_TRY(append(out, text));
      return Flow::Normal;
    }
    case StmtKind::FilterBlock: {
      auto inner = std::make_shared<Scope>();
      inner->parent = scope;
      Value body(HEFT_TRY(capture(s.body, inner)));
      Value v = HEFT_TRY(apply_chain(*this, *s.expr, std::move(body),
                                     [&](const Expr& f) { return eval_args(f, scope, 0); }));
      std::string text = HEFT_TRY(str(v));
      HEFT_TRY(append(out, text));
      return Flow::Normal;
    }
    case StmtKind::With: {
      auto inner = std::make_shared<Scope>();
      inner->parent = scope;
      std::vector<Value> values;
      for (const auto& [t, e] : s.assigns) values.push_back(HEFT_TRY(eval(*e, scope)));
      for (size_t i = 0; i < values.size(); ++i) HEFT_TRY(assign(s.assigns[i].first, values[i], *inner, s.offset));
      return exec_body(s.body, inner, out);
    }
    case StmtKind::Block: case StmtKind::Generation: {
      auto inner = std::make_shared<Scope>();
      inner->parent = scope;
      HEFT_TRY(exec_body(s.body, inner, out));
      return Flow::Normal;
    }
    case StmtKind::Break: return Flow::Break;
    case StmtKind::Continue: return Flow::Continue;
  }
  return Flow::Normal;
}

Result<void> Interpreter::exec_for(const Stmt& s, const ScopePtr& scope, std::string& out) {
  Value iterable = HEFT_TRY(eval(*s.expr, scope));
  auto items = iterate(iterable);
  if (!items) return fail_at(s.expr->offset, items.error().message);
  return run_loop(s, std::move(*items), scope, out, 1);
}

Result<void> Interpreter::run_loop(const Stmt& s, std::vector<Value> items, const ScopePtr& scope, std::string& out,
                                   int depth) {
  if (s.cond) {
    // `for x in xs if cond`: the filter runs first, so loop.length counts what is left.
    std::vector<Value> kept;
    for (auto& item : items) {
      HEFT_TRY(count_iterations(1));
      auto inner = std::make_shared<Scope>();
      inner->parent = scope;
      HEFT_TRY(assign(s.target, item, *inner, s.offset));
      Value c = HEFT_TRY(eval(*s.cond, inner));
      if (c.truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    auto inner = std::make_shared<Scope>();
    inner->parent = scope;
    HEFT_TRY(exec_body(s.else_body, inner, out));
    return {};
  }
  auto loop = std::make_shared<LoopObject>(items, &s, scope, depth);
  loops_.push_back(loop);  // released after the render (cycles through changed())
  Value loop_value = Value::object(loop);
  for (size_t i = 0; i < items.size(); ++i) {
    HEFT_TRY(count_iterations(1));
    loop->index = i;
    auto inner = std::make_shared<Scope>();
    inner->parent = scope;
    HEFT_TRY(assign(s.target, items[i], *inner, s.offset));
    inner->set("loop", loop_value);
    Flow f = HEFT_TRY(exec_body(s.body, inner, out));
    if (f == Flow::Break) break;
  }
  return {};
}

// ---- macros ------------------------------------------------------------------

Value Interpreter::make_macro(const Stmt& s, const ScopePtr& scope, std::string name) {
  closures_.push_back(scope);
  const Stmt* stmt = &s;
  ScopePtr closure = scope;
  return Value::function(std::move(name), [stmt, closure](Interpreter& in, CallArgs& args) -> Result<Value> {
    return in.call_macro(*stmt, closure, args);
  }, Function::Kind::Macro);
}

Result<Value> Interpreter::call_macro(const Stmt& s, const ScopePtr& closure, CallArgs& args) {
  const std::string& name = s.kind == StmtKind::Macro ? s.text : std::string("caller");
  HEFT_TRY(enter_call());
  struct Leave {
    Interpreter& in;
    ~Leave() { in.leave_call(); }
  } leave{*this};

  auto scope = std::make_shared<Scope>();
  scope->parent = closure;
  size_t n = s.params.size();
  std::vector<std::pair<std::string, Value>> kwargs = args.keyword;
  std::vector<bool> given(n, false);
  std::vector<Value> values(n);
  for (size_t i = 0; i < n && i < args.positional.size(); ++i) values[i] = args.positional[i], given[i] = true;
  for (size_t i = args.positional.size(); i < n; ++i) {
    for (auto it = kwargs.begin(); it != kwargs.end(); ++it)
      if (it->first == s.params[i].name) {
        values[i] = std::move(it->second);
        given[i] = true;
        kwargs.erase(it);
        break;
      }
  }
  bool is_caller = s.kind == StmtKind::CallBlock;
  Value caller_value = Value::undefined("No caller defined");
  if (s.uses_caller && !is_caller) {
    for (auto it = kwargs.begin(); it != kwargs.end(); ++it)
      if (it->first == "caller") {
        caller_value = std::move(it->second);
        kwargs.erase(it);
        break;
      }
  }
  DictData kw;
  if (s.uses_kwargs) {
    for (auto& [k, v] : kwargs) kw.set(k, std::move(v));
    kwargs.clear();
  }
  if (!kwargs.empty()) {
    if (kwargs[0].first == "caller")
      return util::fail("macro '" + name + "' was invoked with a caller but does not use caller()");
    return util::fail("macro '" + name + "' takes no keyword argument '" + kwargs[0].first + "'");
  }
  std::vector<Value> extra;
  if (args.positional.size() > n) {
    if (!s.uses_varargs)
      return util::fail("macro '" + name + "' takes not more than " + std::to_string(n) + " argument(s)");
    extra.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(n), args.positional.end());
  }
  // Parameters bind in order; a default may use the parameters before it.
  for (size_t i = 0; i < n; ++i) {
    if (!given[i]) {
      if (s.params[i].default_value) values[i] = HEFT_TRY(eval(*s.params[i].default_value, scope));
      else values[i] = Value::undefined("parameter '" + s.params[i].name + "' was not provided");
    }
    scope->set(s.params[i].name, values[i]);
  }
  if (s.uses_caller && !is_caller) scope->set("caller", caller_value);
  if (s.uses_varargs) scope->set("varargs", Value::tuple(std::move(extra)));
  if (s.uses_kwargs) scope->set("kwargs", Value::make_dict(std::move(kw)));
  std::string out = HEFT_TRY(capture(s.body, scope));
  return Value(std::move(out));
}

}  // namespace heft::jinja
