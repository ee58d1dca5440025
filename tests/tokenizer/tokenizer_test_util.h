#pragma once
// Shared helpers for the tokenizer tests: cached tokenizers, file reading,
// reference-data parsing.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/test_paths.h"
#include "tokenizer/tokenizer.h"
#include "util/json.h"
#include "util/mapped_file.h"

namespace heft::test {

// Loads once per process; fails the calling test if the tokenizer cannot load.
inline const tokenizer::Tokenizer* cached_tokenizer(const std::string& path) {
  static std::map<std::string, std::unique_ptr<tokenizer::Tokenizer>> cache;
  auto it = cache.find(path);
  if (it != cache.end()) return it->second.get();
  auto t = tokenizer::load_tokenizer_path(path);
  EXPECT_TRUE(t.has_value()) << path << ": " << (t ? "" : t.error().to_string());
  if (!t) return nullptr;
  return cache.emplace(path, std::make_unique<tokenizer::Tokenizer>(std::move(*t))).first->second.get();
}

inline std::string slurp(const std::string& path) {
  auto r = util::read_file(path);
  EXPECT_TRUE(r.has_value()) << path;
  return r ? *r : std::string();
}

inline util::Json load_json(const std::string& path) {
  auto j = util::Json::parse(slurp(path), path);
  EXPECT_TRUE(j.has_value()) << path << (j ? "" : ": " + j.error().to_string());
  return j ? *j : util::Json();
}

inline std::vector<int32_t> json_ids(const util::Json& a) {
  std::vector<int32_t> ids;
  if (a.is_array())
    for (const util::Json& v : a.as_array()) ids.push_back(static_cast<int32_t>(v.as_int()));
  return ids;
}

inline std::string ids_str(const std::vector<int32_t>& ids) {
  std::string s = "[";
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? ", " : "") + std::to_string(ids[i]);
  return s + "]";
}

}  // namespace heft::test
