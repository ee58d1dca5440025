#include "formats/model_file.h"

namespace heft::formats {

std::string_view format_name(FileFormat f) {
  switch (f) {
    case FileFormat::Gguf: return "gguf";
    case FileFormat::Safetensors: return "safetensors";
    case FileFormat::HfFolder: return "hf";
    case FileFormat::Llama2c: return "llama2c";
  }
  return "?";
}

uint64_t TensorInfo::elements() const {
  uint64_t n = 1;
  for (uint64_t d : shape) n *= d;  // readers have checked this cannot overflow
  return n;
}

const TensorInfo* ModelFile::tensor(std::string_view name) const {
  auto it = tensor_index_.find(std::string(name));
  return it == tensor_index_.end() ? nullptr : &tensors[it->second];
}

void ModelFile::index_tensors() {
  tensor_index_.clear();
  for (size_t i = 0; i < tensors.size(); ++i) tensor_index_.emplace(tensors[i].name, i);
}

uint64_t ModelFile::parameter_count() const {
  uint64_t n = 0;
  for (const auto& t : tensors) n += t.elements();
  return n;
}

}  // namespace heft::formats
