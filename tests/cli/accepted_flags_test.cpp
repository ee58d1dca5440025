// Every flag heft accepts does something (issue 14): logits --quantize
// re-encodes the weights like run and perplexity do, and flags whose
// combination would leave one of them unused are refused with one line.
#include <cstdio>

#include "cli/cli_helpers.h"

using namespace heft;

namespace {

const char* kIds = "1,80,147,201,282,215,286,158,420,161,5,9,300";

std::vector<double> flat_logits(const util::Json& doc) {
  std::vector<double> out;
  for (const auto& r : doc.find("logits")->as_array())
    for (const auto& v : r.as_array()) out.push_back(v.as_double());
  return out;
}

// The one-line refusal of a CLI usage error: status 1, the reason on the first line of stderr.
void expect_refused(const std::vector<std::string>& args, const std::string& reason) {
  auto r = test::heft(args);
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.err.substr(0, r.err.find('\n')).find(reason), std::string::npos) << r.err;
}

}  // namespace

TEST(AcceptedFlags, LogitsQuantizeReencodesTheWeightsAtLoad) {
  // llama-quantize's Q8_0 file of the same model is what --quantize Q8_0 makes of the F32 one.
  auto f32 = flat_logits(test::heft_json({"logits", test::shared(test::kTinyF32), "--ids", kIds, "-t", "2"}));
  auto q8 = flat_logits(test::heft_json({"logits", test::shared(test::kTinyQ8), "--ids", kIds, "-t", "2"}));
  auto requant = flat_logits(
      test::heft_json({"logits", test::shared(test::kTinyF32), "--ids", kIds, "-t", "2", "--quantize", "Q8_0"}));
  ASSERT_EQ(requant.size(), f32.size());
  EXPECT_EQ(requant, q8);
  EXPECT_NE(requant, f32);
  auto bad = test::heft({"logits", test::shared(test::kTinyF32), "--ids", kIds, "--quantize", "Q9_9"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("--quantize: unknown type 'Q9_9'"), std::string::npos) << bad.err;
}

TEST(AcceptedFlags, CombinationsThatWouldIgnoreAFlagAreRefused) {
  const std::string model = test::shared(test::kTinyF32);
  const std::string dir = test::scratch_dir();
  const std::string prompt = dir + "/prompt.txt", tmpl = dir + "/t.jinja";
  {
    std::FILE* f = std::fopen(prompt.c_str(), "w");
    std::fputs("Once", f);
    std::fclose(f);
    f = std::fopen(tmpl.c_str(), "w");
    std::fputs("{{ messages[0].content }}", f);
    std::fclose(f);
  }
  expect_refused({"run", model, "-p", "Tom", "-f", prompt, "-n", "1"}, "excludes");
  expect_refused({"tokenize", model, "Tom", "--ids", "--json"}, "excludes");
  expect_refused({"tokenize", model, "Tom", "--jsonl", prompt}, "excludes");
  expect_refused({"tokenize", model, "-f", prompt, "--jsonl", prompt}, "excludes");
  expect_refused({"tokenize", model, "--jsonl", prompt, "--ids"}, "excludes");
  expect_refused({"detokenize", model, "1", "2", "--jsonl", prompt}, "excludes");
  expect_refused({"template", model, "--template", tmpl, "--template-name", "tool_use", "--messages", prompt}, "excludes");
  expect_refused({"chat", model, "--template", tmpl, "--template-name", "tool_use"}, "excludes");
  // Each alone still works.
  EXPECT_EQ(test::heft({"tokenize", model, "Tom", "--ids"}).status, 0);
  EXPECT_EQ(test::heft({"run", model, "-f", prompt, "-n", "1"}).status, 0);
}
