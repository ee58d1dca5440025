// Corrupted GGUF and safetensors files, generated from real ones: truncations at
// every section boundary, random bit flips, and absurd counts and lengths. Each
// must give an error or a valid file whose tensors lie inside it; none may
// crash or hang. The sanitizer build runs this same test under ASan+UBSan.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>

#include "formats/gguf_reader.h"
#include "formats/llama2c.h"
#include "formats/safetensors.h"
#include "support/test_paths.h"
#include "util/mapped_file.h"

using namespace heft;

namespace {

std::vector<uint8_t> load(const std::string& rel) {
  auto m = util::MappedFile::open(test::shared(rel));
  EXPECT_TRUE(m);
  return std::vector<uint8_t>((*m)->data(), (*m)->data() + (*m)->size());
}

// Touches every tensor byte so ASan sees any view that escapes the buffer.
uint64_t touch(const formats::ModelFile& mf) {
  uint64_t sum = 0;
  for (const auto& t : mf.tensors)
    for (uint64_t i = 0; i < t.bytes; i += 61) sum += t.data[i];
  return sum;
}

template <class Parse>
void check_variant(Parse parse, const std::vector<uint8_t>& bytes, const std::string& what) {
  // Copy into an exact-size heap buffer so any overread is caught.
  std::unique_ptr<uint8_t[]> exact(new uint8_t[std::max<size_t>(bytes.size(), 1)]);
  if (!bytes.empty()) std::memcpy(exact.get(), bytes.data(), bytes.size());
  auto r = parse(std::span<const uint8_t>(exact.get(), bytes.size()), what);
  if (r) {
    touch(*r);
  } else {
    EXPECT_EQ(r.error().file, what);
    EXPECT_FALSE(r.error().message.empty());
  }
}

uint64_t encoded_size(const formats::MetaValue& v) {
  using formats::ValueType;
  if (v.type == ValueType::String) return 8 + v.as_string()->size();
  if (v.type != ValueType::Array) return formats::scalar_size(v.type);
  uint64_t n = 4 + 8;
  if (v.elem_type == ValueType::String)
    for (const auto& s : v.strings) n += 8 + s.size();
  else if (v.elem_type == ValueType::Array)
    for (const auto& a : v.nested) n += encoded_size(a) - 0;
  else
    n += v.packed.size();
  return n;
}

// Offsets where GGUF sections begin and end: magic, version, counts, each
// key/value (key, type, value), each tensor info, the data section, each tensor.
std::vector<size_t> gguf_boundaries(const std::vector<uint8_t>& bytes) {
  std::vector<size_t> cuts = {0, 1, 4, 8, 16, 24};
  auto mf = formats::parse_gguf(bytes, "x");
  if (!mf) return cuts;
  uint64_t pos = 24;
  for (const auto& [key, value] : mf->metadata.entries()) {
    cuts.push_back(pos + 8);                    // inside the key
    pos += 8 + key.size();
    cuts.push_back(pos);                        // before the type
    pos += 4;
    cuts.push_back(pos);                        // before the value
    cuts.push_back(pos + encoded_size(value) / 2);
    pos += encoded_size(value);
    cuts.push_back(pos);                        // after the value
  }
  for (const auto& t : mf->tensors) {
    pos += 8 + t.name.size() + 4 + 8 * t.shape.size() + 4 + 8;
    cuts.push_back(pos - 8);                    // before the offset
    cuts.push_back(pos);
  }
  cuts.push_back(mf->data_offset);
  for (const auto& t : mf->tensors) {
    cuts.push_back(mf->data_offset + t.offset);
    cuts.push_back(mf->data_offset + t.offset + t.bytes - 1);
  }
  cuts.push_back(bytes.size() - 1);
  return cuts;
}

}  // namespace

TEST(CorruptFiles, GgufTruncatedAtEverySectionBoundary) {
  for (const char* rel : {"models/TinyStories-656K-gguf/tinystories-656k-q8_0.gguf", "vocab/ggml-vocab-bert-bge.gguf"}) {
    auto bytes = load(rel);
    for (size_t cut : gguf_boundaries(bytes)) {
      if (cut >= bytes.size()) continue;
      std::vector<uint8_t> t(bytes.begin(), bytes.begin() + static_cast<long>(cut));
      auto r = formats::parse_gguf(t, "cut.gguf");
      if (std::string(rel).find("vocab") == std::string::npos || cut < bytes.size() - 1) {
        EXPECT_FALSE(r) << rel << " cut at " << cut;
      }
      check_variant(formats::parse_gguf, t, "cut.gguf");
    }
  }
}

TEST(CorruptFiles, GgufRandomBitFlips) {
  auto bytes = load("models/TinyStories-656K-gguf/tinystories-656k-q8_0.gguf");
  auto mf = formats::parse_gguf(bytes, "x");
  ASSERT_TRUE(mf);
  std::mt19937_64 rng(1234);
  for (int i = 0; i < 3000; ++i) {
    auto copy = bytes;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      // Mostly the header region, where flips change structure.
      size_t limit = (rng() % 8 == 0) ? copy.size() : mf->data_offset;
      size_t pos = rng() % limit;
      copy[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
    }
    check_variant(formats::parse_gguf, copy, "flip.gguf");
  }
}

TEST(CorruptFiles, GgufHugeCountsAndLengths) {
  auto bytes = load("models/TinyStories-656K-gguf/tinystories-656k-q8_0.gguf");
  auto mf = formats::parse_gguf(bytes, "x");
  ASSERT_TRUE(mf);
  const uint64_t huge[] = {~0ull, 1ull << 63, 1ull << 40, 0xffffffffull, 1ull << 32};
  // Overwrite 8-byte fields in the header region with huge values: every
  // 4-byte step through the counts, keys and tensor infos at the start, then sparser.
  for (size_t pos = 8; pos + 8 <= mf->data_offset; pos += pos < 4096 ? 4 : 97) {
    for (uint64_t h : huge) {
      auto copy = bytes;
      std::memcpy(copy.data() + pos, &h, 8);
      check_variant(formats::parse_gguf, copy, "huge.gguf");
    }
  }
}

TEST(CorruptFiles, SafetensorsTruncationsFlipsAndHugeHeaders) {
  auto bytes = load("models/TinyStories-656K/model.safetensors");
  ASSERT_TRUE(formats::parse_safetensors(bytes, "x"));
  uint64_t header_len;
  std::memcpy(&header_len, bytes.data(), 8);
  for (size_t cut : {size_t(0), size_t(4), size_t(8), size_t(9), size_t(8 + header_len / 2), size_t(8 + header_len),
                     size_t(8 + header_len + 1), bytes.size() - 1}) {
    std::vector<uint8_t> t(bytes.begin(), bytes.begin() + static_cast<long>(cut));
    EXPECT_FALSE(formats::parse_safetensors(t, "cut.safetensors")) << cut;
    check_variant(formats::parse_safetensors, t, "cut.safetensors");
  }
  std::mt19937_64 rng(99);
  for (int i = 0; i < 1000; ++i) {
    auto copy = bytes;
    size_t pos = rng() % (8 + header_len);
    copy[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
    check_variant(formats::parse_safetensors, copy, "flip.safetensors");
  }
  for (uint64_t h : std::array<uint64_t, 5>{~0ull, 1ull << 40, 100'000'001, 0, 1}) {
    auto copy = bytes;
    std::memcpy(copy.data(), &h, 8);
    EXPECT_FALSE(formats::parse_safetensors(copy, "huge.safetensors"));
  }
}

TEST(CorruptFiles, SafetensorsSemanticErrors) {
  auto make = [](const std::string& header, size_t data) {
    std::vector<uint8_t> b(8);
    uint64_t n = header.size();
    std::memcpy(b.data(), &n, 8);
    b.insert(b.end(), header.begin(), header.end());
    b.insert(b.end(), data, 0);
    return b;
  };
  auto err = [&](const std::string& header, size_t data) {
    auto r = formats::parse_safetensors(make(header, data), "m.safetensors");
    return r ? std::string("(parsed)") : r.error().message;
  };
  EXPECT_EQ(err(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8), "(parsed)");
  EXPECT_NE(err(R"({"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}})", 8).find("unknown dtype"), std::string::npos);
  EXPECT_NE(err(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8).find("need 12"), std::string::npos);
  EXPECT_NE(err(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12)
                .find("overlaps"), std::string::npos);
  EXPECT_NE(err(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", 16).find("unused bytes"), std::string::npos);
  EXPECT_NE(err(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 100).find("no tensor uses"), std::string::npos);
  EXPECT_NE(err(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4).find("outside the file"), std::string::npos);
  EXPECT_NE(err(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,8]}})", 8)
                .find("overflows"), std::string::npos);
  EXPECT_NE(err(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8)
                .find("duplicate"), std::string::npos);
  EXPECT_NE(err(R"({"__metadata__":{"k":1}})", 0).find("not a string"), std::string::npos);
  EXPECT_NE(err(R"([1,2])", 0).find("not a JSON object"), std::string::npos);
}

TEST(CorruptFiles, Llama2cTruncatedOrResized) {
  auto bytes = load("models/stories260K-llama2c/stories260K.bin");
  for (size_t cut : {size_t(0), size_t(10), size_t(28), bytes.size() / 2, bytes.size() - 4}) {
    std::vector<uint8_t> t(bytes.begin(), bytes.begin() + static_cast<long>(cut));
    EXPECT_FALSE(formats::parse_llama2c(t, "cut.bin")) << cut;
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 500; ++i) {
    auto copy = bytes;
    copy[rng() % 28] ^= static_cast<uint8_t>(1u << (rng() % 8));
    check_variant(formats::parse_llama2c, copy, "flip.bin");
  }
}
