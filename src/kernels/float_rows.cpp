// F32, F16 and BF16 rows: conversion to and from float (ggml_fp32_to_fp16_row,
// ggml_fp32_to_bf16_row_ref, and their inverses). Elements are read and written
// with memcpy: rows inside a mapped file need not be aligned.
#include <cstring>

#include "kernels/fp16.h"
#include "kernels/quant_rows.h"

namespace heft::kernels {

namespace {

uint16_t load_u16(const void* p, int64_t i) {
  uint16_t v;
  std::memcpy(&v, static_cast<const uint8_t*>(p) + 2 * i, sizeof v);
  return v;
}
void store_u16(void* p, int64_t i, uint16_t v) { std::memcpy(static_cast<uint8_t*>(p) + 2 * i, &v, sizeof v); }

}  // namespace

void dequantize_row_f32(const void* src, float* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}
void dequantize_row_f16(const void* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(load_u16(src, i));
}
void dequantize_row_bf16(const void* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(load_u16(src, i));
}

void quantize_row_f32(const float* x, void* dst, int64_t n) {
  std::memcpy(dst, x, static_cast<size_t>(n) * sizeof(float));
}
void quantize_row_f16(const float* x, void* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) store_u16(dst, i, fp32_to_fp16(x[i]));
}
void quantize_row_bf16(const float* x, void* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) store_u16(dst, i, fp32_to_bf16(x[i]));
}

}  // namespace heft::kernels
