// Template snippets with the output Python Jinja2 3.1 gives when configured
// like transformers (tests/jinja/cases.json; the expected outputs were made
// and are re-checked by tests/reference/jinja_cases.py, never by heft).
#include <gtest/gtest.h>

#include "jinja/json_value.h"
#include "jinja/template.h"
#include "support/test_paths.h"
#include "util/json.h"
#include "util/mapped_file.h"

namespace heft::jinja {
namespace {

std::tm fixed_day() {
  std::tm tm{};
  tm.tm_year = 2026 - 1900;
  tm.tm_mon = 10;
  tm.tm_mday = 26;
  tm.tm_wday = 4;    // a Thursday
  tm.tm_yday = 329;  // day 330 of the year
  return tm;
}

TEST(JinjaCases, MatchPythonJinja2) {
  auto text = util::read_file(test::source("tests/jinja/cases.json"));
  ASSERT_TRUE(text) << text.error().to_string();
  auto cases = util::Json::parse(*text);
  ASSERT_TRUE(cases) << cases.error().to_string();
  ASSERT_GT(cases->as_array().size(), 100u);
  RenderOptions opt;
  opt.now = fixed_day;
  int checked = 0;
  for (const auto& c : cases->as_array()) {
    std::string name = c.get_string("name");
    SCOPED_TRACE(name);
    Vars vars;
    if (const util::Json* ctx = c.find("context"))
      for (const auto& [k, v] : ctx->as_object()) vars.emplace_back(k, from_json(v));
    auto tmpl = Template::parse(c.get_string("template"), "case.jinja");
    util::Result<std::string> out = tmpl ? tmpl->render(vars, opt) : util::Result<std::string>(std::unexpected(tmpl.error()));
    if (const util::Json* want = c.find("output")) {
      ASSERT_TRUE(want->is_string()) << "case without a Python output: run tests/reference/jinja_cases.py --update";
      EXPECT_TRUE(out.has_value()) << name << ": " << out.error().message;
      if (out) {
        EXPECT_EQ(*out, want->as_string()) << name;
      }
    } else {
      ASSERT_TRUE(c.find("error")) << name;
      EXPECT_FALSE(out.has_value()) << name << " rendered: " << *out;
      if (!out) {
        EXPECT_NE(out.error().message.find(c.get_string("error")), std::string::npos)
            << name << ": " << out.error().message;
        // Every error names the template position.
        EXPECT_EQ(out.error().message.rfind("case.jinja:", 0), 0u) << out.error().message;
      }
    }
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(cases->as_array().size()));
}

}  // namespace
}  // namespace heft::jinja
