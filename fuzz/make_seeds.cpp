// Small seeds for fuzz_gguf and fuzz_safetensors, made from real model files:
// the same metadata keys and value types (arrays cut to their first 4
// elements), the same tensor names, types and ranks, each tensor one block
// long. A seed of a few KB then goes all the way through its parser (tensor
// table, alignment, data spans, overlaps), where a -max_len prefix of the real
// file stops inside its vocabulary. For a llama2.c checkpoint it writes tiny
// checkpoints of the same family: version 0 with a shared and with a separate
// classifier, and version 1.
// Usage: make_seeds OUT_DIR FILE...   (FILE: .gguf, .safetensors, llama2.c .bin)
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "formats/gguf_reader.h"
#include "formats/gguf_writer.h"
#include "formats/llama2c.h"
#include "formats/safetensors.h"

namespace fs = std::filesystem;
using namespace heft::formats;
using heft::util::Result;

namespace {

constexpr uint64_t kKeep = 4;  // array elements kept

MetaValue cut(MetaValue v) {
  if (!v.is_array()) return v;
  v.count = std::min(v.count, kKeep);
  if (!v.packed.empty()) v.packed.resize(v.count * scalar_size(v.elem_type));
  if (v.strings.size() > v.count) v.strings.resize(v.count);
  if (v.nested.size() > v.count) v.nested.resize(v.count);
  for (auto& n : v.nested) n = cut(std::move(n));
  return v;
}

// The same rank, one block along the row: {block, 1, ...}.
std::vector<uint64_t> one_block(GgmlType type, size_t rank) {
  std::vector<uint64_t> shape(std::max<size_t>(rank, 1), 1);
  shape[0] = type_traits(type)->block_size;
  return shape;
}

// Each tensor's bytes: a repeating pattern, so the fuzzer sees data that is not all zeros.
Result<void> pattern(uint64_t bytes, const GgufChunkSink& sink) {
  std::vector<uint8_t> data(bytes);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 37 + 1);
  return sink(data);
}

Result<void> shrink_gguf(const std::string& in, const std::string& out) {
  ModelFile mf = HEFT_TRY(read_gguf(in));
  Metadata md;
  for (const auto& [k, v] : mf.metadata.entries()) md.add(k, cut(v));
  std::vector<GgufTensorSpec> specs;
  for (const auto& t : mf.tensors) specs.push_back({t.name, t.type, one_block(t.type, t.shape.size())});
  auto fill = [&](size_t i, const GgufChunkSink& sink) -> Result<void> {
    return pattern(HEFT_TRY(tensor_bytes(specs[i])), sink);
  };
  return write_gguf(out, md, specs, fill, {.overwrite = true, .version = mf.gguf_version});
}

Result<void> shrink_safetensors(const std::string& in, const std::string& out) {
  ModelFile mf = HEFT_TRY(read_safetensors(in));
  std::vector<std::pair<std::string, std::string>> meta;
  for (const auto& [k, v] : mf.metadata.entries())
    if (k.starts_with("safetensors.") && v.as_string()) meta.emplace_back(k.substr(12), *v.as_string());
  std::vector<SafetensorsTensor> tensors;
  for (const auto& t : mf.tensors) tensors.push_back({t.name, t.type, one_block(t.type, t.shape.size())});
  auto fill = [&](size_t i, const ChunkSink& sink) -> Result<void> {
    return pattern(*row_bytes(tensors[i].type, tensors[i].shape[0]), sink);
  };
  return write_safetensors(out, tensors, meta, fill);
}

// dim 4, hidden 8, 1 layer, 2 heads, 1 KV head, vocab 4, seq 2 (src/formats/llama2c.cpp's layout).
Result<void> tiny_llama2c(const std::string& out, int version, bool shared_classifier) {
  const int32_t dim = 4, hidden = 8, layers = 1, heads = 2, kv_heads = 1, vocab = 4, seq = 2;
  const int32_t head = dim / heads, kv_dim = head * kv_heads;
  std::vector<int32_t> ints;
  if (version == 1) ints = {0x616b3432, 1};
  for (int32_t v : {dim, hidden, layers, heads, kv_heads, shared_classifier || version == 1 ? vocab : -vocab, seq})
    ints.push_back(v);
  std::string bytes(reinterpret_cast<const char*>(ints.data()), ints.size() * 4);
  if (version == 1) {
    bytes.push_back(shared_classifier ? 1 : 0);
    bytes.resize(256, '\0');
  }
  size_t floats = vocab * dim + layers * (2 * dim + dim * dim * 2 + dim * kv_dim * 2 + hidden * dim * 3) + dim;
  if (version == 0) floats += seq * head;
  if (!shared_classifier) floats += vocab * dim;
  for (size_t i = 0; i < floats; ++i) {
    float f = static_cast<float>(i % 7) * 0.25f - 0.75f;
    bytes.append(reinterpret_cast<const char*>(&f), 4);
  }
  auto parsed = parse_llama2c({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, out);
  if (!parsed) return std::unexpected(parsed.error());
  std::ofstream(out, std::ios::binary) << bytes;
  return {};
}

Result<void> make(const fs::path& in, const fs::path& dir) {
  const std::string stem = (dir / in.stem()).string();
  if (in.extension() == ".gguf") return shrink_gguf(in, stem + ".gguf");
  if (in.extension() == ".safetensors") return shrink_safetensors(in, stem + ".safetensors");
  HEFT_TRY(read_llama2c(in));
  HEFT_TRY(tiny_llama2c(stem + "-v0-shared.bin", 0, true));
  HEFT_TRY(tiny_llama2c(stem + "-v0-separate.bin", 0, false));
  return tiny_llama2c(stem + "-v1.bin", 1, false);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: make_seeds OUT_DIR FILE...\n");
    return 2;
  }
  for (int i = 2; i < argc; ++i) {
    if (auto r = make(argv[i], argv[1]); !r) {
      std::fprintf(stderr, "make_seeds: %s\n", r.error().to_string().c_str());
      return 1;
    }
  }
  return 0;
}
