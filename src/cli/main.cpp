// heft: one binary, one subcommand per job. Results go to stdout, diagnostics
// to stderr; any error is one line on stderr and exit status 1.
#include <fmt/format.h>

#include <cstdio>
#include <vector>

#include "cli/command.h"

namespace heft::cli {

int report(const util::Error& e) {
  std::fflush(stdout);
  fmt::print(stderr, "heft: {}\n", e.to_string());
  return 1;
}

}  // namespace heft::cli

int main(int argc, char** argv) {
  using namespace heft::cli;
  CLI::App app{"heft: run open-weight language models on your own hardware"};
  app.set_version_flag("--version", std::string("heft ") + HEFT_VERSION);
  app.require_subcommand(1);

  std::vector<std::pair<CLI::App*, Action>> commands;
  auto add = [&](Action (*adder)(CLI::App&)) {
    size_t before = app.get_subcommands({}).size();
    Action a = adder(app);
    auto subs = app.get_subcommands({});
    if (subs.size() > before) commands.emplace_back(subs.back(), std::move(a));
  };
  add(add_run);
  add(add_chat);
  add(add_serve);
  add(add_perplexity);
  add(add_logits);
  add(add_inspect);
  add(add_tokenize);
  add(add_detokenize);
  add(add_template);
  add(add_convert);
  add(add_quantize);
  add(add_synth);
  add(add_bench);
  add(add_grammar);
  add(add_list);
  add(add_rm);
  add(add_pull);
  add(add_license);
  add(add_show);
  add(add_fit);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0) {
      // One line for the error, then a hint where to look.
      fmt::print(stderr, "heft: {}\n", e.what());
      fmt::print(stderr, "Run with --help for more information.\n");
      return 1;
    }
    return app.exit(e);
  }
  for (auto& [sub, action] : commands)
    if (sub->parsed()) {
      try {
        return action();
      } catch (const std::bad_alloc&) {
        return report({"out of memory"});
      } catch (const std::exception& ex) {
        return report({std::string("internal error: ") + ex.what()});
      }
    }
  return 1;
}
