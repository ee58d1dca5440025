#include "support/test_paths.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace heft::test {

std::string shared(const std::string& rel) { return std::string(HEFT_SHARED_DIR) + "/" + rel; }
std::string source(const std::string& rel) { return std::string(HEFT_SOURCE_DIR) + "/" + rel; }
std::string heft_binary() { return HEFT_BINARY; }
std::string reference_dir() { return HEFT_REFERENCE_DIR; }

std::string scratch_dir() {
  static std::atomic<int> counter{0};
  auto base = std::filesystem::temp_directory_path() /
              ("heft-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(base);
  std::filesystem::create_directories(base);
  return base.string();
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

CommandResult run_command(const std::string& command_line, const std::string& stdin_text) {
  std::string dir = scratch_dir();
  std::string in = dir + "/stdin", out = dir + "/stdout", err = dir + "/stderr";
  {
    std::ofstream f(in, std::ios::binary);
    f << stdin_text;
  }
  std::string full = "(" + command_line + ") <" + shell_quote(in) + " >" + shell_quote(out) + " 2>" + shell_quote(err);
  int raw = std::system(full.c_str());
  CommandResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + (WIFSIGNALED(raw) ? WTERMSIG(raw) : 0);
  auto slurp = [](const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  r.out = slurp(out);
  r.err = slurp(err);
  std::filesystem::remove_all(dir);
  return r;
}

}  // namespace heft::test
