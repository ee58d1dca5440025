#pragma once
// PyTorch pickle checkpoints (pytorch_model.bin, *.pt, *.pth, *.ckpt) can run
// arbitrary code when loaded. heft recognises them and refuses; it never unpickles.
#include <span>
#include <string>

#include "util/error.h"

namespace heft::formats {

// A zip archive holding a data.pkl, or a raw pickle stream (protocol 2-5).
bool looks_like_pickle_checkpoint(std::span<const uint8_t> first_bytes);
bool has_pickle_extension(const std::string& path);
util::Error pickle_refusal(const std::string& path);

}  // namespace heft::formats
