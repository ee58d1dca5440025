// libFuzzer target: parses the input as a Jinja template and renders it with a
// small chat context. Must never crash, hang or exhaust memory: the sandbox
// limits (loop iterations, recursion, output, work) bound every render, and
// the template is at most kMaxSource bytes.
// Seed with ../shared/templates/*.jinja; fuzz/fuzz_jinja.dict has the syntax.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "jinja/template.h"

namespace {

using heft::jinja::DictData;
using heft::jinja::Value;

Value message(const char* role, Value content) {
  DictData d;
  d.set(Value("role"), Value(role));
  d.set(Value("content"), std::move(content));
  return Value::make_dict(std::move(d));
}

// Built for every input: a template may pop() the lists it is given.
heft::jinja::Vars context() {
  DictData part;
  part.set(Value("type"), Value("text"));
  part.set(Value("text"), Value("part"));
  DictData fn;
  fn.set(Value("name"), Value("get_weather"));
  fn.set(Value("arguments"), Value::make_dict({{{Value("city"), Value("Paris")}}}));
  DictData call;
  call.set(Value("id"), Value("abc123def"));
  call.set(Value("type"), Value("function"));
  call.set(Value("function"), Value::make_dict(std::move(fn)));
  Value assistant = message("assistant", Value(""));
  DictData a = assistant.dict();
  a.set(Value("tool_calls"), Value::list({Value::make_dict(std::move(call))}));
  DictData tool;
  tool.set(Value("type"), Value("function"));
  tool.set(Value("function"), Value::make_dict({{{Value("name"), Value("get_weather")},
                                                 {Value("description"), Value("Weather, 1.5 °C")}}}));
  return {
      {"messages", Value::list({message("system", Value("Be brief.")), message("user", Value("Hi ✓")),
                                Value::make_dict(std::move(a)), message("tool", Value("{\"t\": 18}")),
                                message("user", Value::list({Value::make_dict(std::move(part))}))})},
      {"tools", Value::list({Value::make_dict(std::move(tool))})},
      {"add_generation_prompt", Value(true)},
      {"bos_token", Value("<s>")},
      {"eos_token", Value("</s>")},
      {"n", Value(int64_t{3})},
      {"x", Value(2.5)},
  };
}

}  // namespace

// Lexing and parsing cost about 0.3 us a byte under ASan and the fuzzer's
// instrumentation (rendering is a few percent of the time), so the template
// is cut here: 47 of the 57 real templates are shorter, and the cut ones
// still parse up to the cut. scripts/fuzz passes the same -max_len.
constexpr size_t kMaxSource = 8192;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view source(reinterpret_cast<const char*>(data), std::min(size, kMaxSource));
  auto tmpl = heft::jinja::Template::parse(source, "fuzz.jinja");
  if (!tmpl) return 0;
  heft::jinja::RenderOptions opt;
  // Far tighter than the defaults, so that no input runs longer than a few
  // milliseconds, yet roomy for the real templates: with this context their
  // renders are a few KB and a few hundred loop iterations.
  opt.limits.max_output = size_t{64} << 10;
  opt.limits.max_iterations = 4096;
  opt.limits.max_work = uint64_t{1} << 20;
  opt.limits.max_call_depth = 32;
  opt.now = [] {
    std::tm tm{};
    tm.tm_year = 126;
    tm.tm_mon = 10;
    tm.tm_mday = 26;
    return tm;
  };
  auto out = tmpl->render(context(), opt);
  (void)out;
  return 0;
}
