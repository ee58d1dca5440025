#include "formats/gguf_reader.h"

#include <algorithm>
#include <limits>
#include <unordered_set>

#include "util/byte_reader.h"
#include "util/mapped_file.h"

namespace heft::formats {

using util::ByteReader;
using util::Result;

namespace {

constexpr uint32_t kMaxDims = 4;           // GGML_MAX_DIMS
constexpr int kMaxArrayDepth = 16;
constexpr uint64_t kDefaultAlignment = 32;

Result<std::string> read_string(ByteReader& r, const char* what) {
  uint64_t at = r.offset();
  auto len = HEFT_TRY(r.read<uint64_t>());
  if (len > r.remaining())
    return r.error_at(at, std::string(what) + " length " + std::to_string(len) + " exceeds the " +
                              std::to_string(r.remaining()) + " bytes left in the file");
  return std::string(HEFT_TRY(r.string_view(len)));
}

Result<MetaValue> read_value(ByteReader& r, ValueType type, int depth);

Result<MetaValue> read_array(ByteReader& r, int depth) {
  uint64_t at = r.offset();
  if (depth >= kMaxArrayDepth) return r.error_at(at, "arrays nested more than 16 deep");
  auto raw_type = HEFT_TRY(r.read<uint32_t>());
  if (!is_valid_value_type(raw_type))
    return r.error_at(at, "unknown array element type " + std::to_string(raw_type));
  MetaValue v;
  v.type = ValueType::Array;
  v.elem_type = static_cast<ValueType>(raw_type);
  uint64_t count_at = r.offset();
  v.count = HEFT_TRY(r.read<uint64_t>());
  // The smallest encoding of one element bounds how many can fit in the bytes left.
  uint64_t min_elem = scalar_size(v.elem_type);
  if (v.elem_type == ValueType::String) min_elem = 8;
  if (v.elem_type == ValueType::Array) min_elem = 12;
  if (v.count > r.remaining() / min_elem)
    return r.error_at(count_at, "array of " + std::to_string(v.count) + " elements cannot fit in the " +
                                    std::to_string(r.remaining()) + " bytes left");
  if (v.elem_type == ValueType::String) {
    v.strings.reserve(v.count);
    for (uint64_t i = 0; i < v.count; ++i) v.strings.push_back(HEFT_TRY(read_string(r, "string")));
  } else if (v.elem_type == ValueType::Array) {
    v.nested.reserve(v.count);
    for (uint64_t i = 0; i < v.count; ++i) v.nested.push_back(HEFT_TRY(read_array(r, depth + 1)));
  } else {
    auto b = HEFT_TRY(r.bytes(v.count * min_elem));
    v.packed.assign(b.begin(), b.end());
  }
  return v;
}

Result<MetaValue> read_value(ByteReader& r, ValueType type, int depth) {
  switch (type) {
    case ValueType::U8: return MetaValue::of_uint(type, HEFT_TRY(r.read<uint8_t>()));
    case ValueType::U16: return MetaValue::of_uint(type, HEFT_TRY(r.read<uint16_t>()));
    case ValueType::U32: return MetaValue::of_uint(type, HEFT_TRY(r.read<uint32_t>()));
    case ValueType::U64: return MetaValue::of_uint(type, HEFT_TRY(r.read<uint64_t>()));
    case ValueType::I8: return MetaValue::of_int(type, HEFT_TRY(r.read<int8_t>()));
    case ValueType::I16: return MetaValue::of_int(type, HEFT_TRY(r.read<int16_t>()));
    case ValueType::I32: return MetaValue::of_int(type, HEFT_TRY(r.read<int32_t>()));
    case ValueType::I64: return MetaValue::of_int(type, HEFT_TRY(r.read<int64_t>()));
    case ValueType::F32: return MetaValue::of_float(type, HEFT_TRY(r.read<float>()));
    case ValueType::F64: return MetaValue::of_float(type, HEFT_TRY(r.read<double>()));
    case ValueType::Bool: {
      uint64_t at = r.offset();
      auto b = HEFT_TRY(r.read<uint8_t>());
      if (b > 1) return r.error_at(at, "boolean value " + std::to_string(b) + " is neither 0 nor 1");
      return MetaValue::boolean(b != 0);
    }
    case ValueType::String: return MetaValue::string(HEFT_TRY(read_string(r, "string")));
    case ValueType::Array: return read_array(r, depth);
  }
  return r.error("unknown value type");
}

}  // namespace

bool looks_like_gguf(std::span<const uint8_t> b) {
  return b.size() >= 4 && b[0] == 'G' && b[1] == 'G' && b[2] == 'U' && b[3] == 'F';
}

namespace {

// Metadata and tensor infos, every tensor's extent checked against the file's
// size (r.size(): the whole file, even when r holds only its first bytes).
// Tensor data pointers are left null.
Result<ModelFile> parse_header(ByteReader& r) {
  ModelFile mf;
  mf.format = FileFormat::Gguf;
  mf.path = r.file();

  if (r.size() < 4) return r.error_at(0, "not a GGUF file (the first four bytes are not \"GGUF\")");
  if (!looks_like_gguf(HEFT_TRY(r.bytes(4))))
    return r.error_at(0, "not a GGUF file (the first four bytes are not \"GGUF\")");
  uint64_t version_at = r.offset();
  auto version = HEFT_TRY(r.read<uint32_t>());
  if (version == 0x02000000u || version == 0x03000000u)
    return r.error_at(version_at, "big-endian GGUF files are not supported");
  if (version == 1) return r.error_at(version_at, "GGUF version 1 is obsolete and not supported (only 2 and 3)");
  if (version != 2 && version != 3)
    return r.error_at(version_at, "unsupported GGUF version " + std::to_string(version) + " (only 2 and 3)");
  mf.gguf_version = version;

  uint64_t counts_at = r.offset();
  auto n_tensors = HEFT_TRY(r.read<uint64_t>());
  auto n_kv = HEFT_TRY(r.read<uint64_t>());
  // Each key/value takes at least 12 bytes and each tensor info at least 24.
  if (n_kv > r.remaining() / 12)
    return r.error_at(counts_at + 8, "metadata count " + std::to_string(n_kv) + " cannot fit in the file");
  if (n_tensors > r.remaining() / 24)
    return r.error_at(counts_at, "tensor count " + std::to_string(n_tensors) + " cannot fit in the file");

  for (uint64_t i = 0; i < n_kv; ++i) {
    uint64_t key_at = r.offset();
    std::string key = HEFT_TRY(read_string(r, "key"));
    if (key.empty()) return r.error_at(key_at, "empty metadata key");
    uint64_t type_at = r.offset();
    auto raw_type = HEFT_TRY(r.read<uint32_t>());
    if (!is_valid_value_type(raw_type))
      return r.error_at(type_at, "metadata key '" + key + "' has unknown value type " + std::to_string(raw_type));
    MetaValue value = HEFT_TRY(read_value(r, static_cast<ValueType>(raw_type), 0));
    if (!mf.metadata.add(key, std::move(value)))
      return r.error_at(key_at, "duplicate metadata key '" + key + "'");
  }

  mf.alignment = kDefaultAlignment;
  if (const MetaValue* a = mf.metadata.find("general.alignment")) {
    auto v = a->as_int();
    if (a->type != ValueType::U32 || !v || *v == 0 || (*v & (*v - 1)) != 0)
      return r.error_at(counts_at, "general.alignment must be a UINT32 power of two");
    mf.alignment = static_cast<uint64_t>(*v);
  }

  std::unordered_set<std::string> names;
  mf.tensors.reserve(n_tensors);
  std::vector<uint64_t> info_offsets;
  info_offsets.reserve(n_tensors);
  for (uint64_t i = 0; i < n_tensors; ++i) {
    uint64_t info_at = r.offset();
    info_offsets.push_back(info_at);
    TensorInfo t;
    t.name = HEFT_TRY(read_string(r, "tensor name"));
    if (!names.insert(t.name).second) return r.error_at(info_at, "duplicate tensor name '" + t.name + "'");
    uint64_t dims_at = r.offset();
    auto n_dims = HEFT_TRY(r.read<uint32_t>());
    if (n_dims == 0 || n_dims > kMaxDims)
      return r.error_at(dims_at, "tensor '" + t.name + "' has " + std::to_string(n_dims) + " dimensions (1 to 4 allowed)");
    uint64_t elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t dim_at = r.offset();
      auto ne = HEFT_TRY(r.read<int64_t>());
      if (ne < 0) return r.error_at(dim_at, "tensor '" + t.name + "' has a negative dimension");
      uint64_t u = static_cast<uint64_t>(ne);
      if (u != 0 && elements > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / u)
        return r.error_at(dim_at, "tensor '" + t.name + "' has dimensions whose product overflows");
      elements *= u;
      t.shape.push_back(u);
    }
    uint64_t type_at = r.offset();
    auto raw_type = HEFT_TRY(r.read<uint32_t>());
    const TypeTraits* traits = raw_type < kFirstHeftOnlyType ? type_traits(raw_type) : nullptr;
    if (!traits)
      return r.error_at(type_at, "tensor '" + t.name + "' has unknown type id " + std::to_string(raw_type));
    t.type = traits->type;
    if (t.shape[0] % traits->block_size != 0)
      return r.error_at(type_at, "tensor '" + t.name + "': row length " + std::to_string(t.shape[0]) +
                                     " is not a multiple of the " + std::string(traits->name) +
                                     " block size " + std::to_string(traits->block_size));
    t.bytes = elements / traits->block_size * traits->block_bytes;
    uint64_t offset_at = r.offset();
    t.offset = HEFT_TRY(r.read<uint64_t>());
    if (t.offset % mf.alignment != 0)
      return r.error_at(offset_at, "tensor '" + t.name + "' data offset " + std::to_string(t.offset) +
                                       " is not a multiple of the alignment " + std::to_string(mf.alignment));
    mf.tensors.push_back(std::move(t));
  }

  uint64_t end_of_infos = r.offset();
  uint64_t data_offset = (end_of_infos + mf.alignment - 1) / mf.alignment * mf.alignment;
  mf.data_offset = data_offset;
  const uint64_t file_size = r.size();
  if (!mf.tensors.empty() && data_offset > file_size)
    return r.error_at(end_of_infos, "file ends before its tensor data section");

  // Every tensor inside the file, and no two overlapping.
  std::vector<size_t> order(mf.tensors.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (size_t i = 0; i < mf.tensors.size(); ++i) {
    const TensorInfo& t = mf.tensors[i];
    uint64_t avail = file_size - std::min(file_size, data_offset);
    if (t.offset > avail || t.bytes > avail - t.offset)
      return r.error_at(info_offsets[i], "tensor '" + t.name + "' data (offset " + std::to_string(t.offset) +
                                             ", " + std::to_string(t.bytes) + " bytes) lies outside the file");
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return mf.tensors[a].offset < mf.tensors[b].offset; });
  for (size_t k = 1; k < order.size(); ++k) {
    const TensorInfo& prev = mf.tensors[order[k - 1]];
    const TensorInfo& cur = mf.tensors[order[k]];
    if (prev.bytes > 0 && cur.bytes > 0 && prev.offset + prev.bytes > cur.offset)
      return r.error_at(info_offsets[order[k]], "tensor '" + cur.name + "' overlaps tensor '" + prev.name + "'");
  }
  mf.index_tensors();
  return mf;
}

}  // namespace

Result<ModelFile> parse_gguf(std::span<const uint8_t> bytes, const std::string& name) {
  ByteReader r(bytes, name);
  ModelFile mf = HEFT_TRY(parse_header(r));
  for (TensorInfo& t : mf.tensors) t.data = bytes.data() + mf.data_offset + t.offset;
  return mf;
}

Result<GgufHeader> parse_gguf_header(std::span<const uint8_t> prefix, uint64_t file_size, const std::string& name) {
  ByteReader r(prefix, name, file_size);
  auto mf = parse_header(r);
  if (!mf && r.needed() > 0) return GgufHeader{.needed_bytes = r.needed()};
  if (!mf) return std::unexpected(std::move(mf.error()));
  GgufHeader h;
  h.file = std::move(*mf);
  h.file_size = file_size;
  return h;
}

Result<ModelFile> read_gguf(const std::string& path) {
  auto mapping = HEFT_TRY(util::MappedFile::open(path));
  ModelFile mf = HEFT_TRY(parse_gguf(mapping->bytes(), path));
  mf.mappings.push_back(std::move(mapping));
  return mf;
}

}  // namespace heft::formats
