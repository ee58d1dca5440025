#pragma once
// Running the heft binary from tests.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "support/test_paths.h"
#include "util/json.h"
#include "util/mapped_file.h"

namespace heft::test {

inline CommandResult heft(const std::vector<std::string>& args, const std::string& stdin_text = {}) {
  std::string cmd = shell_quote(heft_binary());
  for (const auto& a : args) {
    cmd.push_back(' ');
    cmd.append(shell_quote(a));
  }
  return run_command(cmd, stdin_text);
}

// heft with environment variables set for it alone: {{"HF_HUB_CACHE", dir}, ...}.
inline CommandResult heft_env(const std::vector<std::pair<std::string, std::string>>& env,
                              const std::vector<std::string>& args) {
  // Appended piece by piece: g++ 12 warns falsely (-Wrestrict) on "literal" + std::string.
  std::string cmd = "env";
  for (const auto& [k, v] : env) cmd.append(" ").append(k).append("=").append(shell_quote(v));
  cmd.append(" ").append(shell_quote(heft_binary()));
  for (const auto& a : args) cmd.append(" ").append(shell_quote(a));
  return run_command(cmd);
}

inline util::Json heft_json(const std::vector<std::string>& args) {
  auto r = heft(args);
  EXPECT_EQ(r.status, 0) << r.err;
  auto j = util::Json::parse(r.out, "heft output");
  EXPECT_TRUE(j) << r.out;
  return j ? *j : util::Json();
}

inline std::vector<int64_t> int_list(const util::Json* arr) {
  std::vector<int64_t> out;
  if (arr && arr->is_array())
    for (const auto& v : arr->as_array()) out.push_back(v.as_int());
  return out;
}

inline util::Json load_json(const std::string& path) {
  auto text = util::read_file(path);
  EXPECT_TRUE(text);
  auto j = util::Json::parse(*text, path);
  EXPECT_TRUE(j);
  return *j;
}

inline const std::string kTinyF32 = "models/TinyStories-656K-gguf/tinystories-656k-f32.gguf";
inline const std::string kTinyQ8 = "models/TinyStories-656K-gguf/tinystories-656k-q8_0.gguf";

}  // namespace heft::test
