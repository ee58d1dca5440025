#include "formats/gguf_writer.h"

#include <cstring>
#include <unordered_set>

#include "util/atomic_file.h"

namespace heft::formats {

using util::Result;

namespace {

constexpr size_t kMaxTensorName = 63;  // llama.cpp refuses names of GGML_MAX_NAME (64) or more

class Buffer {
 public:
  template <class T>
  void put(T v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    bytes.insert(bytes.end(), p, p + sizeof(T));
  }
  void put_string(const std::string& s) {
    put<uint64_t>(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
  std::vector<uint8_t> bytes;
};

void put_value(Buffer& b, const MetaValue& v);

void put_array(Buffer& b, const MetaValue& v) {
  b.put<uint32_t>(static_cast<uint32_t>(v.elem_type));
  b.put<uint64_t>(v.count);
  if (v.elem_type == ValueType::String) {
    for (const auto& s : v.strings) b.put_string(s);
  } else if (v.elem_type == ValueType::Array) {
    for (const auto& n : v.nested) put_array(b, n);
  } else {
    b.bytes.insert(b.bytes.end(), v.packed.begin(), v.packed.end());
  }
}

void put_value(Buffer& b, const MetaValue& v) {
  auto as_u = [&]() -> uint64_t {
    if (auto* u = std::get_if<uint64_t>(&v.scalar)) return *u;
    if (auto* i = std::get_if<int64_t>(&v.scalar)) return static_cast<uint64_t>(*i);
    if (auto* d = std::get_if<double>(&v.scalar)) return static_cast<uint64_t>(*d);
    if (auto* x = std::get_if<bool>(&v.scalar)) return *x ? 1 : 0;
    return 0;
  };
  auto as_f = [&]() -> double {
    if (auto* d = std::get_if<double>(&v.scalar)) return *d;
    return static_cast<double>(static_cast<int64_t>(as_u()));
  };
  switch (v.type) {
    case ValueType::U8: b.put<uint8_t>(static_cast<uint8_t>(as_u())); break;
    case ValueType::I8: b.put<int8_t>(static_cast<int8_t>(as_u())); break;
    case ValueType::U16: b.put<uint16_t>(static_cast<uint16_t>(as_u())); break;
    case ValueType::I16: b.put<int16_t>(static_cast<int16_t>(as_u())); break;
    case ValueType::U32: b.put<uint32_t>(static_cast<uint32_t>(as_u())); break;
    case ValueType::I32: b.put<int32_t>(static_cast<int32_t>(as_u())); break;
    case ValueType::U64: b.put<uint64_t>(as_u()); break;
    case ValueType::I64: b.put<int64_t>(static_cast<int64_t>(as_u())); break;
    case ValueType::F32: b.put<float>(static_cast<float>(as_f())); break;
    case ValueType::F64: b.put<double>(as_f()); break;
    case ValueType::Bool: b.put<uint8_t>(as_u() ? 1 : 0); break;
    case ValueType::String: b.put_string(v.as_string() ? *v.as_string() : std::string()); break;
    case ValueType::Array: put_array(b, v); break;
  }
}

uint64_t pad_to(uint64_t n, uint64_t alignment) { return (n + alignment - 1) / alignment * alignment; }

}  // namespace

Result<uint64_t> tensor_bytes(const GgufTensorSpec& t) {
  const TypeTraits* traits = type_traits(t.type);
  if (!traits || static_cast<uint32_t>(t.type) >= kFirstHeftOnlyType)
    return util::fail("tensor '" + t.name + "' has a type GGUF cannot store");
  if (t.shape.empty() || t.shape.size() > 4)
    return util::fail("tensor '" + t.name + "' must have 1 to 4 dimensions");
  if (t.shape[0] % traits->block_size != 0)
    return util::fail("tensor '" + t.name + "': row length " + std::to_string(t.shape[0]) +
                      " is not a multiple of the " + std::string(traits->name) + " block size " +
                      std::to_string(traits->block_size));
  uint64_t n = 1;
  for (uint64_t d : t.shape) n *= d;
  return n / traits->block_size * traits->block_bytes;
}

Result<void> write_gguf(const std::string& path, const Metadata& metadata, const std::vector<GgufTensorSpec>& tensors,
                        const GgufTensorFill& fill, const GgufWriteOptions& options) {
  uint64_t alignment = 32;
  if (auto a = metadata.get_int("general.alignment")) {
    if (*a <= 0 || (*a & (*a - 1)) != 0) return util::fail("general.alignment must be a power of two", path);
    alignment = static_cast<uint64_t>(*a);
  }
  Buffer head;
  head.bytes = {'G', 'G', 'U', 'F'};
  head.put<uint32_t>(options.version);
  head.put<uint64_t>(tensors.size());
  head.put<uint64_t>(metadata.size());
  for (const auto& [key, value] : metadata.entries()) {
    head.put_string(key);
    head.put<uint32_t>(static_cast<uint32_t>(value.type));
    put_value(head, value);
  }
  std::vector<uint64_t> sizes;
  std::unordered_set<std::string> names;
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    if (t.name.size() > kMaxTensorName)
      return util::fail("tensor name '" + t.name + "' is longer than GGUF readers accept (63 bytes)", path);
    if (!names.insert(t.name).second) return util::fail("duplicate tensor name '" + t.name + "'", path);
    auto bytes_or = tensor_bytes(t);
    if (!bytes_or) return std::unexpected(std::move(bytes_or.error()).in_file(path));
    uint64_t bytes = *bytes_or;
    head.put_string(t.name);
    head.put<uint32_t>(static_cast<uint32_t>(t.shape.size()));
    for (uint64_t d : t.shape) head.put<int64_t>(static_cast<int64_t>(d));
    head.put<uint32_t>(static_cast<uint32_t>(t.type));
    head.put<uint64_t>(offset);
    sizes.push_back(bytes);
    offset += pad_to(bytes, alignment);
  }
  auto out = HEFT_TRY(util::AtomicFile::create(path, options.overwrite));
  HEFT_TRY(out->write(head.bytes));
  // No data section at all when there are no tensors (vocabulary-only files end here).
  if (!tensors.empty()) HEFT_TRY(out->write_zeros(pad_to(head.bytes.size(), alignment) - head.bytes.size()));
  for (size_t i = 0; i < tensors.size(); ++i) {
    uint64_t before = out->written();
    HEFT_TRY(fill(i, [&](std::span<const uint8_t> chunk) -> Result<void> {
      if (out->written() - before + chunk.size() > sizes[i])
        return util::fail("internal: tensor '" + tensors[i].name + "' produced more bytes than its shape holds", path);
      return out->write(chunk);
    }));
    if (out->written() - before != sizes[i])
      return util::fail("internal: tensor '" + tensors[i].name + "' produced " + std::to_string(out->written() - before) +
                            " bytes, expected " + std::to_string(sizes[i]),
                        path);
    HEFT_TRY(out->write_zeros(pad_to(sizes[i], alignment) - sizes[i]));
    if (options.on_tensor_done) options.on_tensor_done(i + 1, tensors.size());
  }
  return out->commit();
}

}  // namespace heft::formats
