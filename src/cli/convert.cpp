// `heft convert SRC OUT.gguf [--type T]` and `heft quantize IN OUT TYPE`.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/command.h"
#include "store/hf_cache.h"
#include "convert/gguf_export.h"
#include "formats/open_model.h"

namespace heft::cli {

namespace {

struct ConvertArgs {
  std::string input, output, type, vocab, imatrix;
  bool force = false;
  unsigned threads = 0;
};

int run_export(const ConvertArgs& a) {
  convert::ExportOptions opt;
  if (!a.type.empty()) {
    opt.type = convert::file_type_from_name(a.type);
    if (!opt.type)
      return report({fmt::format("unknown type '{}' (one of: {})", a.type, fmt::join(convert::file_type_names(), ", "))});
  }
  opt.vocab_from = a.vocab;
  opt.imatrix = a.imatrix;
  opt.overwrite = a.force;
  opt.threads = a.threads;
  auto input = store::resolve_model_argument(a.input);
  if (!input) return report(input.error());
  auto mf = formats::open_model(*input);
  if (!mf) return report(mf.error());
  if (auto r = convert::export_gguf(*mf, a.output, opt); !r) return report(r.error());
  return 0;
}

}  // namespace

Action add_convert(CLI::App& app) {
  auto a = std::make_shared<ConvertArgs>();
  auto* cmd = app.add_subcommand("convert", "Write a model as GGUF, optionally in another type");
  cmd->add_option("source", a->input, "A .gguf, Hugging Face folder, .safetensors or llama2.c .bin")->required();
  cmd->add_option("output", a->output, "Output .gguf")->required();
  cmd->add_option("--type", a->type, fmt::format("File type: {} (default: keep)", fmt::join(convert::file_type_names(), ", ")));
  cmd->add_option("--vocab", a->vocab, "Copy the tokenizer from this GGUF (for checkpoints without one)");
  cmd->add_option("-t,--threads", a->threads, "Threads (default: all cores)");
  cmd->add_flag("--force", a->force, "Overwrite the output if it exists");
  return [a] { return run_export(*a); };
}

Action add_quantize(CLI::App& app) {
  auto a = std::make_shared<ConvertArgs>();
  auto* cmd = app.add_subcommand("quantize", "Quantize a GGUF to a file type, with llama.cpp's per-tensor choices");
  cmd->add_option("input", a->input, "Input .gguf (or any model heft reads); or ORG/NAME[:QUANT] in the Hugging Face cache, or ollama:NAME[:TAG]")->required();
  cmd->add_option("output", a->output, "Output .gguf")->required();
  cmd->add_option("type", a->type, fmt::format("File type: {}", fmt::join(convert::file_type_names(), ", ")))->required();
  cmd->add_option("--imatrix", a->imatrix, "Importance matrix from llama-imatrix (GGUF or legacy .dat) for importance-weighted quantization");
  cmd->add_option("-t,--threads", a->threads, "Threads (default: all cores)");
  cmd->add_flag("--force", a->force, "Overwrite the output if it exists");
  return [a] { return run_export(*a); };
}

}  // namespace heft::cli
