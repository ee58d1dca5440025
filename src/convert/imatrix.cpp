#include "convert/imatrix.h"

#include <cmath>
#include <cstring>
#include <map>

#include "formats/gguf_reader.h"
#include "util/byte_reader.h"
#include "util/mapped_file.h"

namespace heft::convert {

const std::vector<float>* Imatrix::find(const std::string& tensor, size_t n_per_row) const {
  auto it = values.find(tensor);
  return it != values.end() && it->second.size() == n_per_row ? &it->second : nullptr;
}

namespace {

util::Result<Imatrix> read_legacy(std::span<const uint8_t> bytes, const std::string& path) {
  util::ByteReader r(bytes, path);
  Imatrix m;
  const int32_t n = HEFT_TRY(r.read<int32_t>());
  if (n < 1 || static_cast<uint64_t>(n) > r.remaining() / 12)
    return r.error_at(0, "not an importance matrix: implausible entry count " + std::to_string(n));
  for (int32_t i = 0; i < n; ++i) {
    const int32_t len = HEFT_TRY(r.read<int32_t>());
    if (len < 0 || static_cast<uint64_t>(len) > r.remaining()) return r.error("bad tensor name length");
    std::string name(HEFT_TRY(r.string_view(static_cast<uint64_t>(len))));
    const int32_t ncall = HEFT_TRY(r.read<int32_t>());
    const int32_t nval = HEFT_TRY(r.read<int32_t>());
    if (nval < 1 || static_cast<uint64_t>(nval) > r.remaining() / 4) return r.error("bad value count for " + name);
    auto raw = HEFT_TRY(r.bytes(static_cast<uint64_t>(nval) * 4));
    std::vector<float> v(static_cast<size_t>(nval));
    std::memcpy(v.data(), raw.data(), raw.size());
    // Legacy files store sums scaled by the call count.
    if (ncall > 0)
      for (float& x : v) x /= static_cast<float>(ncall);
    m.values[std::move(name)] = std::move(v);
  }
  if (r.remaining() >= 8) {
    (void)HEFT_TRY(r.read<int32_t>());  // chunk count
    const int32_t len = HEFT_TRY(r.read<int32_t>());
    if (len > 0 && static_cast<uint64_t>(len) <= r.remaining()) m.datasets.emplace_back(HEFT_TRY(r.string_view(static_cast<uint64_t>(len))));
  }
  return m;
}

util::Result<Imatrix> read_gguf_imatrix(const formats::ModelFile& mf) {
  Imatrix m;
  std::map<std::string, std::pair<const formats::TensorInfo*, const formats::TensorInfo*>> parts;
  for (const auto& t : mf.tensors) {
    if (t.name.ends_with(".in_sum2")) parts[t.name.substr(0, t.name.size() - 8)].first = &t;
    else if (t.name.ends_with(".counts")) parts[t.name.substr(0, t.name.size() - 7)].second = &t;
  }
  if (parts.empty()) return util::fail("GGUF file has no importance-matrix tensors (<name>.in_sum2)", mf.path);
  for (const auto& [name, pc] : parts) {
    const auto* sums = pc.first;
    const auto* counts = pc.second;
    if (!sums || !counts || sums->type != formats::GgmlType::F32 || counts->type != formats::GgmlType::F32)
      return util::fail("importance matrix entry " + name + " needs F32 .in_sum2 and .counts tensors", mf.path);
    const uint64_t nval = sums->elements(), ncounts = counts->elements();
    if (ncounts == 0 || nval % ncounts != 0) return util::fail("entry " + name + " has inconsistent sizes", mf.path);
    const uint64_t ne0 = nval / ncounts;
    std::vector<float> v(static_cast<size_t>(nval));
    for (uint64_t j = 0; j < ncounts; ++j) {
      float count;
      std::memcpy(&count, counts->data + j * 4, 4);
      count = static_cast<float>(std::lround(count));
      for (uint64_t i = 0; i < ne0; ++i) {
        float s;
        std::memcpy(&s, sums->data + (j * ne0 + i) * 4, 4);
        v[static_cast<size_t>(j * ne0 + i)] = count > 0 ? s / count : 1.0f;
      }
    }
    m.values[name] = std::move(v);
  }
  if (const auto* d = mf.metadata.find("imatrix.datasets"); d && d->elem_type == formats::ValueType::String)
    m.datasets = d->strings;
  return m;
}

}  // namespace

util::Result<Imatrix> read_imatrix(const std::string& path) {
  auto mapping = HEFT_TRY(util::MappedFile::open(path));
  if (formats::looks_like_gguf(mapping->bytes().first(std::min<size_t>(4, mapping->size())))) {
    auto mf = HEFT_TRY(formats::parse_gguf(mapping->bytes(), path));
    return read_gguf_imatrix(mf);
  }
  return read_legacy(mapping->bytes(), path);
}

}  // namespace heft::convert
