#pragma once
// A read-only memory mapping of a whole file. Tensors are views into it, so it
// is shared (std::shared_ptr) and outlives every view.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "util/error.h"

namespace heft::util {

class MappedFile {
 public:
  static Result<std::shared_ptr<MappedFile>> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

// Reads a whole (small) file into a string; refuses files over max_bytes.
Result<std::string> read_file(const std::string& path, size_t max_bytes = size_t(1) << 30);

}  // namespace heft::util
