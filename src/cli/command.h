#pragma once
// Each subcommand lives in its own file and exposes one add_* function that
// declares its options on the parent CLI11 app and returns the action to run
// when the user picked it. Actions return the process exit status.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "util/error.h"

namespace heft::cli {

using Action = std::function<int()>;

Action add_inspect(CLI::App& app);     // inspect.cpp
Action add_tokenize(CLI::App& app);    // tokenize.cpp
Action add_detokenize(CLI::App& app);  // detokenize.cpp
Action add_template(CLI::App& app);    // template.cpp
Action add_synth(CLI::App& app);       // synth.cpp
Action add_convert(CLI::App& app);     // convert.cpp
Action add_quantize(CLI::App& app);    // convert.cpp
Action add_run(CLI::App& app);         // run.cpp
Action add_chat(CLI::App& app);        // chat.cpp
Action add_perplexity(CLI::App& app);  // perplexity.cpp
Action add_logits(CLI::App& app);      // logits.cpp
Action add_bench(CLI::App& app);       // bench.cpp
Action add_serve(CLI::App& app);       // serve.cpp
Action add_grammar(CLI::App& app);     // grammar.cpp
Action add_list(CLI::App& app);        // list.cpp
Action add_rm(CLI::App& app);          // list.cpp
Action add_pull(CLI::App& app);        // pull.cpp
Action add_license(CLI::App& app);     // license.cpp
Action add_show(CLI::App& app);        // show.cpp
Action add_fit(CLI::App& app);         // fit.cpp

// Prints "heft: FILE: at byte N: MESSAGE" on one line to stderr; returns 1.
int report(const util::Error& e);

}  // namespace heft::cli
