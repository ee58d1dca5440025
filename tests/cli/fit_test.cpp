// `heft fit`: its predicted peak resident memory against heft run's measured
// peak on the synthetic 135M and 1.1B shapes (Q4_0, the context filled), its
// fields and arithmetic, the best of several quantizations in the Hugging Face
// cache, and its errors.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "cli_helpers.h"

using namespace heft;
namespace fs = std::filesystem;

namespace {

// Each test's own calibration cache, so nothing is written under $HOME.
std::string fit_command(const std::string& dir, const std::vector<std::string>& args) {
  std::string cmd = "XDG_CACHE_HOME=" + test::shell_quote(dir + "/xdg") + " " + test::shell_quote(test::heft_binary()) + " fit";
  for (const auto& a : args) cmd.append(" ").append(test::shell_quote(a));
  return cmd;
}

util::Json fit_json(const std::string& dir, const std::vector<std::string>& args) {
  auto r = test::run_command(fit_command(dir, args));
  EXPECT_EQ(r.status, 0) << r.err;
  auto j = util::Json::parse(r.out, "heft fit");
  EXPECT_TRUE(j) << r.out;
  return j ? *j : util::Json();
}

// heft with these arguments, output discarded; its peak resident memory from
// wait4 (this test process, far smaller, cannot raise it across the exec).
int64_t peak_rss_of(const std::vector<std::string>& args) {
  std::vector<std::string> all{test::heft_binary()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, all[0].c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  rusage ru{};
  if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return static_cast<int64_t>(ru.ru_maxrss) * 1024;
}

int64_t self_rss() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<int64_t>(ru.ru_maxrss) * 1024;
}

}  // namespace

// The 135M shape ties its output to the embedding table, so a run reads the
// whole file; the 1.1B shape does not, and a prompt of one repeated letter
// reads only a few rows of its 36 MiB embedding table: the prediction counts
// it all (a long run touches it), about 5% above what this run reaches.
TEST(Fit, PredictedPeakMemoryIsWithinTenPercentOfHeftRun) {
  const std::string dir = test::scratch_dir();
  struct Case {
    std::string preset;
    int64_t ctx;
  };
  for (const Case& c : {Case{"smollm-135m", 1024}, Case{"tinyllama-1.1b", 256}}) {
    SCOPED_TRACE(c.preset);
    const std::string model = dir + "/" + c.preset + "-q4_0.gguf";
    auto s = test::heft({"synth", "--preset", c.preset, "--type", "Q4_0", model});
    ASSERT_EQ(s.status, 0) << s.err;
    // A prompt that fills the context: BOS, "▁" as three byte tokens, one token per letter.
    const std::string prompt = dir + "/prompt.txt";
    std::ofstream(prompt) << std::string(static_cast<size_t>(c.ctx - 5), 'a');
    const util::Json j = fit_json(dir, {model, "-c", std::to_string(c.ctx), "--no-speed", "--json"});
    const int64_t predicted = j.get_int("memory_bytes", 0);
    EXPECT_EQ(predicted, j.get_int("weights_bytes", 0) + j.get_int("kv_bytes", 0) + j.get_int("scratch_bytes", 0) +
                             j.get_int("tokenizer_bytes", 0) + j.get_int("baseline_bytes", 0));
    const int64_t measured = peak_rss_of({"run", model, "-f", prompt, "-n", "1", "-c", std::to_string(c.ctx), "--temp", "0"});
    ASSERT_GT(measured, 0);
    ASSERT_LT(self_rss(), measured / 2);
    const double error = static_cast<double>(predicted - measured) / static_cast<double>(measured);
    std::cout << c.preset << " ctx " << c.ctx << ": predicted " << predicted / 1024 << " KiB, heft run's peak " << measured / 1024
              << " KiB (" << std::showpos << std::round(error * 1000) / 10 << std::noshowpos << "%)\n";
    EXPECT_LE(std::abs(error), 0.10) << "predicted " << predicted << " measured " << measured;
    fs::remove(model);
  }
  fs::remove_all(dir);
}

TEST(Fit, JsonHasTheFieldsAndTheKvCacheFollowsContextSequencesAndType) {
  const std::string dir = test::scratch_dir();
  const std::string model = test::shared(test::kTinyQ8);
  const util::Json j = fit_json(dir, {model, "--json", "-t", "1"});
  for (const char* key : {"memory_bytes", "weights_bytes", "kv_bytes", "scratch_bytes", "tokenizer_bytes", "baseline_bytes",
                          "available_bytes", "pp_tokens_per_second", "tg_tokens_per_second", "bandwidth_bytes_per_second"})
    EXPECT_GT(j.get_double(key, 0), 0) << key;
  EXPECT_TRUE(j.get_bool("fits", false));
  EXPECT_EQ(j.get_int("weights_bytes", 0), static_cast<int64_t>(fs::file_size(model)));
  EXPECT_EQ(j.get_int("threads", 0), 1);
  EXPECT_GT(j.get_double("calibration_seconds", -1), 0);  // measured the first time...
  const util::Json again = fit_json(dir, {model, "--json", "-t", "1"});
  EXPECT_EQ(again.get_double("calibration_seconds", -1), 0);  // ...and cached
  EXPECT_EQ(again.get_double("tg_tokens_per_second", 0), j.get_double("tg_tokens_per_second", -1));
  EXPECT_TRUE(fs::exists(dir + "/xdg/heft/fit-calibration.json"));

  // The KV cache: layers x rows x (K + V) x 2 bytes; rows in blocks of 16, times the sequences.
  const int64_t kv_64 = fit_json(dir, {model, "-c", "64", "--no-speed", "--json"}).get_int("kv_bytes", 0);
  EXPECT_GT(kv_64, 0);
  EXPECT_EQ(fit_json(dir, {model, "-c", "128", "--no-speed", "--json"}).get_int("kv_bytes", 0), 2 * kv_64);
  EXPECT_EQ(fit_json(dir, {model, "-c", "60", "--no-speed", "--json"}).get_int("kv_bytes", 0), kv_64);
  EXPECT_EQ(fit_json(dir, {model, "-c", "64", "--cache-type", "f32", "--no-speed", "--json"}).get_int("kv_bytes", 0), 2 * kv_64);
  const util::Json par = fit_json(dir, {model, "-c", "64", "--parallel", "4", "--no-speed", "--json"});
  EXPECT_EQ(par.get_int("kv_bytes", 0), 4 * kv_64);
  EXPECT_EQ(par.get_int("kv_tokens", 0), 256);
  fs::remove_all(dir);
}

TEST(Fit, TheTableNamesEachPartAndTheVerdict) {
  const std::string dir = test::scratch_dir();
  auto r = test::run_command(fit_command(dir, {test::shared(test::kTinyQ8), "-c", "256", "--no-speed"}));
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* part : {"weights:", "KV cache:", "scratch:", "tokenizer:", "process:", "total:", "available:", "fits:       yes"})
    EXPECT_NE(r.out.find(part), std::string::npos) << part << "\n" << r.out;
  EXPECT_NE(r.out.find("256 tokens x 1 sequence"), std::string::npos) << r.out;
  fs::remove_all(dir);
}

TEST(Fit, HuggingFaceFolderCountsItsFilesAndTheirCopies) {
  const std::string dir = test::scratch_dir();
  const std::string folder = test::shared("models/TinyStories-656K");
  const util::Json j = fit_json(dir, {folder, "--no-speed", "--json"});
  uint64_t safetensors = 0;
  for (const auto& e : fs::directory_iterator(folder))
    if (e.path().extension() == ".safetensors") safetensors += e.file_size();
  // The mapped checkpoint, plus the Q and K rows re-laid out for RoPE at load.
  EXPECT_GT(j.get_int("weights_bytes", 0), static_cast<int64_t>(safetensors));
  EXPECT_LT(j.get_int("weights_bytes", 0), static_cast<int64_t>(2 * safetensors));
  EXPECT_GT(j.get_int("tokenizer_bytes", 0), 0);
  fs::remove_all(dir);
}

// ORG/NAME with several GGUFs in the cache and no quantization named: each is
// sized, the largest that fits is chosen.
TEST(Fit, ChoosesTheLargestQuantizationThatFits) {
  const std::string dir = test::scratch_dir();
  const fs::path snap = fs::path(dir) / "hub/models--test--mini/snapshots/0123456789abcdef0123456789abcdef01234567";
  fs::create_directories(snap);
  fs::create_directories(fs::path(dir) / "hub/models--test--mini/refs");
  std::ofstream(fs::path(dir) / "hub/models--test--mini/refs/main") << "0123456789abcdef0123456789abcdef01234567";
  for (const char* q : {"q4_0", "q8_0", "q2_k"})
    fs::create_symlink(test::shared(std::string("models/synthetic-mini-gguf/synthetic-mini-") + q + ".gguf"),
                       snap / (std::string("synthetic-mini-") + q + ".gguf"));
  auto r = test::run_command("HF_HUB_CACHE=" + test::shell_quote(dir + "/hub") + " " +
                             fit_command(dir, {"test/mini", "--no-speed", "--json"}));
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = util::Json::parse(r.out, "fit");
  ASSERT_TRUE(j) << r.out;
  EXPECT_EQ(j->get_string("best"), "synthetic-mini-q8_0.gguf");
  EXPECT_EQ(j->get_string("model"), "synthetic-mini-q8_0.gguf");
  const util::Json* c = j->find("candidates");
  ASSERT_TRUE(c && c->is_array());
  EXPECT_EQ(c->as_array().size(), 3u);
  // Named, one quantization is sized as a file.
  r = test::run_command("HF_HUB_CACHE=" + test::shell_quote(dir + "/hub") + " " +
                        fit_command(dir, {"test/mini:Q2_K", "--no-speed", "--json"}));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("synthetic-mini-q2_k.gguf"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("candidates"), std::string::npos) << r.out;
  fs::remove_all(dir);
}

TEST(Fit, ErrorsAreOneLine) {
  const std::string dir = test::scratch_dir();
  auto missing = test::run_command(fit_command(dir, {dir + "/nope.gguf"}));
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("heft: "), std::string::npos) << missing.err;
  // A vocabulary-only GGUF has no weights to run.
  auto vocab = test::run_command(fit_command(dir, {test::shared("vocab/ggml-vocab-llama-spm.gguf"), "--no-speed"}));
  EXPECT_EQ(vocab.status, 1);
  EXPECT_FALSE(vocab.err.empty());
  auto cache = test::run_command(fit_command(dir, {test::shared(test::kTinyQ8), "--cache-type", "q8_0", "--no-speed"}));
  EXPECT_EQ(cache.status, 1);
  EXPECT_NE(cache.err.find("--cache-type"), std::string::npos) << cache.err;
  fs::remove_all(dir);
}
