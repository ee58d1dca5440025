// `heft run MODEL -p PROMPT`: streams only the generated text to stdout.
#include <fmt/format.h>

#include <cstdio>

#include "cli/command.h"
#include "cli/model_options.h"
#include "cli/sampling_options.h"
#include "engine/generate.h"
#include "session/constraint.h"
#include "util/json.h"
#include "util/mapped_file.h"

namespace heft::cli {

namespace {

struct RunArgs {
  std::string model, prompt, prompt_file;
  int64_t n_predict = -1;
  std::vector<std::string> stop;
  bool json = false, ignore_eos = false, context_shift = false, parse_special = false, no_bos = false;
  ContextOptions ctx;
  SamplingOptions sampling;
  session::GrammarFlags grammar;
};

util::Json ids_json(std::span<const int32_t> ids) {
  util::Json a = util::Json::array();
  for (int32_t id : ids) a.push_back(util::Json(int64_t{id}));
  return a;
}

int run(const RunArgs& a) {
  std::string prompt = a.prompt;
  if (!a.prompt_file.empty()) {
    auto text = util::read_file(a.prompt_file);
    if (!text) return report(text.error());
    prompt = *text;
  }
  // The grammar is checked before the model loads: a bad schema fails at once.
  auto gbnf = session::grammar_text(a.grammar);
  if (!gbnf) return report(gbnf.error());
  auto setup = prepare_generation(a.model, a.ctx, a.sampling);
  if (!setup) return report(setup.error());
  const tokenizer::Tokenizer& tok = *setup->loaded.tokenizer;

  std::vector<int32_t> ids = tok.encode(prompt, {.add_special = !a.no_bos, .parse_special = a.parse_special});
  engine::GenerateParams gp{.max_tokens = a.n_predict, .stop = a.stop, .ignore_eog = a.ignore_eos,
                            .context_shift = a.context_shift};
  if (!gbnf->empty()) {
    auto c = session::constraint_from_gbnf(*gbnf, tok, session::build_vocab_index(tok));
    if (!c) return report(c.error());
    gp.grammar = std::move(*c);
  }
  auto on_text = [&](std::string_view piece) {
    if (a.json) return;
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fflush(stdout);
  };
  auto r = engine::generate(*setup->ctx, *setup->sampler, tok, ids, gp, on_text);
  if (!r) return report(r.error());
  if (a.json) {
    util::Json doc = util::Json::object();
    doc.set("prompt_tokens", ids_json(ids));
    doc.set("tokens", ids_json(r->tokens));
    doc.set("text", util::Json(r->text));
    doc.set("stop_reason", util::Json(std::string(engine::stop_reason_name(r->stop_reason))));
    doc.set("seed", util::Json(setup->seed));
    util::Json t = util::Json::object();
    t.set("prompt_ms", util::Json(r->timings.prompt_ms));
    t.set("prompt_tokens_per_second", util::Json(r->timings.prompt_tokens_per_second()));
    t.set("generation_ms", util::Json(r->timings.generation_ms));
    t.set("generation_tokens_per_second", util::Json(r->timings.generation_tokens_per_second()));
    if (gp.grammar) t.set("grammar_ms", util::Json(r->timings.grammar_ms));
    doc.set("timings", std::move(t));
    fmt::print("{}\n", doc.dump(2));
  }
  return 0;
}

}  // namespace

Action add_run(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand("run", "Generate text from a prompt; only the generated text goes to stdout");
  cmd->add_option("model", a->model, "A .gguf, Hugging Face folder or llama2.c .bin; or ORG/NAME[:QUANT] in the Hugging Face cache, or ollama:NAME[:TAG] (default: the demo model)");
  cmd->add_option("-m,--model", a->model, "Same as MODEL");
  auto* prompt = cmd->add_option("-p,--prompt", a->prompt, "The prompt text");
  cmd->add_option("-f,--file", a->prompt_file, "Read the prompt from a file (its bytes exactly)")->excludes(prompt);
  cmd->add_option("-n,--n-predict", a->n_predict, "Tokens to generate; -1: until the model stops or the context is full")
      ->capture_default_str();
  cmd->add_option("--stop", a->stop, "Stop when this text appears (repeatable; not printed)");
  cmd->add_flag("--ignore-eos", a->ignore_eos, "Keep going past end-of-generation tokens");
  cmd->add_flag("--context-shift", a->context_shift,
                "When the context is full, drop the older half (after the BOS) and continue, instead of stopping");
  cmd->add_flag("--parse-special", a->parse_special, "Turn special-token text in the prompt (e.g. <|im_start|>) into those tokens");
  cmd->add_flag("--no-bos", a->no_bos, "Do not add the BOS (or other) tokens the model adds to a prompt");
  cmd->add_flag("--json", a->json,
                "Print one JSON document instead: prompt_tokens, tokens, text, stop_reason (eog, stop, max_tokens, "
                "length, grammar), seed, timings");
  auto* schema = cmd->add_option("--json-schema", a->grammar.json_schema,
                                 "Constrain the output to JSON valid under this JSON Schema file (or the schema itself "
                                 "when it starts with '{'); keywords heft cannot enforce are refused");
  cmd->add_option("--grammar-file", a->grammar.grammar_file, "Constrain the output to a GBNF grammar (llama.cpp's format)")
      ->excludes(schema);
  a->ctx.add_to(cmd);
  a->sampling.add_to(cmd);
  return [a] { return run(*a); };
}

}  // namespace heft::cli
