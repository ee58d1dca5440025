#pragma once
// Which type each tensor gets when a model is converted or quantized to a
// file type (llama.cpp's "ftype"): the mixtures Q3_K_M, Q4_K_M, ... give more
// bits to the tensors that need them, with llama-quantize's exact choices, so
// heft's files match llama.cpp's tensor for tensor.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/ggml_types.h"

namespace heft::convert {

struct FileType {
  std::string_view name;       // "Q4_K_M"
  uint32_t id;                 // general.file_type (llama_ftype)
  formats::GgmlType base;      // the default tensor type
};

std::optional<FileType> file_type_from_name(std::string_view name);  // case-insensitive
std::vector<std::string_view> file_type_names();

struct TensorDesc {
  std::string name;                 // GGUF name, e.g. "blk.3.ffn_down.weight"
  formats::GgmlType source_type;
  std::vector<uint64_t> shape;      // GGUF order
};

struct PolicyOptions {
  uint32_t n_head = 0, n_head_kv = 0;  // for the grouped-query rules
  bool has_imatrix = false;
};

// One type per tensor, in order (the choice for a tensor can depend on how many
// of its kind came before, as in llama.cpp).
std::vector<formats::GgmlType> choose_tensor_types(const FileType& ft, const std::vector<TensorDesc>& tensors,
                                                   const PolicyOptions& options);

}  // namespace heft::convert
