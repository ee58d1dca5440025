#pragma once
// Keys and values of one sequence, per layer, position-major:
// k[layer][pos][kv_dim], v[layer][pos][v_dim], in F32 or F16 (llama.cpp's default).
#include <cstdint>
#include <string_view>
#include <vector>

namespace heft::engine {

enum class CacheType { F32, F16 };
std::string_view cache_type_name(CacheType t);

class KvCache {
 public:
  KvCache(int64_t n_layer, int64_t n_ctx, int64_t k_dim, int64_t v_dim, CacheType type);

  CacheType type() const { return type_; }
  int64_t n_ctx() const { return n_ctx_; }
  int64_t k_dim() const { return k_dim_; }
  int64_t v_dim() const { return v_dim_; }
  size_t bytes() const { return k_.size() + v_.size(); }

  void store_k(int64_t layer, int64_t pos, const float* src);
  void store_v(int64_t layer, int64_t pos, const float* src);
  // Raw rows: F32 → float*, F16 → uint16_t*.
  const void* k_row(int64_t layer, int64_t pos) const { return k_.data() + offset(layer, pos, k_dim_); }
  const void* v_row(int64_t layer, int64_t pos) const { return v_.data() + offset(layer, pos, v_dim_); }
  void* k_row_mut(int64_t layer, int64_t pos) { return k_.data() + offset(layer, pos, k_dim_); }
  // Moves positions [from, from + count) to [to, ...) in every layer (context shift).
  void move(int64_t from, int64_t to, int64_t count);

 private:
  size_t elem() const { return type_ == CacheType::F32 ? 4 : 2; }
  size_t offset(int64_t layer, int64_t pos, int64_t dim) const {
    return (static_cast<size_t>(layer) * static_cast<size_t>(n_ctx_) + static_cast<size_t>(pos)) *
           static_cast<size_t>(dim) * elem();
  }
  void store(std::vector<uint8_t>& buf, int64_t layer, int64_t pos, int64_t dim, const float* src);

  int64_t n_layer_, n_ctx_, k_dim_, v_dim_;
  CacheType type_;
  std::vector<uint8_t> k_, v_;
};

}  // namespace heft::engine
