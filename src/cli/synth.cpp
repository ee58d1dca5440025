// `heft synth --arch llama --preset NAME --type TYPE OUT.gguf`: a random-weight model.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/command.h"
#include "convert/quant_policy.h"
#include "convert/synth.h"

namespace heft::cli {

Action add_synth(CLI::App& app) {
  auto opt = std::make_shared<convert::SynthOptions>();
  auto out = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("synth", "Write a random-weight model of a known shape (for tests and benchmarks)");
  cmd->add_option("output", *out, "Output .gguf")->required();
  cmd->add_option("--arch", opt->arch, "Architecture")->capture_default_str();
  cmd->add_option("--preset", opt->preset, fmt::format("Shape: {}", fmt::join(convert::synth_preset_names(), ", ")))
      ->capture_default_str();
  cmd->add_option("--type", opt->type, fmt::format("File type: {}", fmt::join(convert::file_type_names(), ", ")))
      ->capture_default_str();
  cmd->add_option("--vocab", opt->vocab_from, "Copy the tokenizer from this GGUF (default: a synthetic vocabulary)");
  cmd->add_option("--chat-template", opt->chat_template, "Write this .jinja file as the model's chat template");
  cmd->add_option("--seed", opt->seed, "Random seed")->capture_default_str();
  cmd->add_option("--std", opt->stddev, "Standard deviation of the weights")->capture_default_str();
  cmd->add_option("--rope-scaling", opt->rope_scaling, "RoPE scaling metadata: none, linear or yarn (default: none written)");
  cmd->add_option("--rope-factor", opt->rope_factor, "rope.scaling.factor (with --rope-scaling linear or yarn)");
  cmd->add_option("--rope-orig-ctx", opt->rope_orig_ctx,
                  "rope.scaling.original_context_length: the context before scaling (YaRN; default: not written, "
                  "which means the model's context length)");
  cmd->add_option("-t,--threads", opt->threads, "Threads (default: all cores)");
  cmd->add_flag("--force", opt->overwrite, "Overwrite OUTPUT if it exists");
  return [opt, out]() -> int {
    if (auto r = convert::synthesize(*out, *opt); !r) return report(r.error());
    return 0;
  };
}

}  // namespace heft::cli
