#pragma once
// Every GGUF under ../shared (models and vocabularies), found at run time so new
// files are covered without editing the tests.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "support/test_paths.h"

namespace heft::test {

inline std::vector<std::string> shared_ggufs() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(shared("")))
    if (e.is_regular_file() && e.path().extension() == ".gguf") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace heft::test
