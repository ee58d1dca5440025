// util::AtomicFile: the bytes arrive intact whatever the sizes of the pieces
// (pieces smaller than, straddling and larger than its 2 MiB buffer), the file
// appears only on commit(), and an existing file is kept unless overwrite.
#include "util/atomic_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

#include "support/test_paths.h"

using namespace heft;

namespace {

std::vector<uint8_t> read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

size_t entries(const std::string& dir) {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()));
}

}  // namespace

TEST(AtomicFile, PiecesOfEverySizeArriveInOrder) {
  const std::string dir = test::scratch_dir(), path = dir + "/out.bin";
  std::mt19937 rng(3);
  std::vector<uint8_t> expected;
  auto out = util::AtomicFile::create(path, false);
  ASSERT_TRUE(out) << out.error().message;
  const size_t sizes[] = {1, 7, 4096, (2u << 20) - 4104, 1, (2u << 20) + 5, 3u << 20, 0, 12345};
  for (size_t n : sizes) {
    std::vector<uint8_t> piece(n);
    for (auto& b : piece) b = static_cast<uint8_t>(rng());
    ASSERT_TRUE((*out)->write(piece));
    expected.insert(expected.end(), piece.begin(), piece.end());
    EXPECT_EQ((*out)->written(), expected.size());
  }
  ASSERT_TRUE((*out)->write_zeros(5000));
  expected.resize(expected.size() + 5000, 0);
  EXPECT_FALSE(std::filesystem::exists(path)) << "visible before commit";
  ASSERT_TRUE((*out)->commit());
  EXPECT_EQ(read_all(path), expected);
  EXPECT_EQ(entries(dir), 1u) << "temporary file left behind";
}

TEST(AtomicFile, NothingAppearsWithoutCommit) {
  const std::string dir = test::scratch_dir(), path = dir + "/out.bin";
  {
    auto out = util::AtomicFile::create(path, false);
    ASSERT_TRUE(out);
    std::vector<uint8_t> big(3u << 20, 0xab);
    ASSERT_TRUE((*out)->write(big));
  }
  EXPECT_EQ(entries(dir), 0u);
}

TEST(AtomicFile, KeepsAnExistingFileUnlessOverwrite) {
  const std::string dir = test::scratch_dir(), path = dir + "/out.bin";
  std::ofstream(path) << "old";
  EXPECT_FALSE(util::AtomicFile::create(path, false));
  EXPECT_EQ(read_all(path), (std::vector<uint8_t>{'o', 'l', 'd'}));
  auto out = util::AtomicFile::create(path, true);
  ASSERT_TRUE(out);
  ASSERT_TRUE((*out)->write("new!", 4));
  ASSERT_TRUE((*out)->commit());
  EXPECT_EQ(read_all(path), (std::vector<uint8_t>{'n', 'e', 'w', '!'}));
}
