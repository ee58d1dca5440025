// `heft bench` (llama-bench's fields, every -p/-n value, the kernel target in
// use) and `heft inspect --system` (the targets this CPU runs; HEFT_SIMD).
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "cli_helpers.h"
#include "kernels/simd.h"

using namespace heft;

namespace {

std::vector<std::string> strings(const util::Json* arr) {
  std::vector<std::string> out;
  if (arr && arr->is_array())
    for (const auto& v : arr->as_array()) out.push_back(v.as_string());
  return out;
}

std::string best_target() { return std::string(kernels::simd_name(kernels::simd_supported().back())); }

}  // namespace

TEST(Bench, JsonHasOneObjectPerTestWithLlamaBenchFields) {
  const util::Json j = test::heft_json({"bench", test::shared(test::kTinyQ8), "-p", "16,32", "-n", "8", "-r", "2", "-t", "1", "--json"});
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.as_array().size(), 3u);
  std::vector<std::string> tests;
  for (const auto& o : j.as_array()) {
    tests.push_back(o.get_string("test"));
    EXPECT_EQ(o.get_int("n_threads", -1), 1);
    EXPECT_GT(o.get_double("avg_ts", 0), 0.0);
    EXPECT_GE(o.get_double("stddev_ts", -1), 0.0);
    EXPECT_NE(o.get_string("model_type").find("Q8_0"), std::string::npos) << o.get_string("model_type");
    EXPECT_GT(o.get_int("model_size", 0), 0);
    EXPECT_EQ(o.get_string("simd"), best_target());
    const auto* samples = o.find("samples_ts");
    ASSERT_TRUE(samples && samples->is_array());
    EXPECT_EQ(samples->as_array().size(), 2u);  // -r 2
    double mean = 0;
    for (const auto& s : samples->as_array()) mean += s.as_double() / 2;
    EXPECT_NEAR(o.get_double("avg_ts", 0), mean, 1e-6 * mean);
  }
  EXPECT_EQ(tests, (std::vector<std::string>{"pp16", "pp32", "tg8"}));
}

TEST(Bench, TablePrintsTheKernelTarget) {
  auto r = test::heft({"bench", test::shared(test::kTinyQ8), "-p", "8", "-n", "4", "-r", "1", "-t", "1"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("| " + best_target() + " |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pp8"), std::string::npos);
  EXPECT_NE(r.out.find("tg4"), std::string::npos);
}

TEST(InspectSystem, ListsTheTargetsThisCpuRunsAndTheOneInUse) {
  const util::Json j = test::heft_json({"inspect", "--system", "--json"});
  std::vector<std::string> want;
  for (auto t : kernels::simd_supported()) want.emplace_back(kernels::simd_name(t));
  EXPECT_EQ(strings(j.find("simd_supported")), want);
  EXPECT_EQ(j.get_string("simd"), best_target());
  EXPECT_FALSE(j.get_string("amx").empty());
}

TEST(InspectSystem, HeftSimdPicksAnotherTargetOrSaysWhyNot) {
  auto r = test::run_command("HEFT_SIMD=scalar " + test::shell_quote(test::heft_binary()) + " inspect --system --json");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = util::Json::parse(r.out, "inspect");
  ASSERT_TRUE(j);
  EXPECT_EQ(j->get_string("simd"), "scalar");

  r = test::run_command("HEFT_SIMD=sse9 " + test::shell_quote(test::heft_binary()) + " inspect --system");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("HEFT_SIMD=sse9 is not one of"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("kernels:  " + best_target()), std::string::npos) << r.out;
}
