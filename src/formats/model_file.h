#pragma once
// What every reader produces: metadata under GGUF key names, the tensor table
// (views into the file mapping), and the mapping itself, which outlives the views.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "formats/ggml_types.h"
#include "formats/metadata.h"
#include "util/mapped_file.h"

namespace heft::formats {

enum class FileFormat { Gguf, Safetensors, HfFolder, Llama2c };
std::string_view format_name(FileFormat f);  // "gguf", "safetensors", "hf", "llama2c"

struct TensorInfo {
  std::string name;
  GgmlType type = GgmlType::F32;
  std::vector<uint64_t> shape;  // GGUF order: shape[0] is the row length (fastest-varying)
  uint64_t offset = 0;          // from the start of the data section (GGUF) / data buffer (safetensors)
  uint64_t bytes = 0;
  const uint8_t* data = nullptr;  // view into the mapping; null only when the file was not mapped
  uint32_t file_index = 0;        // which mapping (sharded checkpoints)

  uint64_t elements() const;
  uint64_t rows() const { return shape.empty() || shape[0] == 0 ? 0 : elements() / shape[0]; }
  std::span<const uint8_t> span() const { return {data, static_cast<size_t>(bytes)}; }
};

class ModelFile {
 public:
  FileFormat format = FileFormat::Gguf;
  std::string path;            // file or folder the user named
  Metadata metadata;
  std::vector<TensorInfo> tensors;
  std::vector<std::shared_ptr<util::MappedFile>> mappings;
  // Tensor data heft made itself (transformed or quantized weights); views point into these.
  std::vector<std::shared_ptr<const std::vector<uint8_t>>> owned;

  // False while tensors carry Hugging Face names and layouts (model::map_hf_model renames them).
  bool gguf_names = true;

  // GGUF container facts (also set by other readers to what a GGUF would hold).
  uint32_t gguf_version = 3;
  uint64_t alignment = 32;
  uint64_t data_offset = 0;    // absolute file offset of the data section

  const TensorInfo* tensor(std::string_view name) const;
  void index_tensors();        // rebuild the name index after editing `tensors`
  uint64_t parameter_count() const;

 private:
  std::unordered_map<std::string, size_t> tensor_index_;
};

}  // namespace heft::formats
