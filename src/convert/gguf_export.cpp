#include "convert/gguf_export.h"

#include <map>
#include <optional>

#include "convert/imatrix.h"
#include "convert/tensor_stream.h"
#include "convert/tokenizer_metadata.h"
#include "model/hf_names.h"
#include "formats/gguf_reader.h"
#include "formats/gguf_writer.h"
#include "kernels/quant.h"
#include "model/hparams.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/thread_pool.h"

namespace heft::convert {

using formats::MetaValue;

namespace {

// general.file_type for a file whose tensors keep their types: the type of its matrices.
uint32_t file_type_of(const std::vector<TensorDesc>& descs) {
  std::map<formats::GgmlType, uint64_t> count;
  for (const auto& d : descs)
    if (d.shape.size() >= 2) count[d.source_type]++;
  formats::GgmlType dominant = formats::GgmlType::F32;
  uint64_t best = 0;
  for (auto [t, c] : count)
    if (c > best) best = c, dominant = t;
  for (std::string_view name : file_type_names())
    if (auto ft = file_type_from_name(name); ft && ft->base == dominant) return ft->id;
  return 0;
}

}  // namespace

util::Result<void> export_gguf(const formats::ModelFile& original, const std::string& out_path, const ExportOptions& opt) {
  // Hugging Face folders first take GGUF names, layouts and a GGUF tokenizer description.
  const bool from_hf = original.format == formats::FileFormat::HfFolder;
  model::MappedModel mapped = HEFT_TRY(model::map_hf_names(formats::ModelFile(original)));
  const formats::ModelFile& src = mapped.file;
  const std::vector<model::Transform>& transforms = mapped.transforms;
  formats::Metadata md;
  for (const auto& [k, v] : src.metadata.entries())
    if (!k.starts_with("safetensors.") && k != "general.license.file") md.set(k, v);
  if (from_hf) {
    md.set("general.type", MetaValue::string("model"));
    HEFT_TRY(add_tokenizer_metadata(src.path, md));
  }
  if (!opt.vocab_from.empty()) {
    auto vocab = HEFT_TRY(formats::read_gguf(opt.vocab_from));
    for (const auto& [k, v] : vocab.metadata.entries())
      if (k.starts_with("tokenizer.")) md.set(k, v);
  }
  if (!md.contains("tokenizer.ggml.model"))
    util::warn("{} has no tokenizer; llama.cpp will not load the output (pass --vocab FILE.gguf)", src.path);

  std::vector<TensorDesc> descs;
  for (size_t i = 0; i < src.tensors.size(); ++i)
    descs.push_back({src.tensors[i].name, src.tensors[i].type, model::transformed_shape(src.tensors[i], transforms[i])});
  std::optional<Imatrix> imatrix;
  if (!opt.imatrix.empty()) imatrix = HEFT_TRY(read_imatrix(opt.imatrix));
  std::vector<formats::GgmlType> types;
  if (opt.type) {
    PolicyOptions po;
    if (auto hp = model::read_hparams(md)) po = {.n_head = hp->n_head, .n_head_kv = hp->n_head_kv};
    po.has_imatrix = imatrix.has_value();
    types = choose_tensor_types(*opt.type, descs, po);
    md.set("general.file_type", MetaValue::u32(opt.type->id));
    if (formats::type_traits(opt.type->base)->quantized) md.set("general.quantization_version", MetaValue::u32(2));
    bool requantizing = false;
    for (size_t i = 0; i < descs.size(); ++i)
      requantizing |= types[i] != descs[i].source_type && formats::type_traits(descs[i].source_type)->quantized;
    if (requantizing) util::warn("re-quantizing already quantized tensors loses quality; start from F32/F16/BF16 weights when you can");
  } else {
    for (const auto& d : descs) types.push_back(d.source_type);
    if (!md.contains("general.file_type")) md.set("general.file_type", MetaValue::u32(file_type_of(descs)));
  }
  if (!md.contains("general.quantization_version")) md.set("general.quantization_version", MetaValue::u32(2));
  // As llama.cpp's converter: vectors (norms, biases) from a checkpoint are stored as F32.
  if (from_hf)
    for (size_t i = 0; i < descs.size(); ++i)
      if (descs[i].shape.size() == 1) types[i] = formats::GgmlType::F32;
  std::vector<formats::GgufTensorSpec> specs;
  for (size_t i = 0; i < descs.size(); ++i) {
    specs.push_back({descs[i].name, types[i], descs[i].shape});
    if ((types[i] != descs[i].source_type || transforms[i].kind != model::Transform::Kind::None) &&
        !kernels::can_dequantize(descs[i].source_type))
      return util::fail("cannot convert tensor " + descs[i].name + " from " +
                            std::string(formats::type_name(descs[i].source_type)),
                        src.path);
  }

  util::ThreadPool pool(opt.threads);
  auto fill = [&](size_t i, const formats::GgufChunkSink& sink) -> util::Result<void> {
    const formats::TensorInfo& t = src.tensors[i];
    const model::Transform& tf = transforms[i];
    if (types[i] == t.type && tf.kind == model::Transform::Kind::None) return sink(t.span());
    const int64_t cols = static_cast<int64_t>(descs[i].shape[0]);
    const int64_t rows = static_cast<int64_t>(t.elements() / descs[i].shape[0]);
    const std::vector<float>* importance = imatrix ? imatrix->find(t.name, static_cast<size_t>(cols)) : nullptr;
    RowSource source = [&](int64_t row0, int64_t n, float* out) { model::transformed_rows(t, tf, row0, n, out); };
    return stream_tensor(source, rows, cols, types[i], importance ? importance->data() : nullptr, sink, pool);
  };
  return write_gguf_with_progress(out_path, md, specs, fill, opt.overwrite, opt.progress, "convert");
}

}  // namespace heft::convert
