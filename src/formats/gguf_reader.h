#pragma once
// GGUF v2/v3 reader. Validates everything before trusting it: counts and
// lengths against the bytes left, dimensions against overflow, tensor data
// against the file size, alignment and overlaps. Tensors are views into the mmap
// (or, for a header read from a file's first bytes, have no data).
#include <memory>
#include <span>
#include <string>

#include "formats/model_file.h"
#include "util/error.h"

namespace heft::formats {

util::Result<ModelFile> read_gguf(const std::string& path);
// Parses an in-memory image (fuzzers, tests); `name` is used in errors.
util::Result<ModelFile> parse_gguf(std::span<const uint8_t> bytes, const std::string& name);

// A GGUF's header read from its first bytes, before (or without) the rest:
// `heft pull` checks a remote file's architecture and types from its first
// megabytes, `heft fit` sizes a model it has not downloaded.
struct GgufHeader {
  // Non-zero: the prefix ends inside the header; parse again with at least this
  // many bytes (a lower bound: what the failed read needed; fetching more, e.g.
  // double, saves round trips). `file` is then empty.
  uint64_t needed_bytes = 0;
  // Otherwise: metadata and tensor infos, each tensor's extent checked against
  // file_size exactly as parse_gguf checks it against the bytes it has; tensor
  // data pointers are null and there is no mapping. file.data_offset is where
  // the header ends (the data section starts).
  ModelFile file;
  uint64_t file_size = 0;
  bool complete() const { return needed_bytes == 0; }
};

// `prefix`: the first bytes of a GGUF of `file_size` bytes (any length; bytes
// past file_size are ignored). Errors: the header is malformed, or does not
// fit in file_size. A prefix that is merely too short is not an error (see
// GgufHeader::needed_bytes).
util::Result<GgufHeader> parse_gguf_header(std::span<const uint8_t> prefix, uint64_t file_size, const std::string& name);

bool looks_like_gguf(std::span<const uint8_t> first_bytes);

}  // namespace heft::formats
