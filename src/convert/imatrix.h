#pragma once
// Importance matrices (llama-imatrix's output) for importance-weighted
// quantization: per tensor, the mean squared activation of each input column.
// Both of llama.cpp's formats are read: GGUF (<name>.in_sum2 / <name>.counts)
// and the legacy binary .dat.
#include <string>
#include <unordered_map>
#include <vector>

#include "util/error.h"

namespace heft::convert {

struct Imatrix {
  std::unordered_map<std::string, std::vector<float>> values;  // GGUF tensor name → weights per column
  std::vector<std::string> datasets;
  const std::vector<float>* find(const std::string& tensor, size_t n_per_row) const;
};

util::Result<Imatrix> read_imatrix(const std::string& path);

}  // namespace heft::convert
