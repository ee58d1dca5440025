// heft's quantizers against llama.cpp's own output: every tensor of the F32
// reference model, quantized into the type llama-quantize chose for it (no
// imatrix), must come out byte-identical to the quantized file llama.cpp wrote.
// Also: heft's dequantization of llama.cpp's blocks against a per-element
// formula written straight from ggml-common.h's layouts, and against the F32
// originals (the blocks must decode to the weights they were made from).
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "formats/gguf_reader.h"
#include "kernel_test_util.h"
#include "kernels/fp16.h"
#include "kernels/quant.h"
#include "support/test_paths.h"

using namespace heft;
using formats::GgmlType;
using test_kernels::row_size;

namespace {

struct QuantFile {
  const char* f32;
  const char* quantized;
};

const QuantFile kFiles[] = {
    {"models/synthetic-mini-gguf/synthetic-mini-f32.gguf", "models/synthetic-mini-gguf/synthetic-mini-q8_0.gguf"},
    {"models/synthetic-mini-gguf/synthetic-mini-f32.gguf", "models/synthetic-mini-gguf/synthetic-mini-q4_0.gguf"},
    {"models/synthetic-mini-gguf/synthetic-mini-f32.gguf", "models/synthetic-mini-gguf/synthetic-mini-q4_1.gguf"},
    {"models/synthetic-mini-gguf/synthetic-mini-f32.gguf", "models/synthetic-mini-gguf/synthetic-mini-q5_0.gguf"},
    {"models/synthetic-mini-gguf/synthetic-mini-f32.gguf", "models/synthetic-mini-gguf/synthetic-mini-q5_1.gguf"},
    {"models/synthetic-mini-gguf/synthetic-mini-f32.gguf", "models/synthetic-mini-gguf/synthetic-mini-q2_k.gguf"},
    {"models/synthetic-mini-gguf/synthetic-mini-f32.gguf", "models/synthetic-mini-gguf/synthetic-mini-q3_k_m.gguf"},
    {"models/synthetic-mini-gguf/synthetic-mini-f32.gguf", "models/synthetic-mini-gguf/synthetic-mini-q4_k_m.gguf"},
    {"models/synthetic-mini-gguf/synthetic-mini-f32.gguf", "models/synthetic-mini-gguf/synthetic-mini-q5_k_m.gguf"},
    {"models/synthetic-mini-gguf/synthetic-mini-f32.gguf", "models/synthetic-mini-gguf/synthetic-mini-q6_k.gguf"},
    {"models/TinyStories-656K-gguf/tinystories-656k-f32.gguf", "models/TinyStories-656K-gguf/tinystories-656k-q8_0.gguf"},
};

std::string file_label(const testing::TestParamInfo<QuantFile>& info) {
  std::string s = info.param.quantized;
  s = s.substr(s.rfind('/') + 1);
  s = s.substr(0, s.find('.'));
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

std::vector<float> load_f32(const formats::TensorInfo& t) {
  std::vector<float> v(static_cast<size_t>(t.elements()));
  std::memcpy(v.data(), t.data, v.size() * sizeof(float));  // no assumption about the mapping's alignment
  return v;
}

class LlamaQuantizeFiles : public testing::TestWithParam<QuantFile> {};

// The killer test: byte-identical quantization, reported per type.
TEST_P(LlamaQuantizeFiles, QuantizeIsByteIdentical) {
  auto f32 = formats::read_gguf(test::shared(GetParam().f32));
  ASSERT_TRUE(f32) << f32.error().message;
  auto q = formats::read_gguf(test::shared(GetParam().quantized));
  ASSERT_TRUE(q) << q.error().message;

  std::map<std::string, std::pair<int, int>> per_type;  // type -> (identical, total)
  int quantized_tensors = 0;
  for (const auto& t : q->tensors) {
    const formats::TensorInfo* src = f32->tensor(t.name);
    ASSERT_NE(src, nullptr) << t.name;
    ASSERT_EQ(src->type, GgmlType::F32) << t.name;
    ASSERT_EQ(src->shape, t.shape) << t.name;
    auto& counts = per_type[std::string(formats::type_name(t.type))];
    ++counts.second;
    if (t.type != GgmlType::F32) ++quantized_tensors;
    ASSERT_TRUE(kernels::can_quantize(t.type)) << formats::type_name(t.type);

    const std::vector<float> x = load_f32(*src);
    const int64_t n_per_row = static_cast<int64_t>(t.shape[0]);
    const int64_t rows = static_cast<int64_t>(t.rows());
    std::vector<uint8_t> out(row_size(t.type, n_per_row) * rows);
    const size_t written = kernels::quantize_rows(t.type, x.data(), out.data(), rows, n_per_row, nullptr);
    ASSERT_EQ(written, t.bytes) << t.name;
    ASSERT_EQ(out.size(), t.bytes) << t.name;
    if (std::memcmp(out.data(), t.data, out.size()) == 0) {
      ++counts.first;
    } else {
      size_t at = 0;
      while (out[at] == t.data[at]) ++at;
      const size_t block_bytes = formats::type_traits(t.type)->block_bytes;
      ADD_FAILURE() << t.name << " (" << formats::type_name(t.type) << "): first difference at byte " << at
                    << " (block " << at / block_bytes << ", byte " << at % block_bytes << " in it): heft "
                    << int(out[at]) << ", llama.cpp " << int(t.data[at]);
    }
  }
  EXPECT_GE(quantized_tensors, 15);  // the file really holds quantized matrices
  std::string summary;
  for (const auto& [type, c] : per_type)
    summary += " " + type + " " + std::to_string(c.first) + "/" + std::to_string(c.second);
  std::printf("[ identical ] %s:%s\n", GetParam().quantized, summary.c_str());
  for (const auto& [type, c] : per_type) EXPECT_EQ(c.first, c.second) << type;
}

// ---- dequantization of llama.cpp's blocks ----

float h(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return kernels::fp16_to_fp32(v);
}
float f(int v) { return static_cast<float>(v); }

// Element e of one block at p, decoded by index from ggml-common.h's byte layout,
// with ggml's float association ((d * sc) * q - dmin * m).
float naive_element(GgmlType type, const uint8_t* p, int e) {
  switch (type) {
    case GgmlType::Q8_0: return f(static_cast<int8_t>(p[2 + e])) * h(p);
    case GgmlType::Q4_0: {
      const int q = e < 16 ? p[2 + e] & 15 : p[2 + e - 16] >> 4;
      return f(q - 8) * h(p);
    }
    case GgmlType::Q4_1: {
      const int q = e < 16 ? p[4 + e] & 15 : p[4 + e - 16] >> 4;
      return f(q) * h(p) + h(p + 2);
    }
    case GgmlType::Q5_0: {
      const uint32_t qh = p[2] | p[3] << 8 | p[4] << 16 | uint32_t(p[5]) << 24;
      const int q = (e < 16 ? p[6 + e] & 15 : p[6 + e - 16] >> 4) | int(qh >> e & 1) << 4;
      return f(q - 16) * h(p);
    }
    case GgmlType::Q5_1: {
      const uint32_t qh = p[4] | p[5] << 8 | p[6] << 16 | uint32_t(p[7]) << 24;
      const int q = (e < 16 ? p[8 + e] & 15 : p[8 + e - 16] >> 4) | int(qh >> e & 1) << 4;
      return f(q) * h(p) + h(p + 2);
    }
    case GgmlType::Q2_K: {  // scales[16] qs[64] d dmin
      const int sc = p[e / 16];
      const int q = (p[16 + 32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
      return h(p + 80) * f(sc & 15) * f(q) - h(p + 82) * f(sc >> 4);
    }
    case GgmlType::Q3_K: {  // hmask[32] qs[64] scales[12] d
      const int j = e / 16;
      const uint8_t* s = p + 96;
      const int sc = ((j < 8 ? s[j] & 15 : s[j - 8] >> 4) | ((s[8 + j % 4] >> (2 * (j / 4))) & 3) << 4) - 32;
      const int lo = (p[32 + 32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
      const int q = lo - ((p[e % 32] >> (e / 32) & 1) ? 0 : 4);
      return h(p + 108) * f(sc) * f(q);
    }
    case GgmlType::Q4_K:
    case GgmlType::Q5_K: {  // d dmin scales[12] [qh[32]] qs[128]
      const int j = e / 32;
      const uint8_t* s = p + 4;
      const int sc = j < 4 ? s[j] & 63 : (s[j + 4] & 15) | (s[j - 4] >> 6) << 4;
      const int m = j < 4 ? s[j + 4] & 63 : (s[j + 4] >> 4) | (s[j] >> 6) << 4;
      const bool five = type == GgmlType::Q5_K;
      const uint8_t* qs = p + (five ? 48 : 16);
      int q = (qs[32 * (j / 2) + e % 32] >> (4 * (j % 2))) & 15;
      if (five) q |= (p[16 + e % 32] >> j & 1) << 4;
      return h(p) * f(sc) * f(q) - h(p + 2) * f(m);
    }
    case GgmlType::Q6_K: {  // ql[128] qh[64] scales[16] d
      const int hf = e / 128, k = (e % 128) / 32, l = e % 32;
      const int lo = (p[64 * hf + l + 32 * (k & 1)] >> (4 * (k / 2))) & 15;
      const int hi = (p[128 + 32 * hf + l] >> (2 * k)) & 3;
      return h(p + 208) * f(static_cast<int8_t>(p[192 + e / 16])) * f((lo | hi << 4) - 32);
    }
    default: ADD_FAILURE() << "no naive decoder"; return 0;
  }
}

// Bounds on rms(dequant - original) / rms(original) for normally distributed weights,
// a little above what each format's bits allow (uniform error ~ step / sqrt(12)).
double relative_rms_bound(GgmlType t) {
  switch (t) {
    case GgmlType::Q8_0: return 0.01;
    case GgmlType::Q6_K: return 0.03;
    case GgmlType::Q5_0: case GgmlType::Q5_1: case GgmlType::Q5_K: return 0.06;
    case GgmlType::Q4_0: case GgmlType::Q4_1: case GgmlType::Q4_K: return 0.12;
    case GgmlType::Q3_K: return 0.25;
    case GgmlType::Q2_K: return 0.45;
    default: return 0;
  }
}

TEST_P(LlamaQuantizeFiles, DequantizeMatchesLayoutFormulaAndOriginals) {
  auto f32 = formats::read_gguf(test::shared(GetParam().f32));
  ASSERT_TRUE(f32) << f32.error().message;
  auto q = formats::read_gguf(test::shared(GetParam().quantized));
  ASSERT_TRUE(q) << q.error().message;
  int checked = 0;
  for (const auto& t : q->tensors) {
    if (t.type == GgmlType::F32) continue;
    const auto* tr = formats::type_traits(t.type);
    const int64_t n = static_cast<int64_t>(t.elements());
    std::vector<float> y(static_cast<size_t>(n));
    ASSERT_TRUE(kernels::can_dequantize(t.type));
    // Row by row, as the engine does (rows start at arbitrary block boundaries).
    const int64_t n_per_row = static_cast<int64_t>(t.shape[0]);
    for (uint64_t r = 0; r < t.rows(); ++r)
      kernels::dequantize_row(t.type, t.data + r * row_size(t.type, n_per_row), y.data() + r * n_per_row, n_per_row);
    int64_t mismatches = 0;
    for (int64_t e = 0; e < n; ++e) {
      const float want = naive_element(t.type, t.data + (e / tr->block_size) * tr->block_bytes,
                                       static_cast<int>(e % tr->block_size));
      if (std::memcmp(&want, &y[e], sizeof want) != 0 && ++mismatches <= 3)
        ADD_FAILURE() << t.name << " element " << e << ": heft " << y[e] << ", formula " << want;
    }
    EXPECT_EQ(mismatches, 0) << t.name;

    const std::vector<float> x = load_f32(*f32->tensor(t.name));
    double err2 = 0, ref2 = 0;
    for (int64_t e = 0; e < n; ++e) {
      err2 += (double(y[e]) - x[e]) * (double(y[e]) - x[e]);
      ref2 += double(x[e]) * x[e];
    }
    EXPECT_LT(std::sqrt(err2 / ref2), relative_rms_bound(t.type)) << t.name << " " << tr->name;
    ++checked;
  }
  EXPECT_GE(checked, 15);
}

INSTANTIATE_TEST_SUITE_P(Kernels, LlamaQuantizeFiles, testing::ValuesIn(kFiles), file_label);

}  // namespace
