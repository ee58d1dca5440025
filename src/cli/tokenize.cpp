// `heft tokenize`: placeholder until its module lands.
#include "cli/command.h"

namespace heft::cli {

Action add_tokenize(CLI::App& app) {
  app.add_subcommand("tokenize", "(not yet implemented)")->allow_extras();
  return [] { return report({"tokenize is not implemented yet"}); };
}

}  // namespace heft::cli
