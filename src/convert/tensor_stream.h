#pragma once
// Writes one tensor in a target type from rows of floats produced on demand,
// a slice of rows at a time across the thread pool: memory stays at one slice
// whatever the tensor's size, and the output does not depend on the thread count.
#include <cstdint>
#include <functional>

#include "formats/gguf_writer.h"
#include "util/thread_pool.h"

namespace heft::convert {

// Fills `out` with rows [row0, row0 + n) of the source as floats (n x n_cols).
using RowSource = std::function<void(int64_t row0, int64_t n, float* out)>;

util::Result<void> stream_tensor(const RowSource& source, int64_t n_rows, int64_t n_cols, formats::GgmlType target,
                                 const float* importance, const formats::GgufChunkSink& sink, util::ThreadPool& pool);

// write_gguf with a progress bar (on a terminal) labelled `label`.
util::Result<void> write_gguf_with_progress(const std::string& path, const formats::Metadata& md,
                                            const std::vector<formats::GgufTensorSpec>& specs,
                                            const formats::GgufTensorFill& fill, bool overwrite, bool progress,
                                            const std::string& label);

// A RowSource reading a stored tensor of any type heft can dequantize.
RowSource rows_of(formats::GgmlType type, const uint8_t* data, int64_t n_cols);

}  // namespace heft::convert
