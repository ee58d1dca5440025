// A GGUF header read from the first bytes of a file whose size is known (a
// remote file before the download, `heft fit` on a repository not pulled):
// a prefix cut anywhere inside the header asks for more bytes, never for
// fewer than it has, and never errs; a prefix that holds the header gives the
// same metadata and tensor table as reading the whole file; corrupt or
// truncated headers are errors, never crashes.
#include <gtest/gtest.h>

#include <random>

#include "formats/gguf_builder.h"
#include "formats/gguf_reader.h"
#include "support/test_paths.h"
#include "util/mapped_file.h"

using namespace heft;
using formats::parse_gguf;
using formats::parse_gguf_header;
using test::GgufBuilder;

namespace {

std::vector<uint8_t> file_bytes(const std::string& rel) {
  auto text = util::read_file(test::shared(rel), 64 << 20);
  EXPECT_TRUE(text) << rel;
  return text ? std::vector<uint8_t>(text->begin(), text->end()) : std::vector<uint8_t>{};
}

std::span<const uint8_t> first(const std::vector<uint8_t>& b, size_t n) { return std::span(b).first(std::min(n, b.size())); }

void expect_same_header(const formats::ModelFile& header, const formats::ModelFile& full) {
  EXPECT_EQ(header.gguf_version, full.gguf_version);
  EXPECT_EQ(header.alignment, full.alignment);
  EXPECT_EQ(header.data_offset, full.data_offset);
  ASSERT_EQ(header.metadata.size(), full.metadata.size());
  for (size_t i = 0; i < full.metadata.size(); ++i) {
    EXPECT_EQ(header.metadata.entries()[i].first, full.metadata.entries()[i].first);
    EXPECT_EQ(header.metadata.entries()[i].second.to_json(), full.metadata.entries()[i].second.to_json());
  }
  ASSERT_EQ(header.tensors.size(), full.tensors.size());
  for (size_t i = 0; i < full.tensors.size(); ++i) {
    const auto &h = header.tensors[i], &f = full.tensors[i];
    EXPECT_EQ(h.name, f.name);
    EXPECT_EQ(h.type, f.type);
    EXPECT_EQ(h.shape, f.shape);
    EXPECT_EQ(h.offset, f.offset);
    EXPECT_EQ(h.bytes, f.bytes);
    EXPECT_EQ(h.data, nullptr);
    EXPECT_EQ(header.tensor(f.name), &h);
  }
}

// The smallest prefix that holds the whole header (found by bisection; the tests below check it is a threshold).
size_t header_end(const std::vector<uint8_t>& b) {
  size_t lo = 0, hi = b.size();  // prefix lo is short, hi is enough
  while (hi - lo > 1) {
    const size_t mid = lo + (hi - lo) / 2;
    auto h = parse_gguf_header(first(b, mid), b.size(), "x.gguf");
    EXPECT_TRUE(h) << h.error().to_string();
    (h && h->complete() ? hi : lo) = mid;
  }
  return hi;
}

}  // namespace

TEST(GgufHeader, PrefixCutAnywhereAsksForMoreThenMatchesTheWholeFile) {
  for (const std::string rel : {"models/TinyStories-656K-gguf/tinystories-656k-q8_0.gguf",
                                "models/synthetic-mini-gguf/synthetic-mini-q4_k_m.gguf"}) {
    SCOPED_TRACE(rel);
    const auto bytes = file_bytes(rel);
    auto full = parse_gguf(bytes, rel);
    ASSERT_TRUE(full) << full.error().to_string();
    const size_t end = header_end(bytes);
    EXPECT_LE(end, full->data_offset);
    EXPECT_GT(end + full->alignment, full->data_offset);  // only the padding to the data section is left out

    // Every byte of the first 512, then a spread to the end of the header and around it.
    std::vector<size_t> cuts;
    for (size_t n = 0; n < 512; ++n) cuts.push_back(n);
    for (size_t k = 1; k < 200; ++k) cuts.push_back(end * k / 200);
    for (size_t n : {end - 2, end - 1, end, end + 1, size_t{full->data_offset}, bytes.size() / 2, bytes.size()}) cuts.push_back(n);
    for (size_t n : cuts) {
      SCOPED_TRACE(n);
      auto h = parse_gguf_header(first(bytes, n), bytes.size(), rel);
      ASSERT_TRUE(h) << h.error().to_string();
      if (n < end) {
        EXPECT_FALSE(h->complete());
        EXPECT_GT(h->needed_bytes, n);     // more than it has...
        EXPECT_LE(h->needed_bytes, end);   // ...and no more than the header takes
      } else {
        ASSERT_TRUE(h->complete());
        EXPECT_EQ(h->file_size, bytes.size());
        expect_same_header(h->file, *full);
      }
    }
  }
}

TEST(GgufHeader, FetchingWhatItAsksForEndsWithTheHeader) {
  const auto bytes = file_bytes("models/TinyStories-656K-gguf/tinystories-656k-q8_0.gguf");
  auto full = parse_gguf(bytes, "x.gguf");
  ASSERT_TRUE(full);
  // As a client would: ask for exactly what it says, or twice as much; each round makes progress.
  for (bool doubling : {false, true}) {
    size_t have = 16;
    int rounds = 0;
    for (;;) {
      auto h = parse_gguf_header(first(bytes, have), bytes.size(), "x.gguf");
      ASSERT_TRUE(h) << h.error().to_string();
      if (h->complete()) {
        expect_same_header(h->file, *full);
        break;
      }
      ASSERT_GT(h->needed_bytes, have);
      have = doubling ? std::max<size_t>(h->needed_bytes, 2 * have) : h->needed_bytes;
      ASSERT_LT(++rounds, 100000);
    }
    if (doubling) {
      EXPECT_LE(rounds, 12);
    }
  }
}

TEST(GgufHeader, TensorsAreCheckedAgainstTheFileSizeNotThePrefix) {
  const auto bytes = file_bytes("models/TinyStories-656K-gguf/tinystories-656k-q8_0.gguf");
  auto full = parse_gguf(bytes, "x.gguf");
  ASSERT_TRUE(full);
  const size_t n = full->data_offset;
  // The header alone, told the true size: fine. Told a smaller one: the last tensor lies outside.
  ASSERT_TRUE(parse_gguf_header(first(bytes, n), bytes.size(), "x.gguf"));
  auto small = parse_gguf_header(first(bytes, n), bytes.size() - 1, "x.gguf");
  ASSERT_FALSE(small);
  EXPECT_NE(small.error().message.find("lies outside the file"), std::string::npos) << small.error().to_string();
  // A size that ends inside the header: the counts and lengths are judged against it.
  auto tiny = parse_gguf_header(bytes, 100, "x.gguf");
  ASSERT_FALSE(tiny);
  EXPECT_EQ(tiny.error().file, "x.gguf");
  // Bytes past the file's size are ignored, not read.
  auto longer = parse_gguf_header(bytes, bytes.size(), "x.gguf");
  ASSERT_TRUE(longer && longer->complete());
}

TEST(GgufHeader, LongStringAsksForAllOfIt) {
  GgufBuilder b;
  b.header(3, 0, 1).kv_str("general.name", std::string(10000, 'x'));
  const uint64_t string_end = b.bytes.size();
  auto h = parse_gguf_header(std::span(b.bytes).first(100), b.bytes.size(), "s.gguf");
  ASSERT_TRUE(h) << h.error().to_string();
  EXPECT_EQ(h->needed_bytes, string_end);
  // A length the file cannot hold is an error at once, not a request for more.
  GgufBuilder bad;
  bad.header(3, 0, 1).str("general.name").put<uint32_t>(8).put<uint64_t>(1ull << 40);
  auto e = parse_gguf_header(bad.bytes, 1 << 20, "s.gguf");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("exceeds"), std::string::npos) << e.error().to_string();
}

TEST(GgufHeader, BadMagicAndVersionAreErrorsEvenFromFewBytes) {
  const std::vector<uint8_t> not_gguf = {'G', 'G', 'M', 'L', 3, 0, 0, 0};
  EXPECT_FALSE(parse_gguf_header(not_gguf, 1 << 20, "x.gguf"));
  const std::vector<uint8_t> v1 = {'G', 'G', 'U', 'F', 1, 0, 0, 0};
  EXPECT_FALSE(parse_gguf_header(v1, 1 << 20, "x.gguf"));
  // Too few bytes to tell: ask for them.
  const std::vector<uint8_t> two = {'G', 'G'};
  auto h = parse_gguf_header(two, 1 << 20, "x.gguf");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->needed_bytes, 4u);
  // A file of three bytes cannot be a GGUF.
  EXPECT_FALSE(parse_gguf_header(two, 3, "x.gguf"));
}

// Corrupted prefixes of a real header, cut at random points, with random file
// sizes: a result or an error, never a crash (the _asan variant checks memory).
TEST(GgufHeader, CorruptPrefixesAreErrorsNotCrashes) {
  const auto bytes = file_bytes("models/synthetic-mini-gguf/synthetic-mini-q4_0.gguf");
  auto full = parse_gguf(bytes, "x.gguf");
  ASSERT_TRUE(full);
  const size_t header = full->data_offset;
  std::mt19937_64 rng(7);
  int errors = 0, short_prefix = 0, complete = 0;
  for (int i = 0; i < 400; ++i) {
    std::vector<uint8_t> b(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(header));
    for (int k = 0, n = 1 + static_cast<int>(rng() % 8); k < n; ++k) b[rng() % b.size()] = static_cast<uint8_t>(rng());
    const size_t cut = i % 2 ? b.size() : rng() % (b.size() + 1);
    const uint64_t size = i % 4 == 0 ? rng() % (bytes.size() + 1) : bytes.size();
    auto h = parse_gguf_header(std::span(b).first(cut), size, "x.gguf");
    if (!h) ++errors;
    else if (!h->complete()) {
      ++short_prefix;
      EXPECT_GT(h->needed_bytes, std::min<uint64_t>(cut, size));
      EXPECT_LE(h->needed_bytes, size);
    } else ++complete;
  }
  EXPECT_GT(errors, 0);
  EXPECT_GT(short_prefix, 0);
  EXPECT_GT(complete, 0);
}
