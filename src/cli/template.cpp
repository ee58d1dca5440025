// `heft template`: placeholder until its module lands.
#include "cli/command.h"

namespace heft::cli {

Action add_template(CLI::App& app) {
  app.add_subcommand("template", "(not yet implemented)")->allow_extras();
  return [] { return report({"template is not implemented yet"}); };
}

}  // namespace heft::cli
