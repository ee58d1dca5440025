// heft run's contract: only generated text on stdout, stop reasons, stop
// strings, seeds and thread counts that do not change the output.
#include "cli/cli_helpers.h"

using namespace heft;

TEST(RunOptions, PrintsOnlyTheGeneratedText) {
  auto r = test::heft({"run", test::shared(test::kTinyF32), "-p", "Once upon a time", "-n", "16", "--temp", "0"});
  ASSERT_EQ(r.status, 0) << r.err;
  util::Json j = test::heft_json({"run", test::shared(test::kTinyF32), "-p", "Once upon a time", "-n", "16", "--temp", "0", "--json"});
  EXPECT_EQ(r.out, j.get_string("text"));
  EXPECT_EQ(r.out.find("Once upon a time"), std::string::npos);  // no echo
}

TEST(RunOptions, StopReasons) {
  util::Json n = test::heft_json({"run", test::shared(test::kTinyF32), "-p", "Tom", "-n", "5", "--temp", "0", "--json"});
  EXPECT_EQ(n.get_string("stop_reason"), "max_tokens");
  EXPECT_EQ(n.find("tokens")->size(), 5u);
  util::Json full = test::heft_json({"run", test::shared(test::kTinyF32), "-p", "Tom", "-c", "32", "--temp", "0", "--json"});
  EXPECT_EQ(full.get_string("stop_reason"), "length");
  EXPECT_EQ(full.find("prompt_tokens")->size() + full.find("tokens")->size(), 33u);  // the last one is sampled, not stored
  util::Json shifted = test::heft_json({"run", test::shared(test::kTinyF32), "-p", "Tom", "-c", "32", "-n", "80",
                                        "--temp", "0", "--context-shift", "--json"});
  EXPECT_EQ(shifted.get_string("stop_reason"), "max_tokens");
  EXPECT_EQ(shifted.find("tokens")->size(), 80u);
}

TEST(RunOptions, StopStringEndsAndIsNotPrinted) {
  util::Json all = test::heft_json({"run", test::shared(test::kTinyF32), "-p", "Once upon a time", "-n", "40", "--temp", "0", "--json"});
  std::string text = all.get_string("text");
  ASSERT_GT(text.size(), 30u);
  std::string stop = text.substr(20, 5);
  auto r = test::heft({"run", test::shared(test::kTinyF32), "-p", "Once upon a time", "-n", "40", "--temp", "0", "--stop", stop});
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(r.out, text.substr(0, text.find(stop)));
  util::Json j = test::heft_json({"run", test::shared(test::kTinyF32), "-p", "Once upon a time", "-n", "40", "--temp", "0",
                                  "--stop", stop, "--json"});
  EXPECT_EQ(j.get_string("stop_reason"), "stop");
}

TEST(RunOptions, SameSeedSameTextForAnyThreadCount) {
  std::vector<std::string> base = {"run", test::shared(test::kTinyQ8), "-p", "The cat", "-n", "48", "--temp", "0.9",
                                   "--seed", "1234", "--top-k", "20", "--repeat-penalty", "1.1"};
  auto t1 = base, t2 = base, t3 = base;
  t1.insert(t1.end(), {"-t", "1"});
  t2.insert(t2.end(), {"-t", "2"});
  t3.insert(t3.end(), {"-t", "3"});
  auto a = test::heft(t1), b = test::heft(t2), c = test::heft(t3);
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_FALSE(a.out.empty());
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.out, c.out);
  auto other = base;
  other[9] = "99";
  EXPECT_NE(test::heft(other).out, a.out);
}

TEST(RunOptions, ErrorsAreOneLineAndStatusOne) {
  for (auto args : std::vector<std::vector<std::string>>{
           {"run", "/nonexistent/model.gguf", "-p", "x"},
           {"run", test::shared(test::kTinyF32), "-p", "x", "--cache-type", "q9"},
           {"run", test::shared(test::kTinyF32), "-p", "x", "--top-p", "0"},
           {"run", test::shared(test::kTinyF32), "-p", "x", "--logit-bias", "abc"},
           {"perplexity", test::shared(test::kTinyF32), "-f", test::shared("golden/story-dev.txt"), "-c", "4096"}}) {
    auto r = test::heft(args);
    EXPECT_EQ(r.status, 1) << args[1];
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
}
