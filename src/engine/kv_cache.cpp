#include "engine/kv_cache.h"

#include <cstring>

#include "kernels/quant.h"

namespace heft::engine {

std::string_view cache_type_name(CacheType t) { return t == CacheType::F32 ? "f32" : "f16"; }

size_t KvCache::row_bytes(int64_t n_layer, int64_t k_dim, int64_t v_dim, CacheType type) {
  return static_cast<size_t>(n_layer * (k_dim + v_dim)) * (type == CacheType::F32 ? 4 : 2);
}

KvCache::KvCache(int64_t n_layer, int64_t n_rows, int64_t k_dim, int64_t v_dim, CacheType type)
    : n_layer_(n_layer), n_rows_(n_rows), k_dim_(k_dim), v_dim_(v_dim), type_(type),
      k_bytes_(static_cast<size_t>(n_layer * n_rows * k_dim) * elem()),
      v_bytes_(static_cast<size_t>(n_layer * n_rows * v_dim) * elem()),
      k_(new uint8_t[k_bytes_]), v_(new uint8_t[v_bytes_]) {}

void KvCache::store(uint8_t* buf, int64_t layer, int64_t row, int64_t dim, const float* src) {
  uint8_t* dst = buf + offset(layer, row, dim);
  if (type_ == CacheType::F32) {
    std::memcpy(dst, src, static_cast<size_t>(dim) * 4);
  } else {
    auto* h = reinterpret_cast<uint16_t*>(dst);
    for (int64_t i = 0; i < dim; ++i) h[i] = kernels::fp32_to_fp16(src[i]);
  }
}

void KvCache::store_k(int64_t layer, int64_t row, const float* src) { store(k_.get(), layer, row, k_dim_, src); }
void KvCache::store_v(int64_t layer, int64_t row, const float* src) { store(v_.get(), layer, row, v_dim_, src); }

void KvCache::move(int64_t from, int64_t to, int64_t count) {
  for (int64_t l = 0; l < n_layer_; ++l) {
    std::memmove(k_.get() + offset(l, to, k_dim_), k_.get() + offset(l, from, k_dim_),
                 static_cast<size_t>(count * k_dim_) * elem());
    std::memmove(v_.get() + offset(l, to, v_dim_), v_.get() + offset(l, from, v_dim_),
                 static_cast<size_t>(count * v_dim_) * elem());
  }
}

}  // namespace heft::engine
