// Interpreter behaviour that the Python-checked cases (cases_test.cpp) cannot
// show: error positions, the sandbox limits, the JS-compatible mode and the
// two-pass fallback, caller-visible side effects.
#include <gtest/gtest.h>

#include "jinja/interpreter.h"
#include "jinja/parser.h"
#include "jinja/template.h"

namespace heft::jinja {
namespace {

util::Result<std::string> render(std::string_view src, const Vars& vars = {}, RenderOptions opt = {}) {
  auto t = Template::parse(src, "t.jinja");
  if (!t) return std::unexpected(t.error());
  return t->render(vars, opt);
}

std::string error_of(std::string_view src, const Vars& vars = {}, RenderOptions opt = {}) {
  auto r = render(src, vars, opt);
  EXPECT_FALSE(r.has_value()) << "rendered: " << (r ? *r : "");
  return r ? "" : r.error().message;
}

TEST(JinjaErrors, SyntaxErrorsNameLineAndColumn) {
  EXPECT_EQ(error_of("line one\n  {{ x |}}"), "t.jinja:2:9: expected a name (found '}}')");
  EXPECT_EQ(error_of("{% for x in y %}\n{% endif %}"), "t.jinja:2:4: unexpected 'endif' tag");
  EXPECT_EQ(error_of("{% if x %}\nabc"), "t.jinja:2:4: unexpected end of template, expected 'endif'");
  EXPECT_EQ(error_of("{{ 'unterminated }}"), "t.jinja:1:4: unterminated string");
  EXPECT_EQ(error_of("a {# no end"), "t.jinja:1:3: missing end of comment tag");
  EXPECT_EQ(error_of("{{ (1 + 2 }}"), "t.jinja:1:11: unexpected '}', expected ')'");
  EXPECT_EQ(error_of("{% nosuchtag %}"), "t.jinja:1:4: unknown tag 'nosuchtag'");
  EXPECT_EQ(error_of("{% include 'x.jinja' %}"),
            "t.jinja:1:4: 'include' is not supported: a chat template cannot load other templates");
  // Columns count characters, not bytes.
  EXPECT_EQ(error_of("é€{{ 1 + }}"), "t.jinja:1:10: unexpected token in expression (found '}}')");
  // \r\n counts as one line break.
  EXPECT_EQ(error_of("a\r\nb\r\n{{ ) }}"), "t.jinja:3:4: unexpected ')'");
}

TEST(JinjaErrors, RuntimeErrorsNameTheFailingExpression) {
  EXPECT_EQ(error_of("{% if true %}\n    {{ 1|foo }}\n{% endif %}"), "t.jinja:2:10: unknown filter 'foo'");
  EXPECT_EQ(error_of("ok\n{{ u.x }}"), "t.jinja:2:5: 'u' is undefined");
  EXPECT_EQ(error_of("{% set d = {} %}{{ d.a.b }}"), "t.jinja:1:23: 'dict object' has no attribute 'a'");
  EXPECT_EQ(error_of("{{ 1 -\n 'a' }}"), "t.jinja:1:6: unsupported operand type(s) for -: 'int' and 'str'");
  EXPECT_EQ(error_of("{% for m in none %}{% endfor %}"), "t.jinja:1:13: 'NoneType' object is not iterable");
  EXPECT_EQ(error_of("\n  {{- raise_exception('System role not supported') }}"),
            "t.jinja:2:7: raise_exception: System role not supported");
  EXPECT_EQ(error_of("{% macro m() %}{{ 1 / 0 }}{% endmacro %}\n{{ m() }}"), "t.jinja:1:21: division by zero");
}

TEST(JinjaErrors, RaisedExceptionsAreRecognisable) {
  auto r = render("{{ raise_exception('no') }}");
  ASSERT_FALSE(r);
  EXPECT_TRUE(is_raised(r.error()));
  auto r2 = render("{{ 'raise_exception: ' ~ x.y }}");
  ASSERT_FALSE(r2);
  EXPECT_FALSE(is_raised(r2.error()));
}

TEST(JinjaLimits, LoopIterationsAreBounded) {
  RenderOptions opt;
  opt.limits.max_iterations = 1000;
  EXPECT_NE(error_of("{% for i in range(100) %}{% for j in range(100) %}{% endfor %}{% endfor %}", {}, opt)
                .find("more than 1000 loop iterations"),
            std::string::npos);
  EXPECT_TRUE(render("{% for i in range(10) %}{% for j in range(99) %}{% endfor %}{% endfor %}", {}, opt));
  // The default bound stops a nested loop of 10^10 iterations quickly.
  EXPECT_NE(error_of("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}")
                .find("loop iterations"),
            std::string::npos);
}

TEST(JinjaLimits, RecursionIsBounded) {
  EXPECT_NE(error_of("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}").find("maximum recursion depth"),
            std::string::npos);
  EXPECT_NE(error_of("{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}").find("maximum recursion depth"),
            std::string::npos);
  RenderOptions opt;
  opt.limits.max_call_depth = 10;
  EXPECT_TRUE(render("{% macro m(n) %}{% if n > 0 %}{{ m(n - 1) }}{% endif %}{% endmacro %}{{ m(9) }}", {}, opt));
  EXPECT_FALSE(render("{% macro m(n) %}{% if n > 0 %}{{ m(n - 1) }}{% endif %}{% endmacro %}{{ m(10) }}", {}, opt));
}

TEST(JinjaLimits, OutputAndWorkAreBounded) {
  RenderOptions opt;
  opt.limits.max_output = 1000;
  EXPECT_NE(error_of("{% for i in range(2000) %}x{% endfor %}", {}, opt).find("output larger than 1000 bytes"),
            std::string::npos);
  EXPECT_NE(error_of("{{ 'x' * 5000 }}", {}, opt).find("too large"), std::string::npos);
  // Doubling a string grows exponentially: stopped by the size bound, not by memory.
  EXPECT_FALSE(render("{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"));
  // Quadratic list building is stopped by the work bound.
  opt = {};
  opt.limits.max_work = 100000;
  EXPECT_NE(error_of("{% set ns = namespace(l=[]) %}{% for i in range(10000) %}{% set ns.l = ns.l + [i] %}{% endfor %}",
                     {}, opt)
                .find("too much work"),
            std::string::npos);
  EXPECT_NE(error_of("{{ range(100001)|length }}").find("Range too big"), std::string::npos);
}

TEST(JinjaLimits, DeepNestingIsAnErrorNotACrash) {
  std::string parens = std::string(5000, '(') + "1" + std::string(5000, ')');
  EXPECT_NE(error_of("{{ " + parens + " }}").find("nesting too deep"), std::string::npos);
  std::string chain = "{{ 1";
  for (int i = 0; i < 20000; ++i) chain += " + 1";
  EXPECT_NE(error_of(chain + " }}").find("nested too deeply"), std::string::npos);
  std::string ifs;
  for (int i = 0; i < 2000; ++i) ifs += "{% if true %}";
  EXPECT_NE(error_of(ifs).find("nesting too deep"), std::string::npos);
  std::string filters = "{{ 'x'";
  for (int i = 0; i < 5000; ++i) filters += "|trim";
  EXPECT_NE(error_of(filters + " }}").find("nested too deeply"), std::string::npos);
  // Just under the limits renders.
  std::string ok = "{{ 1";
  for (int i = 0; i < 300; ++i) ok += " + 1";
  EXPECT_EQ(render(ok + " }}").value_or("?"), "301");
}

TEST(JinjaLimits, StackDepthIsBoundedWhateverTheCallLimit) {
  // With the call limit lifted, the interpreter's own frame bound still stops the recursion.
  RenderOptions opt;
  opt.limits.max_call_depth = 1 << 30;
  std::string deep_expr = "1";
  for (int i = 0; i < 400; ++i) deep_expr = "(" + deep_expr + " + n)";
  auto r = render("{% macro m(n) %}{{ " + deep_expr + " }}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}", {}, opt);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("nesting too deep"), std::string::npos) << r.error().message;
  auto r2 = render("{% macro m(n) %}{% for x in [1] %}{% if true %}{% call m(n + 1) %}{% endcall %}{% endif %}"
                   "{% endfor %}{% endmacro %}{{ m(0) }}", {}, opt);
  ASSERT_FALSE(r2);
}

TEST(JinjaLimits, SelfContainingNamespaceDoesNotHang) {
  auto r = render("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns.me is defined }}{{ ns.me.me.me is defined }}");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "TrueTrue");
  auto printed = render("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}");
  ASSERT_TRUE(printed);
  EXPECT_NE(printed->find("..."), std::string::npos);
}

// In the JS-compatible mode values print and concatenate as @huggingface/jinja 0.5.11 does
// (expected strings from running that package on the same templates).
std::string render_js(std::string_view src) {
  auto p = parse(src);
  EXPECT_TRUE(p) << p.error().message;
  Interpreter in(*p, "t.jinja", {}, /*js_compatible=*/true);
  auto r = in.render({});
  EXPECT_TRUE(r) << r.error().message;
  return r ? *r : "";
}

TEST(JinjaJsCompatible, SpellsLikeHuggingfaceJinja) {
  EXPECT_EQ(render_js("{{ [true, none, 1.0, 'x', {'a': 1.5}] }}"), "[true, null, 1, \"x\", {\"a\": 1.5}]");
  EXPECT_EQ(render_js("{{ 'a' + [1, 'b', 2.0, [3], {'k': 'v'}] }}"), "a1,b,2.0,[3],{\"k\": \"v\"}");
  EXPECT_EQ(render_js("{{ 'n' + 1.0 }}|{{ 'd' + {'a': 1} }}|{{ true }}|{{ 1.0 }}"), "n1|d[object Map]|true|1.0");
  EXPECT_EQ(render_js("{{ {'a': 1.0}|tojson }}|{{ 'x' ~ [1, 2] }}|{{ none }}"), "{\"a\": 1}|x1,2|");
  // JavaScript's == on raw values: containers by identity, null == undefined, 1 == '1'.
  EXPECT_EQ(render_js("{% set a = {'x': 1} %}{% set b = {'x': 1} %}{{ a == b }}{{ a == a }}{{ none == u }}"
                      "{{ 1 == '1' }}{{ a in [b] }}{{ a in [a] }}{{ [1] == [1] }}"),
            "falsetruetruetruefalsetruefalse");
  // No Markup in JavaScript; strip() ignores its argument there.
  EXPECT_EQ(render_js("{{ ('<'|safe) + '<' }}|{{ 'xxaxx'.strip('x') }}|{{ 'aB'.capitalize() }}"), "<<|xxaxx|AB");
}

TEST(JinjaJsCompatible, UsedOnlyWhenPythonFailsOnConcatenation) {
  Vars vars = {{"parts", Value::list({Value("a"), Value("b")})}};
  // Python renders this: Python spelling.
  EXPECT_EQ(render("{{ parts }} {{ true }}", vars).value_or("?"), "['a', 'b'] True");
  // Python raises a TypeError on str + list; the JS-compatible pass renders the whole template.
  EXPECT_EQ(render("{{ parts }} {{ 'x: ' + parts }}", vars).value_or("?"), "[\"a\", \"b\"] x: a,b");
  RenderOptions strict;
  strict.js_fallback = false;
  EXPECT_EQ(error_of("{{ 'x: ' + parts }}", vars, strict), "t.jinja:1:10: can only concatenate str (not \"list\") to str");
  // Other errors are not retried.
  EXPECT_EQ(error_of("{{ 'x: ' + none }}", vars), "t.jinja:1:10: can only concatenate str (not \"NoneType\") to str");
}

TEST(JinjaJsCompatible, SecondPassStartsFromTheCallersValues) {
  Vars vars = {{"q", Value::list({Value(int64_t{1}), Value(int64_t{2}), Value(int64_t{3})})}};
  // The first pass pops an item, then fails; the second must see all three items again.
  auto r = render("{{ q.pop(0) }}{{ q|length }}{{ 'x' + q }}", vars);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "12x2,3");
  EXPECT_EQ(vars[0].second.items().size(), 2u);  // Python semantics: the template's pop() is seen by the caller
}

TEST(JinjaTemplate, ParseOnceRenderMany) {
  auto t = Template::parse("{% for m in messages %}[{{ m }}]{% endfor %}{{ extra|default('') }}");
  ASSERT_TRUE(t);
  for (int i = 0; i < 3; ++i) {
    Vars v = {{"messages", Value::list({Value(int64_t{i}), Value("x")})}};
    std::string want = "[";
    want += std::to_string(i);
    want += "][x]";
    EXPECT_EQ(t->render(v).value_or("?"), want);
  }
  EXPECT_EQ(t->render({{"extra", Value("!")}}).value_or("?"), "!");
}

TEST(JinjaTemplate, RenderVariablesShadowGlobals) {
  Vars v = {{"range", Value("mine")}, {"raise_exception", Value("not a function")}};
  EXPECT_EQ(render("{{ range }}|{{ raise_exception }}", v).value_or("?"), "mine|not a function");
}

TEST(JinjaTemplate, StrftimeNowUsesTheGivenClock) {
  RenderOptions opt;
  opt.now = [] {
    std::tm tm{};
    tm.tm_year = 2026 - 1900;
    tm.tm_mon = 10;
    tm.tm_mday = 26;
    tm.tm_wday = 4;
    return tm;
  };
  EXPECT_EQ(render("{{ strftime_now('%d %b %Y, %A') }}", {}, opt).value_or("?"), "26 Nov 2026, Thursday");
  // The real clock gives a four-digit year.
  auto real = render("{{ strftime_now('%Y') }}");
  ASSERT_TRUE(real);
  EXPECT_EQ(real->size(), 4u);
}

}  // namespace
}  // namespace heft::jinja
