// `heft bench` (llama-bench's fields, every -p/-n value, the kernel target in
// use) and `heft inspect --system` (the targets this CPU runs; HEFT_SIMD).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
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

// Started straight from a process with 384 MiB resident (posix_spawn, as node
// and Python start programs), heft bench must report its own peak, not its
// parent's (which getrusage's ru_maxrss carries across exec).
TEST(Bench, PeakRssIsHeftsOwnNotItsParents) {
  std::vector<char> ballast(size_t{384} << 20);
  for (size_t i = 0; i < ballast.size(); i += 4096) ballast[i] = static_cast<char>(i);
  const std::string dir = test::scratch_dir(), out = dir + "/bench.json";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const std::string bin = test::heft_binary(), model = test::shared(test::kTinyQ8);
  std::vector<std::string> args = {bin, "bench", model, "-p", "8", "-n", "4", "-r", "1", "-t", "1", "--json"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, bin.c_str(), &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::ifstream f(out);
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::filesystem::remove_all(dir);
  auto j = util::Json::parse(text, "bench");
  ASSERT_TRUE(j && j->is_array() && !j->as_array().empty()) << text;
  const int64_t rss = j->as_array()[0].get_int("peak_rss_bytes", -1);
  EXPECT_GT(rss, 0);
  EXPECT_LT(rss, int64_t{192} << 20) << "the parent's 384 MiB counted";
  EXPECT_EQ(ballast[4096], static_cast<char>(4096));
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
