#pragma once
// The ggml tensor type table: id, name, block size and bytes per block for
// every type in ggml's current enum, so sizes and offsets validate even for
// types heft cannot compute with. Types that only safetensors has (FP8 and
// unsigned integers) get ids above kFirstHeftOnlyType; they never appear in a GGUF.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace heft::formats {

enum class GgmlType : uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
  IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22, IQ4_XS = 23,
  I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30,
  TQ1_0 = 34, TQ2_0 = 35, MXFP4 = 39, NVFP4 = 40, Q1_0 = 41, Q2_0 = 42,
  // safetensors-only dtypes (not ggml types)
  F8_E4M3 = 1000, F8_E5M2 = 1001, U8 = 1002, U16 = 1003, U32 = 1004, U64 = 1005, BOOL = 1006,
};

inline constexpr uint32_t kFirstHeftOnlyType = 1000;

struct TypeTraits {
  GgmlType type;
  std::string_view name;     // ggml's name, e.g. "Q4_K"
  uint32_t block_size;       // elements per block
  uint32_t block_bytes;      // bytes per block
  bool quantized;
};

// nullptr when the id is not a known type.
const TypeTraits* type_traits(GgmlType type);
const TypeTraits* type_traits(uint32_t id);
std::optional<GgmlType> type_from_name(std::string_view name);  // case-insensitive
std::string_view type_name(GgmlType type);                       // "?" when unknown

// Bytes of a row of n elements; nullopt when n is not a multiple of the block size
// or the type is unknown.
std::optional<uint64_t> row_bytes(GgmlType type, uint64_t n);

// Every known type, in id order (for listings and tests).
std::span<const TypeTraits> all_types();

}  // namespace heft::formats
