// Malformed GGUF input gives one error naming the file, the byte offset and
// what is wrong; well-formed input reads back every value type.
#include <gtest/gtest.h>

#include "formats/gguf_reader.h"
#include "formats/gguf_builder.h"

using heft::formats::parse_gguf;
using heft::test::GgufBuilder;

namespace {

std::string error_of(const GgufBuilder& b) {
  auto r = parse_gguf(b.bytes, "bad.gguf");
  EXPECT_FALSE(r) << "expected an error";
  return r ? std::string() : r.error().to_string();
}

void expect_error(const GgufBuilder& b, const std::string& fragment) {
  std::string e = error_of(b);
  EXPECT_NE(e.find(fragment), std::string::npos) << e;
  EXPECT_TRUE(e.starts_with("bad.gguf: at byte ")) << e;
}

// One F32 tensor "t" of 8 elements, well formed.
GgufBuilder valid_one_tensor() {
  GgufBuilder b;
  b.header(3, 1, 1).kv_u32("general.alignment", 32).tensor("t", {8}, 0, 0).pad().data(32);
  return b;
}

}  // namespace

TEST(GgufReader, ReadsEveryValueType) {
  GgufBuilder b;
  b.header(3, 0, 14);
  b.str("u8").put<uint32_t>(0).put<uint8_t>(200);
  b.str("i8").put<uint32_t>(1).put<int8_t>(-5);
  b.str("u16").put<uint32_t>(2).put<uint16_t>(60000);
  b.str("i16").put<uint32_t>(3).put<int16_t>(-300);
  b.str("u32").put<uint32_t>(4).put<uint32_t>(4000000000u);
  b.str("i32").put<uint32_t>(5).put<int32_t>(-70000);
  b.str("f32").put<uint32_t>(6).put<float>(0.5f);
  b.str("bool").put<uint32_t>(7).put<uint8_t>(1);
  b.str("str").put<uint32_t>(8).str("héllo");
  b.str("u64").put<uint32_t>(10).put<uint64_t>(1ull << 40);
  b.str("i64").put<uint32_t>(11).put<int64_t>(-(1ll << 40));
  b.str("f64").put<uint32_t>(12).put<double>(0.25);
  b.str("arr").put<uint32_t>(9).put<uint32_t>(5).put<uint64_t>(3).put<int32_t>(1).put<int32_t>(-2).put<int32_t>(3);
  // A nested array: [[1, 2], ["a"]]
  b.str("nested").put<uint32_t>(9).put<uint32_t>(9).put<uint64_t>(2);
  b.put<uint32_t>(0).put<uint64_t>(2).put<uint8_t>(1).put<uint8_t>(2);
  b.put<uint32_t>(8).put<uint64_t>(1).str("a");
  auto r = parse_gguf(b.bytes, "all.gguf");
  ASSERT_TRUE(r) << r.error().to_string();
  const auto& md = r->metadata;
  EXPECT_EQ(md.get_int("u8"), 200);
  EXPECT_EQ(md.get_int("i8"), -5);
  EXPECT_EQ(md.get_int("u16"), 60000);
  EXPECT_EQ(md.get_int("i16"), -300);
  EXPECT_EQ(md.get_int("u32"), 4000000000ll);
  EXPECT_EQ(md.get_int("i32"), -70000);
  EXPECT_EQ(md.get_float("f32"), 0.5);
  EXPECT_EQ(md.get_bool("bool"), true);
  EXPECT_EQ(md.get_string("str"), "héllo");
  EXPECT_EQ(md.get_int("u64"), 1ll << 40);
  EXPECT_EQ(md.get_int("i64"), -(1ll << 40));
  EXPECT_EQ(md.get_float("f64"), 0.25);
  EXPECT_EQ(md.find("arr")->to_json().dump(), "[1,-2,3]");
  EXPECT_EQ(md.find("nested")->to_json().dump(), "[[1,2],[\"a\"]]");
}

TEST(GgufReader, ValidTensorIsAViewIntoTheBytes) {
  auto b = valid_one_tensor();
  auto r = parse_gguf(b.bytes, "ok.gguf");
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_EQ(r->tensors.size(), 1u);
  EXPECT_EQ(r->tensors[0].bytes, 32u);
  EXPECT_EQ(r->tensors[0].data, b.bytes.data() + r->data_offset);
}

TEST(GgufReader, RejectsBadMagicAndVersions) {
  GgufBuilder b;
  b.bytes = {'G', 'G', 'M', 'L', 0, 0, 0, 0};
  expect_error(b, "not a GGUF file");
  GgufBuilder v1;
  v1.header(1, 0, 0);
  expect_error(v1, "version 1");
  GgufBuilder v9;
  v9.header(9, 0, 0);
  expect_error(v9, "unsupported GGUF version 9");
  GgufBuilder be;
  be.header(0x03000000u, 0, 0);
  expect_error(be, "big-endian");
}

TEST(GgufReader, RejectsTruncation) {
  auto b = valid_one_tensor();
  for (size_t cut : {size_t(3), size_t(6), size_t(20), size_t(30), b.bytes.size() - 1}) {
    GgufBuilder t;
    t.bytes.assign(b.bytes.begin(), b.bytes.begin() + static_cast<long>(cut));
    auto r = parse_gguf(t.bytes, "cut.gguf");
    EXPECT_FALSE(r) << "cut at " << cut;
  }
}

TEST(GgufReader, RejectsAbsurdCountsAndLengths) {
  GgufBuilder kv;
  kv.header(3, 0, 1ull << 60);
  expect_error(kv, "metadata count");
  GgufBuilder tensors;
  tensors.header(3, 1ull << 60, 0);
  expect_error(tensors, "tensor count");
  GgufBuilder key;
  key.header(3, 0, 1).put<uint64_t>(1ull << 50).data(64);
  expect_error(key, "key length");
  GgufBuilder str;
  str.header(3, 0, 1).str("k").put<uint32_t>(8).put<uint64_t>(~0ull).data(64);
  expect_error(str, "string length");
  GgufBuilder arr;
  arr.header(3, 0, 1).str("k").put<uint32_t>(9).put<uint32_t>(6).put<uint64_t>(1ull << 61);
  expect_error(arr, "cannot fit");
}

TEST(GgufReader, RejectsUnknownTypes) {
  GgufBuilder value;
  value.header(3, 0, 1).str("k").put<uint32_t>(77).put<uint32_t>(0);
  expect_error(value, "unknown value type 77");
  GgufBuilder tensor;
  tensor.header(3, 1, 0).tensor("t", {32}, 31, 0).pad().data(64);
  expect_error(tensor, "unknown type id 31");
}

TEST(GgufReader, RejectsDuplicates) {
  GgufBuilder keys;
  keys.header(3, 0, 2).kv_u32("a", 1).kv_u32("a", 2);
  expect_error(keys, "duplicate metadata key 'a'");
  GgufBuilder names;
  names.header(3, 2, 0).tensor("t", {8}, 0, 0).tensor("t", {8}, 0, 32).pad().data(64);
  expect_error(names, "duplicate tensor name 't'");
}

TEST(GgufReader, RejectsBadAlignment) {
  GgufBuilder b;
  b.header(3, 0, 1).kv_u32("general.alignment", 24);
  expect_error(b, "power of two");
  GgufBuilder misaligned;
  misaligned.header(3, 1, 0).tensor("t", {8}, 0, 4).pad().data(64);
  expect_error(misaligned, "not a multiple of the alignment");
}

TEST(GgufReader, RejectsTensorsOutsideTheFileOrOverlapping) {
  GgufBuilder outside;
  outside.header(3, 1, 0).tensor("t", {8}, 0, 1ull << 40).pad().data(32);
  expect_error(outside, "lies outside the file");
  GgufBuilder too_big;
  too_big.header(3, 1, 0).tensor("t", {1024}, 0, 0).pad().data(32);
  expect_error(too_big, "lies outside the file");
  GgufBuilder overlap;
  overlap.header(3, 2, 0).tensor("a", {16}, 0, 0).tensor("b", {16}, 0, 32).pad().data(128);
  expect_error(overlap, "overlaps");
}

TEST(GgufReader, RejectsBadDimensions) {
  GgufBuilder overflow;
  overflow.header(3, 1, 0).tensor("t", {1ll << 40, 1ll << 40}, 0, 0).pad().data(32);
  expect_error(overflow, "overflows");
  GgufBuilder negative;
  negative.header(3, 1, 0).tensor("t", {-8}, 0, 0).pad().data(32);
  expect_error(negative, "negative dimension");
  GgufBuilder too_many;
  too_many.header(3, 1, 0).tensor("t", {1, 1, 1, 1, 1}, 0, 0).pad().data(32);
  expect_error(too_many, "dimensions (1 to 4 allowed)");
  GgufBuilder block;
  block.header(3, 1, 0).tensor("t", {30}, 8, 0).pad().data(64);
  expect_error(block, "not a multiple of the Q8_0 block size 32");
}
