#pragma once
// Streaming GGUF v3 writer: header, metadata and tensor infos first (offsets
// follow from the sizes), then each tensor's bytes as `fill` produces them, in
// chunks, so memory stays constant however large the model. The file appears
// under its name only when complete (util::AtomicFile).
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "formats/ggml_types.h"
#include "formats/metadata.h"
#include "util/error.h"

namespace heft::formats {

struct GgufTensorSpec {
  std::string name;
  GgmlType type = GgmlType::F32;
  std::vector<uint64_t> shape;  // GGUF order
};

using GgufChunkSink = std::function<util::Result<void>(std::span<const uint8_t>)>;
using GgufTensorFill = std::function<util::Result<void>(size_t index, const GgufChunkSink& sink)>;

struct GgufWriteOptions {
  bool overwrite = false;
  uint32_t version = 3;
  // Called after each tensor with (tensors done, total) for progress display.
  std::function<void(size_t, size_t)> on_tensor_done;
};

// Bytes a tensor of this type and shape occupies; an error names what is wrong.
util::Result<uint64_t> tensor_bytes(const GgufTensorSpec& spec);

util::Result<void> write_gguf(const std::string& path, const Metadata& metadata,
                              const std::vector<GgufTensorSpec>& tensors, const GgufTensorFill& fill,
                              const GgufWriteOptions& options = {});

}  // namespace heft::formats
