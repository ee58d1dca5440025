#pragma once
// Writes a model (GGUF, llama2.c; Hugging Face folders are mapped to GGUF
// names first) as a GGUF: metadata carried over, each tensor copied as it is
// or re-encoded into the type the file type's policy chooses. Streaming:
// memory stays near one slice of one tensor.
#include <optional>
#include <string>

#include "convert/quant_policy.h"
#include "formats/model_file.h"
#include "util/error.h"

namespace heft::convert {

struct ExportOptions {
  std::optional<FileType> type;   // none: keep every tensor's type
  std::string vocab_from;         // copy tokenizer.* metadata from this GGUF
  std::string imatrix;            // importance matrix for importance-weighted quantization
  bool overwrite = false;
  unsigned threads = 0;
  bool progress = true;
};

util::Result<void> export_gguf(const formats::ModelFile& src, const std::string& out_path, const ExportOptions& options);

}  // namespace heft::convert
