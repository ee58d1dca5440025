#pragma once
// The parsed template: expressions and statements as plain tree nodes. Every
// node keeps the byte offset it came from, so errors can name line and column.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "jinja/value.h"

namespace heft::jinja {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class ExprKind : uint8_t {
  Literal,    // value
  Name,       // name
  List,       // items
  Tuple,      // items
  Dict,       // items as key, value, key, value...
  Getattr,    // a.name
  Getitem,    // a[b]
  Slice,      // a[b:c:d]  (absent parts are null)
  Call,       // a(args)
  Filter,     // a|name(args); a is null inside {% filter %} and {% set x | f %}
  Test,       // a is [not] name(args)   (negated)
  Neg, Pos, Not,  // a
  Binary,     // a op b: + - * / // % ** ~
  Compare,    // a op b op c ...: items hold the right operands, ops the operators
  And, Or,    // a b
  CondExpr,   // b if a else c (c may be null)
};

struct Arg {
  std::string name;  // empty for positional
  ExprPtr value;
};

struct Expr {
  ExprKind kind;
  uint32_t offset = 0;
  Value value;                  // Literal
  std::string name;             // Name, Getattr, Filter, Test; Binary operator
  ExprPtr a, b, c;
  std::vector<ExprPtr> items;   // List, Tuple, Dict, Compare operands
  std::vector<std::string> ops; // Compare operators ("==", "in", "not in", ...)
  std::vector<Arg> args;        // Call, Filter, Test
  ExprPtr star_args, star_kwargs;  // f(*x, **y)
  bool negated = false;         // Test
  uint16_t depth = 1;           // height of this subtree (bounded by the parser)

  Expr(ExprKind k, uint32_t off) : kind(k), offset(off) {}
};

// What {% set %}, {% for %} and {% with %} assign to.
struct Target {
  std::vector<std::string> names;  // one name, or several for tuple unpacking
  bool tuple = false;              // `a, b` (even with one name: `a,`)
  std::string attr;                // {% set ns.attr = ... %}: names[0] is the namespace
};

struct Param {
  std::string name;
  ExprPtr default_value;  // may be null
};

enum class StmtKind : uint8_t {
  Text,       // text
  Print,      // {{ expr }}
  If,         // branches (cond, body); else_body
  For,        // target in expr [if cond] body else_body; recursive
  Set,        // target = expr
  SetBlock,   // {% set target | filters %} body {% endset %}; expr: filter chain or null
  Macro,      // text = name; params; body
  CallBlock,  // {% call(params) expr %} body
  FilterBlock,// {% filter expr %} body  (expr is the filter chain applied to the body)
  With,       // {% with targets = values %} body
  Block,      // {% block name %}: rendered in place, with its own scope
  Generation, // {% generation %}: transformers' AssistantTracker; renders the body
  Break,
  Continue,
};

struct Stmt {
  StmtKind kind;
  uint32_t offset = 0;
  std::string text;
  ExprPtr expr;                 // Print, For (iterable), Set, CallBlock (the call), FilterBlock, SetBlock
  ExprPtr cond;                 // For's `if`
  Target target;                // For, Set, SetBlock
  std::vector<std::pair<ExprPtr, Body>> branches;  // If / elif
  Body body, else_body;
  std::vector<Param> params;    // Macro, CallBlock
  std::vector<std::pair<Target, ExprPtr>> assigns;  // With
  bool recursive = false;       // For
  // Macro: does the body mention `caller`, `varargs`, `kwargs`? (Jinja2 only accepts
  // extra arguments when it does.)
  bool uses_caller = false, uses_varargs = false, uses_kwargs = false;

  Stmt(StmtKind k, uint32_t off) : kind(k), offset(off) {}
};

}  // namespace heft::jinja
