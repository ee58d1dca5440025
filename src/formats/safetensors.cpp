#include "formats/safetensors.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "util/atomic_file.h"
#include "util/json.h"
#include "util/mapped_file.h"

namespace heft::formats {

using util::Json;
using util::Result;

namespace {

struct DtypeName {
  std::string_view name;
  GgmlType type;
};
constexpr DtypeName kDtypes[] = {
    {"F32", GgmlType::F32},         {"F16", GgmlType::F16},         {"BF16", GgmlType::BF16},
    {"F64", GgmlType::F64},         {"I8", GgmlType::I8},           {"I16", GgmlType::I16},
    {"I32", GgmlType::I32},         {"I64", GgmlType::I64},         {"U8", GgmlType::U8},
    {"U16", GgmlType::U16},         {"U32", GgmlType::U32},         {"U64", GgmlType::U64},
    {"BOOL", GgmlType::BOOL},       {"F8_E4M3", GgmlType::F8_E4M3}, {"F8_E5M2", GgmlType::F8_E5M2},
};

}  // namespace

std::optional<GgmlType> safetensors_dtype(std::string_view dtype) {
  for (const auto& d : kDtypes)
    if (d.name == dtype) return d.type;
  return std::nullopt;
}

std::string_view safetensors_dtype_name(GgmlType type) {
  for (const auto& d : kDtypes)
    if (d.type == type) return d.name;
  return "";
}

bool looks_like_safetensors(std::span<const uint8_t> b, uint64_t file_size) {
  if (b.size() < 9) return false;
  uint64_t n;
  std::memcpy(&n, b.data(), 8);
  return n >= 2 && n <= kMaxSafetensorsHeader && n + 8 <= file_size && b[8] == '{';
}

Result<ModelFile> parse_safetensors(std::span<const uint8_t> bytes, const std::string& name) {
  ModelFile mf;
  mf.format = FileFormat::Safetensors;
  mf.path = name;
  if (bytes.size() < 8) return util::fail("not a safetensors file: shorter than its 8-byte header length", name, 0);
  uint64_t header_len;
  std::memcpy(&header_len, bytes.data(), 8);
  if (header_len > kMaxSafetensorsHeader)
    return util::fail("safetensors header length " + std::to_string(header_len) + " exceeds the 100 MB limit", name, 0);
  if (header_len > bytes.size() - 8)
    return util::fail("safetensors header length " + std::to_string(header_len) + " runs past the end of the file", name, 0);
  std::string_view header(reinterpret_cast<const char*>(bytes.data() + 8), header_len);
  if (header.empty() || header[0] != '{') return util::fail("safetensors header is not a JSON object", name, 8);
  auto parsed = Json::parse(header, name);
  if (!parsed) return util::fail(parsed.error().message + " in the safetensors header", name, 8);
  if (!parsed->is_object()) return util::fail("safetensors header is not a JSON object", name, 8);

  const uint64_t data_start = 8 + header_len;
  const uint64_t data_len = bytes.size() - data_start;
  mf.data_offset = data_start;
  mf.alignment = 1;

  std::unordered_set<std::string> seen;
  for (const auto& [key, value] : parsed->as_object()) {
    if (!seen.insert(key).second) return util::fail("duplicate entry '" + key + "' in the safetensors header", name, 8);
    if (key == "__metadata__") {
      if (!value.is_object()) return util::fail("__metadata__ is not an object of strings", name, 8);
      for (const auto& [mk, mv] : value.as_object()) {
        if (!mv.is_string()) return util::fail("__metadata__ value for '" + mk + "' is not a string", name, 8);
        mf.metadata.set("safetensors." + mk, MetaValue::string(mv.as_string()));
      }
      continue;
    }
    if (!value.is_object()) return util::fail("tensor '" + key + "' entry is not an object", name, 8);
    const Json* dtype = value.find("dtype");
    const Json* shape = value.find("shape");
    const Json* offsets = value.find("data_offsets");
    if (!dtype || !dtype->is_string() || !shape || !shape->is_array() || !offsets || !offsets->is_array() ||
        offsets->size() != 2)
      return util::fail("tensor '" + key + "' needs dtype, shape and data_offsets [begin, end]", name, 8);
    auto type = safetensors_dtype(dtype->as_string());
    if (!type) return util::fail("tensor '" + key + "' has unknown dtype '" + dtype->as_string() + "'", name, 8);
    TensorInfo t;
    t.name = key;
    t.type = *type;
    uint64_t elements = 1;
    for (const Json& d : shape->as_array()) {
      if (!d.is_integer() || d.kind() == Json::Kind::UInt || d.as_int() < 0)
        return util::fail("tensor '" + key + "' has an invalid dimension", name, 8);
      uint64_t u = static_cast<uint64_t>(d.as_int());
      if (u != 0 && elements > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / u)
        return util::fail("tensor '" + key + "' has dimensions whose product overflows", name, 8);
      elements *= u;
    }
    if (shape->size() > 8) return util::fail("tensor '" + key + "' has more than 8 dimensions", name, 8);
    // GGUF order: innermost first.
    for (auto it = shape->as_array().rbegin(); it != shape->as_array().rend(); ++it)
      t.shape.push_back(static_cast<uint64_t>(it->as_int()));
    if (t.shape.empty()) t.shape.push_back(1);  // a scalar
    const Json& b = offsets->as_array()[0];
    const Json& e = offsets->as_array()[1];
    if (!b.is_integer() || !e.is_integer() || b.as_int() < 0 || e.as_int() < b.as_int())
      return util::fail("tensor '" + key + "' has invalid data_offsets", name, 8);
    uint64_t begin = b.as_uint(), end = e.as_uint();
    uint64_t elem_bytes = type_traits(*type)->block_bytes;
    if (elements > std::numeric_limits<uint64_t>::max() / elem_bytes || end - begin != elements * elem_bytes)
      return util::fail("tensor '" + key + "' data_offsets span " + std::to_string(end - begin) +
                            " bytes but its dtype and shape need " + std::to_string(elements * elem_bytes),
                        name, 8);
    if (end > data_len)
      return util::fail("tensor '" + key + "' data (bytes " + std::to_string(begin) + ".." + std::to_string(end) +
                            ") lies outside the file",
                        name, data_start + begin);
    t.offset = begin;
    t.bytes = end - begin;
    t.data = bytes.data() + data_start + begin;
    mf.tensors.push_back(std::move(t));
  }

  // The data must be covered exactly: no overlaps and no holes.
  std::vector<const TensorInfo*> order;
  for (const auto& t : mf.tensors) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
  uint64_t expected = 0;
  for (const TensorInfo* t : order) {
    if (t->offset < expected)
      return util::fail("tensor '" + t->name + "' overlaps another tensor", name, data_start + t->offset);
    if (t->offset > expected)
      return util::fail("unused bytes before tensor '" + t->name + "' in the data section", name, data_start + expected);
    expected = t->offset + t->bytes;
  }
  if (expected != data_len)
    return util::fail("the data section has " + std::to_string(data_len - expected) + " bytes no tensor uses", name,
                      data_start + expected);
  mf.index_tensors();
  return mf;
}

Result<ModelFile> read_safetensors(const std::string& path) {
  auto mapping = HEFT_TRY(util::MappedFile::open(path));
  ModelFile mf = HEFT_TRY(parse_safetensors(mapping->bytes(), path));
  mf.mappings.push_back(std::move(mapping));
  return mf;
}

Result<ModelFile> read_safetensors_index(const std::string& index_path) {
  std::string text = HEFT_TRY(util::read_file(index_path, 64 << 20));
  Json index = HEFT_TRY(Json::parse(text, index_path));
  const Json* weight_map = index.find("weight_map");
  if (!weight_map || !weight_map->is_object())
    return util::fail("safetensors index has no weight_map object", index_path);
  namespace fs = std::filesystem;
  fs::path dir = fs::path(index_path).parent_path();

  ModelFile out;
  out.format = FileFormat::Safetensors;
  out.path = index_path;
  out.alignment = 1;
  std::vector<std::string> shard_names;
  std::unordered_map<std::string, std::string> expected_shard;
  for (const auto& [tensor, shard] : weight_map->as_object()) {
    if (!shard.is_string()) return util::fail("weight_map entry for '" + tensor + "' is not a file name", index_path);
    const std::string& s = shard.as_string();
    if (s.empty() || s.find('/') != std::string::npos || s == "." || s == "..")
      return util::fail("weight_map names shard '" + s + "', which is not a file in the same folder", index_path);
    if (!expected_shard.emplace(tensor, s).second)
      return util::fail("weight_map lists tensor '" + tensor + "' twice", index_path);
    if (std::find(shard_names.begin(), shard_names.end(), s) == shard_names.end()) shard_names.push_back(s);
  }
  std::unordered_set<std::string> loaded;
  for (const std::string& shard : shard_names) {
    std::string shard_path = (dir / shard).string();
    ModelFile part = HEFT_TRY(read_safetensors(shard_path));
    uint32_t file_index = static_cast<uint32_t>(out.mappings.size());
    for (auto& m : part.mappings) out.mappings.push_back(std::move(m));
    for (const auto& [k, v] : part.metadata.entries()) out.metadata.set(k, v);
    for (auto& t : part.tensors) {
      auto it = expected_shard.find(t.name);
      if (it == expected_shard.end() || it->second != shard)
        return util::fail("tensor '" + t.name + "' is in " + shard + " but the index does not place it there", index_path);
      if (!loaded.insert(t.name).second)
        return util::fail("tensor '" + t.name + "' appears in more than one shard", shard_path);
      t.file_index = file_index;
      out.tensors.push_back(std::move(t));
    }
  }
  for (const auto& [tensor, shard] : expected_shard)
    if (!loaded.contains(tensor))
      return util::fail("the index places tensor '" + tensor + "' in " + shard + ", which does not contain it", index_path);
  out.index_tensors();
  return out;
}

Result<void> write_safetensors(const std::string& path, const std::vector<SafetensorsTensor>& tensors,
                               const std::vector<std::pair<std::string, std::string>>& metadata,
                               const std::function<Result<void>(size_t, const ChunkSink&)>& fill) {
  Json header = Json::object();
  if (!metadata.empty()) {
    Json meta = Json::object();
    for (const auto& [k, v] : metadata) meta.set(k, Json(v));
    header.set("__metadata__", std::move(meta));
  }
  std::vector<uint64_t> sizes;
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    std::string_view dtype = safetensors_dtype_name(t.type);
    if (dtype.empty())
      return util::fail("tensor '" + t.name + "' has type " + std::string(type_name(t.type)) +
                            ", which safetensors cannot store",
                        path);
    uint64_t n = 1;
    Json shape = Json::array();
    for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it) {
      n *= *it;
      shape.push_back(Json(*it));
    }
    uint64_t bytes = n * type_traits(t.type)->block_bytes;
    Json entry = Json::object();
    entry.set("dtype", Json(std::string(dtype)));
    entry.set("shape", std::move(shape));
    Json offs = Json::array();
    offs.push_back(Json(offset));
    offs.push_back(Json(offset + bytes));
    entry.set("data_offsets", std::move(offs));
    if (header.find(t.name)) return util::fail("duplicate tensor name '" + t.name + "'", path);
    header.set(t.name, std::move(entry));
    sizes.push_back(bytes);
    offset += bytes;
  }
  std::string text = header.dump();
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');  // keep the data 8-byte aligned
  auto out = HEFT_TRY(util::AtomicFile::create(path, true));
  uint64_t len = text.size();
  HEFT_TRY(out->write(&len, 8));
  HEFT_TRY(out->write(text.data(), text.size()));
  for (size_t i = 0; i < tensors.size(); ++i) {
    uint64_t before = out->written();
    HEFT_TRY(fill(i, [&](std::span<const uint8_t> chunk) { return out->write(chunk); }));
    if (out->written() - before != sizes[i])
      return util::fail("internal: tensor '" + tensors[i].name + "' produced " +
                            std::to_string(out->written() - before) + " bytes, expected " + std::to_string(sizes[i]),
                        path);
  }
  return out->commit();
}

}  // namespace heft::formats
