// The 57 real chat templates in ../shared/templates against their reference
// renders (renders-dev.json: @huggingface/jinja 0.5.11; renders-dev-jinja2.json:
// Python Jinja2 3.1.2 configured like transformers, for the renders the npm
// package cannot do).
//
// Which reference a render is held to:
//  - @huggingface/jinja rendered it: its output, except where Python Jinja2
//    renders the same input differently. Those few print a Python list/dict
//    or a Markup concatenation, which JavaScript spells differently; Python's
//    spelling is what transformers users get, so Python (run live through
//    tests/reference/jinja2_render.py with Debian's python3-jinja2) is the
//    reference there. Where Python raises instead (e.g. `str + list`), heft
//    follows @huggingface/jinja (docs/jinja.md), so its output is the reference.
//  - @huggingface/jinja raised raise_exception(): heft must raise it too.
//  - @huggingface/jinja failed in its engine: renders-dev-jinja2.json's output,
//    or its raise_exception; where Python failed as well there is no reference
//    and heft only has to return (an output or an error, never a crash).
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <tuple>

#include "chat/template.h"
#include "jinja/interpreter.h"
#include "support/test_paths.h"
#include "util/json.h"
#include "util/mapped_file.h"

namespace heft::chat {
namespace {

using util::Json;

Json load(const std::string& rel) {
  auto text = util::read_file(test::shared(rel));
  EXPECT_TRUE(text) << text.error().to_string();
  if (!text) return Json();
  auto j = Json::parse(*text, rel);
  EXPECT_TRUE(j) << j.error().to_string();
  return j ? *j : Json();
}

std::string python() {
  // Debian's python3-jinja2 (scripts/setup); another python3 may lack jinja2 or have another version.
  if (std::FILE* f = std::fopen("/usr/bin/python3", "rb")) {
    std::fclose(f);
    return "/usr/bin/python3";
  }
  return "python3";
}

struct Record {
  std::string tmpl, conversation;
  bool agp;
  const Json* rec;
  Json context;
};

TEST(ChatTemplateRenders, DevReferences) {
  Json renders = load("templates/renders-dev.json");
  Json jinja2 = load("templates/renders-dev-jinja2.json");
  Json ctx = load("templates/render-context.json");
  Json convs = load("templates/conversations.json");
  ASSERT_EQ(renders.as_array().size(), 684u);

  std::map<std::string, const Json*> conv_by_id;
  for (const auto& c : convs.find("conversations")->as_array()) conv_by_id[c.get_string("id")] = &c;
  std::map<std::tuple<std::string, std::string, bool>, const Json*> second;
  for (const auto& r : jinja2.as_array())
    second[{r.get_string("template"), r.get_string("conversation"), r.get_bool("add_generation_prompt", false)}] = &r;

  std::vector<Record> records;
  Json jobs = Json::array();
  for (const auto& r : renders.as_array()) {
    Record rec{r.get_string("template"), r.get_string("conversation"), r.get_bool("add_generation_prompt", false), &r,
               Json::object()};
    std::string stem = rec.tmpl.substr(0, rec.tmpl.size() - 6);
    const Json* tc = ctx.find("templates")->find(stem);
    ASSERT_TRUE(tc) << stem;
    const Json* conv = conv_by_id.at(rec.conversation);
    rec.context.set("messages", *conv->find("messages"));
    rec.context.set("tools", conv->find("tools") ? *conv->find("tools") : Json());
    rec.context.set("add_generation_prompt", Json(rec.agp));
    rec.context.set("bos_token", *tc->find("bos_token"));
    rec.context.set("eos_token", *tc->find("eos_token"));
    rec.context.set("date_string", Json("26 Nov 2026"));
    Json job = Json::object();
    job.set("template_file", Json(test::shared("templates/" + rec.tmpl)));
    job.set("context", rec.context);
    jobs.push_back(std::move(job));
    records.push_back(std::move(rec));
  }

  // Python Jinja2's renders of the same inputs, to find where its spelling differs.
  Json request = Json::object();
  request.set("now", Json("2026-11-26"));
  request.set("jobs", std::move(jobs));
  auto py = test::run_command(python() + " " + test::shell_quote(test::source("tests/reference/jinja2_render.py")),
                              request.dump());
  ASSERT_EQ(py.status, 0) << "python3-jinja2 is needed (scripts/setup installs it): " << py.err;
  auto py_out = Json::parse(py.out, "jinja2_render.py");
  ASSERT_TRUE(py_out && py_out->is_array() && py_out->as_array().size() == records.size());

  auto fixed = parse_now("2026-11-26");
  ASSERT_TRUE(fixed);
  jinja::RenderOptions opt;
  opt.now = [tm = *fixed] { return tm; };
  std::map<std::string, Template> parsed;

  int matched_hf = 0, matched_python_spelling = 0, matched_jinja2 = 0, raised = 0, no_reference = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& rec = records[i];
    std::string what = rec.tmpl + " / " + rec.conversation + (rec.agp ? " / gen" : " / no-gen");
    if (!parsed.count(rec.tmpl)) {
      auto src = util::read_file(test::shared("templates/" + rec.tmpl));
      ASSERT_TRUE(src);
      auto t = Template::parse(*src, rec.tmpl);
      ASSERT_TRUE(t) << t.error().message;
      parsed.emplace(rec.tmpl, std::move(*t));
    }
    auto out = parsed.at(rec.tmpl).render_context(rec.context, opt);
    const Json& r = *rec.rec;
    const Json& p = py_out->as_array()[i];
    std::string kind = r.get_string("error_kind");
    if (const Json* want = r.find("output")) {
      const Json* py_text = p.find("output");
      bool python_differs = py_text && py_text->as_string() != want->as_string();
      const std::string& expected = python_differs ? py_text->as_string() : want->as_string();
      ASSERT_TRUE(out) << what << ": " << out.error().message;
      EXPECT_EQ(*out, expected) << what << (python_differs ? " (reference: Python Jinja2)" : "");
      if (*out == expected) ++(python_differs ? matched_python_spelling : matched_hf);
    } else if (kind == "raise_exception") {
      ASSERT_FALSE(out) << what << " rendered instead of raising";
      EXPECT_TRUE(jinja::is_raised(out.error())) << what << ": " << out.error().message;
      ++raised;
    } else {
      ASSERT_EQ(kind, "engine") << what;
      const Json* ref = second.at({rec.tmpl, rec.conversation, rec.agp});
      if (const Json* want = ref->find("output")) {
        ASSERT_TRUE(out) << what << ": " << out.error().message;
        EXPECT_EQ(*out, want->as_string()) << what << " (reference: renders-dev-jinja2.json)";
        if (*out == want->as_string()) ++matched_jinja2;
      } else if (ref->get_string("error_kind") == "raise_exception") {
        ASSERT_FALSE(out) << what;
        EXPECT_TRUE(jinja::is_raised(out.error())) << what << ": " << out.error().message;
        ++raised;
      } else {
        ++no_reference;  // both references fail: heft returned, which is all that is asked
      }
    }
  }
  std::printf("dev renders: %d match @huggingface/jinja, %d match Python's spelling where the two differ, "
              "%d match renders-dev-jinja2.json, %d raise_exception as the references do, %d without reference\n",
              matched_hf, matched_python_spelling, matched_jinja2, raised, no_reference);
  EXPECT_EQ(matched_hf + matched_python_spelling + matched_jinja2 + raised + no_reference, 684);
}

}  // namespace
}  // namespace heft::chat
