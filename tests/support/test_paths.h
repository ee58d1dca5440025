#pragma once
// Where tests find the shared reference data, the heft binary, the npm reference
// tools, and a fresh scratch directory.
#include <string>

namespace heft::test {

std::string shared(const std::string& rel);     // ../shared/<rel>
std::string source(const std::string& rel);     // <repo>/<rel>
std::string heft_binary();
std::string reference_dir();                    // build/reference (node_modules inside)
std::string scratch_dir();                      // a new empty temp directory per call

struct CommandResult {
  int status = -1;
  std::string out;
  std::string err;
};
// Runs a shell command line, capturing stdout and stderr.
CommandResult run_command(const std::string& command_line, const std::string& stdin_text = {});
std::string shell_quote(const std::string& s);

}  // namespace heft::test
