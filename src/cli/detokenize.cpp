// `heft detokenize`: placeholder until its module lands.
#include "cli/command.h"

namespace heft::cli {

Action add_detokenize(CLI::App& app) {
  app.add_subcommand("detokenize", "(not yet implemented)")->allow_extras();
  return [] { return report({"detokenize is not implemented yet"}); };
}

}  // namespace heft::cli
