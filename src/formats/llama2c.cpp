#include "formats/llama2c.h"

#include <cstring>
#include <limits>

#include "util/byte_reader.h"
#include "util/mapped_file.h"

namespace heft::formats {

using util::Result;

namespace {

struct Config {
  int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
};

constexpr uint32_t kMagicV1 = 0x616b3432;  // "ak42"

// Adds a float32 tensor view of `rows` x `cols` (GGUF shape {cols, rows}) at *offset.
void add_tensor(ModelFile& mf, const uint8_t* base, uint64_t& offset, std::string name, uint64_t cols, uint64_t rows) {
  TensorInfo t;
  t.name = std::move(name);
  t.type = GgmlType::F32;
  t.shape = rows == 1 ? std::vector<uint64_t>{cols} : std::vector<uint64_t>{cols, rows};
  t.offset = offset;
  t.bytes = cols * rows * 4;
  t.data = base + offset;
  offset += t.bytes;
  mf.tensors.push_back(std::move(t));
}

}  // namespace

Result<ModelFile> parse_llama2c(std::span<const uint8_t> bytes, const std::string& name) {
  util::ByteReader r(bytes, name);
  uint32_t first = HEFT_TRY(r.read<uint32_t>());
  int version = 0;
  if (first == kMagicV1) {
    version = HEFT_TRY(r.read<int32_t>());
    if (version != 1)
      return r.error_at(4, "llama2.c export version " + std::to_string(version) +
                               " is not supported (version 0 and 1 float32 checkpoints are)");
  } else {
    r = util::ByteReader(bytes, name);
  }
  Config c{};
  for (int32_t* field : {&c.dim, &c.hidden_dim, &c.n_layers, &c.n_heads, &c.n_kv_heads, &c.vocab_size, &c.seq_len})
    *field = HEFT_TRY(r.read<int32_t>());
  bool shared_classifier = c.vocab_size > 0;
  if (version == 1) shared_classifier = HEFT_TRY(r.read<uint8_t>()) != 0;
  int64_t vocab = c.vocab_size < 0 ? -int64_t{c.vocab_size} : c.vocab_size;
  auto bad = [&](const char* why) { return r.error_at(0, std::string("not a llama2.c checkpoint: ") + why); };
  if (c.dim <= 0 || c.hidden_dim <= 0 || c.n_layers <= 0 || c.n_heads <= 0 || c.n_kv_heads <= 0 || vocab <= 0 ||
      c.seq_len <= 0)
    return bad("header values must be positive");
  if (c.dim > (1 << 20) || c.hidden_dim > (1 << 22) || c.n_layers > 4096 || vocab > (1 << 24) || c.seq_len > (1 << 24))
    return bad("header values are implausibly large");
  if (c.dim % c.n_heads != 0 || c.n_heads % c.n_kv_heads != 0)
    return bad("dim must divide into heads and heads into KV heads");
  const uint64_t dim = static_cast<uint64_t>(c.dim), hidden = static_cast<uint64_t>(c.hidden_dim);
  const uint64_t layers = static_cast<uint64_t>(c.n_layers), head = dim / static_cast<uint64_t>(c.n_heads);
  const uint64_t kv_dim = head * static_cast<uint64_t>(c.n_kv_heads), nvocab = static_cast<uint64_t>(vocab);
  const uint64_t seq = static_cast<uint64_t>(c.seq_len);

  uint64_t header = version == 1 ? 256 : 28;
  uint64_t floats = nvocab * dim + layers * (2 * dim + dim * dim * 2 + dim * kv_dim * 2 + hidden * dim * 3) + dim;
  if (version == 0) floats += seq * head;  // the two legacy RoPE tables
  if (!shared_classifier) floats += nvocab * dim;
  if (header + floats * 4 != bytes.size())
    return r.error_at(0, "not a llama2.c checkpoint: its header describes " + std::to_string(header + floats * 4) +
                             " bytes but the file has " + std::to_string(bytes.size()));

  ModelFile mf;
  mf.format = FileFormat::Llama2c;
  mf.path = name;
  mf.data_offset = header;
  auto& md = mf.metadata;
  md.set("general.architecture", MetaValue::string("llama"));
  md.set("general.name", MetaValue::string("llama2.c checkpoint"));
  md.set("llama.context_length", MetaValue::u32(static_cast<uint32_t>(seq)));
  md.set("llama.embedding_length", MetaValue::u32(static_cast<uint32_t>(dim)));
  md.set("llama.feed_forward_length", MetaValue::u32(static_cast<uint32_t>(hidden)));
  md.set("llama.block_count", MetaValue::u32(static_cast<uint32_t>(layers)));
  md.set("llama.attention.head_count", MetaValue::u32(static_cast<uint32_t>(c.n_heads)));
  md.set("llama.attention.head_count_kv", MetaValue::u32(static_cast<uint32_t>(c.n_kv_heads)));
  md.set("llama.rope.dimension_count", MetaValue::u32(static_cast<uint32_t>(head)));
  md.set("llama.rope.freq_base", MetaValue::f32(10000.0f));
  md.set("llama.attention.layer_norm_rms_epsilon", MetaValue::f32(1e-5f));
  md.set("llama.vocab_size", MetaValue::u32(static_cast<uint32_t>(nvocab)));

  const uint8_t* base = bytes.data();
  uint64_t off = header;
  auto per_layer = [&](const char* gguf, uint64_t cols, uint64_t rows) {
    for (uint64_t l = 0; l < layers; ++l)
      add_tensor(mf, base, off, "blk." + std::to_string(l) + "." + gguf + ".weight", cols, rows);
  };
  auto embeddings = [&] { add_tensor(mf, base, off, "token_embd.weight", dim, nvocab); };
  if (version == 0) embeddings();
  per_layer("attn_norm", dim, 1);
  if (version == 1) {
    per_layer("ffn_norm", dim, 1);
    add_tensor(mf, base, off, "output_norm.weight", dim, 1);
    embeddings();
  }
  per_layer("attn_q", dim, dim);
  per_layer("attn_k", dim, kv_dim);
  per_layer("attn_v", dim, kv_dim);
  per_layer("attn_output", dim, dim);
  if (version == 0) per_layer("ffn_norm", dim, 1);
  per_layer("ffn_gate", dim, hidden);   // w1
  per_layer("ffn_down", hidden, dim);   // w2
  per_layer("ffn_up", dim, hidden);     // w3
  if (version == 0) {
    add_tensor(mf, base, off, "output_norm.weight", dim, 1);
    off += seq * head * 4;  // skip freq_cis_real and freq_cis_imag
  }
  if (!shared_classifier) add_tensor(mf, base, off, "output.weight", dim, nvocab);
  for (auto& t : mf.tensors) t.offset -= header;
  mf.index_tensors();
  return mf;
}

Result<ModelFile> read_llama2c(const std::string& path) {
  auto mapping = HEFT_TRY(util::MappedFile::open(path));
  ModelFile mf = HEFT_TRY(parse_llama2c(mapping->bytes(), path));
  mf.mappings.push_back(std::move(mapping));
  return mf;
}

}  // namespace heft::formats
