#pragma once
// safetensors: an 8-byte little-endian header length, a JSON header
// ({"__metadata__": {str: str}, name: {dtype, shape, data_offsets}}), then the
// data. Validated like the reference library: header size limit, known dtypes,
// sizes that match shapes, offsets inside the buffer, no overlaps or holes.
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "formats/model_file.h"
#include "util/error.h"

namespace heft::formats {

inline constexpr uint64_t kMaxSafetensorsHeader = 100'000'000;  // as the reference library

// dtype string ("BF16", "F8_E4M3", ...) <-> tensor type.
std::optional<GgmlType> safetensors_dtype(std::string_view dtype);
std::string_view safetensors_dtype_name(GgmlType type);  // "" when not storable

// One file. Tensor names and shapes as stored, shapes reversed into GGUF order;
// `__metadata__` entries become string metadata under "safetensors.<key>".
util::Result<ModelFile> read_safetensors(const std::string& path);
util::Result<ModelFile> parse_safetensors(std::span<const uint8_t> bytes, const std::string& name);

// A sharded checkpoint from its model.safetensors.index.json.
util::Result<ModelFile> read_safetensors_index(const std::string& index_path);

bool looks_like_safetensors(std::span<const uint8_t> first_bytes, uint64_t file_size);

// Streaming writer: the header is written from the tensor list, then each
// tensor's bytes come from `fill` (called once per tensor, in order, with a
// sink that takes chunks). Writes to a temporary name and renames at the end.
struct SafetensorsTensor {
  std::string name;
  GgmlType type;                // F32, F16, BF16, I8..I64, F64, F8_*, U*, BOOL
  std::vector<uint64_t> shape;  // GGUF order (reversed on disk)
};
using ChunkSink = std::function<util::Result<void>(std::span<const uint8_t>)>;
util::Result<void> write_safetensors(const std::string& path, const std::vector<SafetensorsTensor>& tensors,
                                     const std::vector<std::pair<std::string, std::string>>& metadata,
                                     const std::function<util::Result<void>(size_t index, const ChunkSink&)>& fill);

}  // namespace heft::formats
