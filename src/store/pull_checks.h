#pragma once
// What `heft pull` checks before the bulk of a download: that heft can run the
// model — a GGUF's architecture and tensor types from its first megabytes, a
// checkpoint's config.json architectures and its first shard's dtypes — so a
// model heft cannot use is refused after megabytes, not after gigabytes.
#include <functional>
#include <string>

#include "formats/metadata.h"
#include "store/download.h"

namespace heft::store {

// For a GGUF of `file_size` bytes; `on_metadata` (may be empty) receives the
// header's metadata once it has been read (the licence keys live there).
PrefixCheck gguf_support_check(uint64_t file_size, const std::string& display,
                               std::function<void(const formats::Metadata&)> on_metadata = {});

// For a safetensors file: the header's dtypes are ones heft reads.
PrefixCheck safetensors_support_check(uint64_t file_size, const std::string& display);

// A checkpoint's config.json (in the snapshot folder) names an architecture heft runs.
util::Result<void> check_checkpoint_config(const std::string& snapshot_dir);

}  // namespace heft::store
