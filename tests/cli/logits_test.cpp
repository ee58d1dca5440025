// heft logits: raw logits at every position under teacher forcing (JSON or .npy),
// the same whatever the batch size, and one-line errors.
#include <algorithm>
#include <cstring>

#include "cli/cli_helpers.h"

using namespace heft;

namespace {

std::string join(const std::vector<int64_t>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(ids[i]);
  }
  return s;
}

std::vector<std::vector<double>> rows(const util::Json& doc) {
  std::vector<std::vector<double>> out;
  for (const auto& r : doc.find("logits")->as_array()) {
    out.emplace_back();
    for (const auto& v : r.as_array()) out.back().push_back(v.as_double());
  }
  return out;
}

}  // namespace

TEST(Logits, TeacherForcingOnTheGoldenGreedySequenceGivesItBack) {
  // Feeding llama.cpp's greedy continuation back in, the argmax after each prefix is the next id.
  util::Json g = test::load_json(test::shared("golden/prompts-dev.json"));
  const util::Json& p = g.find("prompts")->as_array()[0];
  std::vector<int64_t> prompt = test::int_list(p.find("prompt_ids"));
  std::vector<int64_t> cont = test::int_list(p.find("llama_cpp_f32_exact"));
  std::vector<int64_t> seq = prompt;
  seq.insert(seq.end(), cont.begin(), cont.end() - 1);
  util::Json doc = test::heft_json({"logits", test::shared(test::kTinyF32), "--ids", join(seq), "-t", "2"});
  EXPECT_EQ(doc.get_int("n_vocab", 0), 2048);
  EXPECT_EQ(test::int_list(doc.find("ids")), seq);
  std::vector<int64_t> argmax = test::int_list(doc.find("argmax"));
  ASSERT_EQ(argmax.size(), seq.size());
  for (size_t i = 0; i < cont.size(); ++i) EXPECT_EQ(argmax[prompt.size() - 1 + i], cont[i]) << "at " << i;
  auto r = rows(doc);
  ASSERT_EQ(r.size(), seq.size());
  for (size_t i = 0; i < r.size(); ++i) {
    ASSERT_EQ(r[i].size(), 2048u);
    EXPECT_EQ(std::max_element(r[i].begin(), r[i].end()) - r[i].begin(), argmax[i]);
  }
}

TEST(Logits, BatchSizeDoesNotChangeTheLogits) {
  const std::string ids = "1,80,147,201,282,215,286,158,420,161,5,9,300,1000,2047,3";
  auto one = rows(test::heft_json({"logits", test::shared(test::kTinyF32), "--ids", ids}));
  for (const char* b : {"1", "5"}) {
    auto chunked = rows(test::heft_json({"logits", test::shared(test::kTinyF32), "--ids", ids, "-b", b}));
    ASSERT_EQ(chunked.size(), one.size());
    double worst = 0;
    for (size_t i = 0; i < one.size(); ++i)
      for (size_t j = 0; j < one[i].size(); ++j) worst = std::max(worst, std::abs(one[i][j] - chunked[i][j]));
    EXPECT_LT(worst, 1e-4) << "batch size " << b;
  }
}

// A 300-token batch runs its FFN in pieces (engine/forward.cpp, at most 128
// tokens each); three batches of 100 run it whole. Every token's arithmetic is
// the same either way, so the logits must be the same bits.
TEST(Logits, FfnPiecesOfALongBatchChangeNoBit) {
  const std::string dir = test::scratch_dir();
  std::string ids;
  uint32_t state = 12345;
  for (int i = 0; i < 300; ++i) {
    state = state * 1664525u + 1013904223u;
    if (i) ids += ',';
    ids += std::to_string(1 + (state >> 8) % 2047);
  }
  for (const char* b : {"512", "100"}) {
    auto r = test::heft({"logits", test::shared(test::kTinyF32), "--ids", ids, "-b", b, "-o", dir + "/b" + b + ".npy"});
    ASSERT_EQ(r.status, 0) << r.err;
  }
  auto whole = util::read_file(dir + "/b512.npy", size_t{1} << 30), pieces = util::read_file(dir + "/b100.npy", size_t{1} << 30);
  ASSERT_TRUE(whole && pieces);
  ASSERT_GT(whole->size(), 300u * 2048 * 4);
  EXPECT_TRUE(*whole == *pieces);
}

TEST(Logits, WritesNpy) {
  const std::string dir = test::scratch_dir();
  const std::string ids = "1,80,147";
  auto r = test::heft({"logits", test::shared(test::kTinyF32), "--ids", ids, "-o", dir + "/l.npy"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  auto bytes = util::read_file(dir + "/l.npy");
  ASSERT_TRUE(bytes);
  ASSERT_GT(bytes->size(), 10u);
  EXPECT_EQ(bytes->substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t header = static_cast<uint8_t>((*bytes)[8]) | static_cast<size_t>(static_cast<uint8_t>((*bytes)[9])) << 8;
  EXPECT_EQ((10 + header) % 64, 0u);
  EXPECT_NE(bytes->find("'descr': '<f4', 'fortran_order': False, 'shape': (3, 2048)"), std::string::npos);
  ASSERT_EQ(bytes->size(), 10 + header + 3 * 2048 * sizeof(float));
  auto json = rows(test::heft_json({"logits", test::shared(test::kTinyF32), "--ids", ids}));
  for (size_t i = 0; i < 3; ++i)
    for (size_t j = 0; j < 2048; j += 97) {
      float v;
      std::memcpy(&v, bytes->data() + 10 + header + (i * 2048 + j) * sizeof(float), sizeof v);
      EXPECT_EQ(v, static_cast<float>(json[i][j]));
    }
}

TEST(Logits, ErrorsAreOneLine) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"logits", test::shared(test::kTinyF32), "--ids", "1,x"},
           {"logits", test::shared(test::kTinyF32), "--ids", "1,2048"},
           {"logits", test::shared(test::kTinyF32), "--ids", "1,-1"},
           {"logits", test::shared(test::kTinyF32), "--ids", ","},
           {"logits", test::shared(test::kTinyF32), "--ids", "1,2,3,4,5", "-c", "4"},
           {"logits", test::shared("golden/prompts-dev.json"), "--ids", "1"},
       }) {
    auto r = test::heft(args);
    EXPECT_EQ(r.status, 1) << args[3];
    EXPECT_EQ(r.err.rfind("heft: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
}
