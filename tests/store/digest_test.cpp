// Digests against published vectors: FIPS 180-2's SHA-256 examples and the
// object ids `git hash-object` gives (the empty blob's is in git's own source).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "store/digest.h"

namespace heft::store {
namespace {

TEST(Digest, Sha256KnownVectors) {
  Sha256 a;
  a.update(std::string_view("abc"));
  EXPECT_EQ(a.hex_digest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 empty;
  EXPECT_EQ(empty.hex_digest(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 two;
  two.update(std::string_view("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"));
  EXPECT_EQ(two.hex_digest(), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Digest, SavedStateResumesAtAnyOffset) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 37 + 11));
  Sha256 whole;
  whole.update(data);
  const std::string want = whole.hex_digest();
  for (size_t cut : {0ul, 1ul, 63ul, 64ul, 65ul, 500ul, 999ul, 1000ul}) {
    Sha256 first;
    first.update(std::string_view(data).substr(0, cut));
    EXPECT_EQ(first.bytes_hashed(), cut);
    const std::string state = first.save_state();
    Sha256 resumed;
    ASSERT_TRUE(resumed.restore_state(state, cut)) << cut;
    resumed.update(std::string_view(data).substr(cut));
    EXPECT_EQ(resumed.hex_digest(), want) << cut;
    // A state saved at another length, or damaged, is refused.
    Sha256 other;
    EXPECT_FALSE(other.restore_state(state, cut + 1));
    EXPECT_FALSE(other.restore_state(state.substr(1), cut));
    EXPECT_FALSE(other.restore_state("", 0));
  }
}

TEST(Digest, GitBlobIds) {
  // `git hash-object /dev/null` and `printf 'hello\n' | git hash-object --stdin`.
  EXPECT_EQ(git_blob_sha1(""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  EXPECT_EQ(git_blob_sha1("hello\n"), "ce013625030ba8dba906f756967f9e9ca394464a");
  const auto path = std::filesystem::temp_directory_path() / "heft_digest_test.txt";
  { std::ofstream(path, std::ios::binary) << "hello\n"; }
  EXPECT_EQ(git_blob_sha1_file(path.string()).value(), "ce013625030ba8dba906f756967f9e9ca394464a");
  EXPECT_EQ(sha256_file(path.string()).value(), "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
  std::filesystem::remove(path);
  EXPECT_FALSE(sha256_file("/nonexistent/heft").has_value());
}

}  // namespace
}  // namespace heft::store
