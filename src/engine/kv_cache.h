#pragma once
// Keys and values, per layer, row-major: k[layer][row][kv_dim],
// v[layer][row][v_dim], in F32 or F16 (llama.cpp's default). One sequence
// uses rows 0..n_ctx-1 as its positions; a server's sequences use blocks of
// block_size rows handed out by engine::KvPool. The memory is reserved,
// not touched: pages become resident as rows are first written.
#include <cstdint>
#include <memory>
#include <string_view>

namespace heft::engine {

enum class CacheType { F32, F16 };
std::string_view cache_type_name(CacheType t);

class KvCache {
 public:
  KvCache(int64_t n_layer, int64_t n_rows, int64_t k_dim, int64_t v_dim, CacheType type);

  CacheType type() const { return type_; }
  int64_t n_rows() const { return n_rows_; }
  int64_t k_dim() const { return k_dim_; }
  int64_t v_dim() const { return v_dim_; }
  size_t bytes() const { return k_bytes_ + v_bytes_; }
  // Bytes of keys and values one row (one token) takes over all layers.
  static size_t row_bytes(int64_t n_layer, int64_t k_dim, int64_t v_dim, CacheType type);

  void store_k(int64_t layer, int64_t row, const float* src);
  void store_v(int64_t layer, int64_t row, const float* src);
  // Raw rows: F32 → float*, F16 → uint16_t*.
  const void* k_row(int64_t layer, int64_t row) const { return k_.get() + offset(layer, row, k_dim_); }
  const void* v_row(int64_t layer, int64_t row) const { return v_.get() + offset(layer, row, v_dim_); }
  void* k_row_mut(int64_t layer, int64_t row) { return k_.get() + offset(layer, row, k_dim_); }
  // Moves rows [from, from + count) to [to, ...) in every layer (context shift).
  void move(int64_t from, int64_t to, int64_t count);

 private:
  size_t elem() const { return type_ == CacheType::F32 ? 4 : 2; }
  size_t offset(int64_t layer, int64_t row, int64_t dim) const {
    return (static_cast<size_t>(layer) * static_cast<size_t>(n_rows_) + static_cast<size_t>(row)) *
           static_cast<size_t>(dim) * elem();
  }
  void store(uint8_t* buf, int64_t layer, int64_t row, int64_t dim, const float* src);

  int64_t n_layer_, n_rows_, k_dim_, v_dim_;
  CacheType type_;
  size_t k_bytes_, v_bytes_;
  std::unique_ptr<uint8_t[]> k_, v_;  // default-initialized: untouched until written
};

}  // namespace heft::engine
