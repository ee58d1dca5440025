#include "convert/quantize_in_memory.h"

#include <cstring>

#include "convert/tensor_stream.h"
#include "kernels/quant.h"
#include "model/hparams.h"
#include "util/thread_pool.h"

namespace heft::convert {

util::Result<void> quantize_in_memory(formats::ModelFile& mf, const FileType& type, unsigned threads) {
  if (!mf.gguf_names) return util::fail("internal: quantize_in_memory needs GGUF tensor names", mf.path);
  std::vector<TensorDesc> descs;
  for (const auto& t : mf.tensors) descs.push_back({t.name, t.type, t.shape});
  PolicyOptions po;
  if (auto hp = model::read_hparams(mf.metadata)) po = {.n_head = hp->n_head, .n_head_kv = hp->n_head_kv};
  const auto types = choose_tensor_types(type, descs, po);
  util::ThreadPool pool(threads);
  for (size_t i = 0; i < mf.tensors.size(); ++i) {
    formats::TensorInfo& t = mf.tensors[i];
    if (types[i] == t.type) continue;
    if (!kernels::can_dequantize(t.type))
      return util::fail("cannot re-encode tensor " + t.name + " from " + std::string(formats::type_name(t.type)), mf.path);
    const int64_t cols = static_cast<int64_t>(t.shape[0]), rows = static_cast<int64_t>(t.rows());
    auto bytes = formats::row_bytes(types[i], static_cast<uint64_t>(cols));
    if (!bytes) return util::fail("tensor " + t.name + " does not fit " + std::string(formats::type_name(types[i])), mf.path);
    auto buf = std::make_shared<std::vector<uint8_t>>(*bytes * static_cast<uint64_t>(rows));
    size_t filled = 0;
    HEFT_TRY(stream_tensor(rows_of(t.type, t.data, cols), rows, cols, types[i], nullptr,
                           [&](std::span<const uint8_t> chunk) -> util::Result<void> {
                             std::memcpy(buf->data() + filled, chunk.data(), chunk.size());
                             filled += chunk.size();
                             return {};
                           },
                           pool));
    t.type = types[i];
    t.data = buf->data();
    t.bytes = buf->size();
    mf.owned.push_back(std::move(buf));
  }
  return {};
}

}  // namespace heft::convert
