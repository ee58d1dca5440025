#pragma once
// Runs a parsed template. Scoping follows Jinja2: a for-loop iteration, a
// macro call, {% with %} and {% block %} open a scope; {% if %} does not; a
// `set` writes into the innermost scope (namespaces are how templates carry
// values out of a loop). Everything is bounded by Limits, and every failure
// is an Error value naming the template position.
#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jinja/ast.h"
#include "jinja/parser.h"
#include "jinja/value.h"
#include "util/error.h"

namespace heft::jinja {

// Sandbox bounds (docs/jinja.md). A template that exceeds one fails with an error.
struct Limits {
  size_t max_output = size_t{16} << 20;      // bytes of output, and of any one string or captured block
  uint64_t max_iterations = 1'000'000;       // loop iterations (and items filters walk), all loops together
  int max_call_depth = 256;                  // nested macro, caller() and recursive-loop calls
  uint64_t max_work = uint64_t{1} << 28;     // bytes/items created by string and list operations
};

using Vars = std::vector<std::pair<std::string, Value>>;

struct RenderOptions {
  Limits limits;
  // "now" for strftime_now(); empty: the real local time.
  std::function<std::tm()> now;
  // When Python Jinja2 would fail with a TypeError that @huggingface/jinja
  // renders through (`"text" + list`, e.g. content given as a list of parts),
  // render again in the JS-compatible mode, so the output is the one the
  // reference renderer gives instead of an error (docs/jinja.md).
  bool js_fallback = true;
};

struct Scope {
  std::shared_ptr<Scope> parent;
  Vars vars;

  const Value* find(std::string_view name) const;
  void set(std::string_view name, Value v);
};
using ScopePtr = std::shared_ptr<Scope>;

// Two modes: Python (Jinja2 as transformers runs it; the default) and
// JS-compatible, which spells values and concatenates as @huggingface/jinja
// does: {{ }} prints a list or dict as JSON and booleans as true/false, `+`
// and `~` use JavaScript's String() (a list joins with ",", a dict is
// "[object Map]"), tojson writes 1.0 as 1.
class Interpreter {
 public:
  Interpreter(const Program& program, std::string name, const RenderOptions& options, bool js_compatible = false);
  ~Interpreter();

  util::Result<std::string> render(const Vars& vars);

  // ---- services for filters, tests, methods and globals -------------------
  util::Result<Value> call(const Value& callee, CallArgs& args);
  util::Result<Value> getattr(const Value& obj, std::string_view name);
  util::Result<Value> getitem(const Value& obj, const Value& key);
  util::Result<Value> filter(std::string_view name, const Value& v, CallArgs& args);
  util::Result<bool> test(std::string_view name, const Value& v, CallArgs& args);
  // Values a for-loop would visit (list items, dict keys, string characters).
  util::Result<std::vector<Value>> iterate(const Value& v);
  // str(v), bounded by the output limit.
  util::Result<std::string> str(const Value& v);
  // Counts work done by an operation that creates `units` bytes or items.
  util::Result<void> charge(uint64_t units);
  util::Result<void> count_iterations(uint64_t n);
  const Limits& limits() const { return opt_.limits; }
  bool js_compatible() const { return js_compatible_; }
  // A generator / iterator / dict view in Python mode; a plain list in the JS-compatible mode.
  Value lazy(std::vector<Value> items, Flavor flavor, const char* origin = "") const {
    return js_compatible_ ? Value::list(std::move(items)) : Value::lazy(std::move(items), flavor, origin);
  }
  // Python mode met an error that the JS-compatible mode renders through.
  void suggest_js_compatible() { js_suggested_ = true; }
  bool js_suggested() const { return js_suggested_; }
  std::tm now() const;
  // Keeps a namespace so its contents can be released after the render (a
  // namespace can hold itself; this breaks the cycle).
  void track_namespace(const Value& ns) { namespaces_.push_back(ns); }

  // Output of a block of statements run in `scope` (macro bodies, caller(), recursive loops).
  util::Result<std::string> capture(const Body& body, const ScopePtr& scope);
  // Runs a for-loop over `items` (also used by `loop(...)` in recursive loops).
  util::Result<void> run_loop(const Stmt& s, std::vector<Value> items, const ScopePtr& scope, std::string& out,
                              int depth);
  util::Result<void> enter_call();
  void leave_call() { --call_depth_; }

 private:
  enum class Flow { Normal, Break, Continue };

  util::Result<Value> eval(const Expr& e, const ScopePtr& scope);
  util::Result<Value> eval_inner(const Expr& e, const ScopePtr& scope);
  util::Result<Value> eval_call(const Expr& e, const ScopePtr& scope);
  util::Result<CallArgs> eval_args(const Expr& e, const ScopePtr& scope, size_t skip_first);
  util::Result<Value> eval_compare(const Expr& e, const ScopePtr& scope);
  util::Result<Flow> exec_body(const Body& body, const ScopePtr& scope, std::string& out);
  util::Result<Flow> exec(const Stmt& s, const ScopePtr& scope, std::string& out);
  util::Result<void> exec_for(const Stmt& s, const ScopePtr& scope, std::string& out);
  util::Result<void> assign(const Target& t, const Value& v, Scope& scope, uint32_t offset);
  util::Result<void> append(std::string& out, std::string_view text);
  Value make_macro(const Stmt& s, const ScopePtr& scope, std::string name);
  util::Result<Value> call_macro(const Stmt& s, const ScopePtr& closure, CallArgs& args);

  const Program& program_;
  std::string name_;
  RenderOptions opt_;
  ScopePtr globals_;
  uint64_t iterations_ = 0;
  uint64_t work_ = 0;
  int call_depth_ = 0;
  int frames_ = 0;  // C++ recursion depth of eval/exec
  bool js_compatible_ = false;
  bool js_suggested_ = false;
  // Released after the render to break reference cycles (see render()).
  std::vector<Value> namespaces_;
  std::vector<ScopePtr> closures_;
  std::vector<std::shared_ptr<Object>> loops_;
};

// raise_exception(msg) errors say "raise_exception: msg" after the position.
bool is_raised(const util::Error& e);
constexpr std::string_view kRaisedPrefix = "raise_exception: ";

}  // namespace heft::jinja
