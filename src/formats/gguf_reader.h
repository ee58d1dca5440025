#pragma once
// GGUF v2/v3 reader. Validates everything before trusting it: counts and
// lengths against the bytes left, dimensions against overflow, tensor data
// against the file size, alignment and overlaps. Tensors are views into the mmap.
#include <memory>
#include <span>
#include <string>

#include "formats/model_file.h"
#include "util/error.h"

namespace heft::formats {

util::Result<ModelFile> read_gguf(const std::string& path);
// Parses an in-memory image (fuzzers, tests); `name` is used in errors.
util::Result<ModelFile> parse_gguf(std::span<const uint8_t> bytes, const std::string& name);

bool looks_like_gguf(std::span<const uint8_t> first_bytes);

}  // namespace heft::formats
