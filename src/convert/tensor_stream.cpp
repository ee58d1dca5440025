#include "convert/tensor_stream.h"

#include <algorithm>
#include <vector>

#include "kernels/quant.h"
#include "util/progress.h"

namespace heft::convert {

util::Result<void> stream_tensor(const RowSource& source, int64_t n_rows, int64_t n_cols, formats::GgmlType target,
                                 const float* importance, const formats::GgufChunkSink& sink, util::ThreadPool& pool) {
  auto row_bytes = formats::row_bytes(target, static_cast<uint64_t>(n_cols));
  if (!row_bytes) return util::fail("rows of " + std::to_string(n_cols) + " do not fit " + std::string(formats::type_name(target)) + " blocks");
  if (!kernels::can_quantize(target)) return util::fail("heft cannot write " + std::string(formats::type_name(target)) + " tensors");
  // About 4 MiB of floats per slice, at least one row per thread.
  const int64_t rows_per_slice =
      std::max<int64_t>(static_cast<int64_t>(pool.size()), (int64_t{1} << 20) / std::max<int64_t>(1, n_cols));
  std::vector<float> floats(static_cast<size_t>(std::min(rows_per_slice, n_rows) * n_cols));
  std::vector<uint8_t> bytes(static_cast<size_t>(std::min(rows_per_slice, n_rows)) * *row_bytes);
  for (int64_t row0 = 0; row0 < n_rows; row0 += rows_per_slice) {
    const int64_t n = std::min(rows_per_slice, n_rows - row0);
    pool.parallel_for(n, [&](int64_t r0, int64_t r1, unsigned) {
      float* f = floats.data() + r0 * n_cols;
      source(row0 + r0, r1 - r0, f);
      kernels::quantize_rows(target, f, bytes.data() + static_cast<size_t>(r0) * *row_bytes, r1 - r0, n_cols, importance);
    });
    HEFT_TRY(sink({bytes.data(), static_cast<size_t>(n) * *row_bytes}));
  }
  return {};
}

util::Result<void> write_gguf_with_progress(const std::string& path, const formats::Metadata& md,
                                            const std::vector<formats::GgufTensorSpec>& specs,
                                            const formats::GgufTensorFill& fill, bool overwrite, bool progress,
                                            const std::string& label) {
  util::Progress bar(label, specs.size());
  formats::GgufWriteOptions wo;
  wo.overwrite = overwrite;
  if (progress) wo.on_tensor_done = [&](size_t done, size_t) { bar.update(done); };
  HEFT_TRY(formats::write_gguf(path, md, specs, fill, wo));
  bar.finish();
  return {};
}

RowSource rows_of(formats::GgmlType type, const uint8_t* data, int64_t n_cols) {
  const uint64_t rb = *formats::row_bytes(type, static_cast<uint64_t>(n_cols));
  return [=](int64_t row0, int64_t n, float* out) {
    for (int64_t r = 0; r < n; ++r)
      kernels::dequantize_row(type, data + static_cast<uint64_t>(row0 + r) * rb, out + r * n_cols, n_cols);
  };
}

}  // namespace heft::convert
