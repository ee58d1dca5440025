#pragma once
// Builds GGUF bytes by hand, including malformed ones the writer refuses to make.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace heft::test {

struct GgufBuilder {
  std::vector<uint8_t> bytes;

  template <class T>
  GgufBuilder& put(T v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    bytes.insert(bytes.end(), p, p + sizeof(T));
    return *this;
  }
  GgufBuilder& str(const std::string& s) {
    put<uint64_t>(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
    return *this;
  }
  GgufBuilder& header(uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
    bytes.insert(bytes.end(), {'G', 'G', 'U', 'F'});
    return put(version).put(n_tensors).put(n_kv);
  }
  GgufBuilder& kv_u32(const std::string& key, uint32_t v) { return str(key).put<uint32_t>(4).put(v); }
  GgufBuilder& kv_str(const std::string& key, const std::string& v) { return str(key).put<uint32_t>(8).str(v); }
  GgufBuilder& tensor(const std::string& name, std::vector<int64_t> dims, uint32_t type, uint64_t offset) {
    str(name).put<uint32_t>(static_cast<uint32_t>(dims.size()));
    for (int64_t d : dims) put(d);
    return put(type).put(offset);
  }
  GgufBuilder& pad(size_t alignment = 32) {
    while (bytes.size() % alignment) bytes.push_back(0);
    return *this;
  }
  GgufBuilder& data(size_t n, uint8_t fill = 0) {
    bytes.insert(bytes.end(), n, fill);
    return *this;
  }
};

}  // namespace heft::test
