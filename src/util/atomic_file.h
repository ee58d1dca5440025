#pragma once
// A file that appears under its final name only when complete: writes go to a
// temporary file beside it, commit() flushes, fsyncs and renames. Destroyed
// without commit(), the temporary file is removed, so a failure never leaves a
// half-written output behind.
//
// Data reaches the kernel in whole 2 MiB writes at 2 MiB offsets: kernels with
// large page-cache folios (Linux 6.x on ext4, xfs) then cache the file in
// 2 MiB folios, which the next mmap of it maps with huge pages (decode reads
// every weight per token; docs/performance.md, "Huge pages").
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "util/error.h"

namespace heft::util {

class AtomicFile {
 public:
  // Fails when `path` exists and !overwrite.
  static Result<std::unique_ptr<AtomicFile>> create(const std::string& path, bool overwrite);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  Result<void> write(std::span<const uint8_t> bytes);
  Result<void> write(const void* data, size_t n) { return write({static_cast<const uint8_t*>(data), n}); }
  Result<void> write_zeros(uint64_t n);
  uint64_t written() const { return written_; }
  Result<void> commit();
  const std::string& path() const { return path_; }

 private:
  AtomicFile() = default;
  Result<void> flush();
  std::string path_, temp_path_;
  int fd_ = -1;
  std::vector<uint8_t> buffer_;  // capacity kBufferBytes; flushed when full
  uint64_t written_ = 0;
  bool committed_ = false;
};

}  // namespace heft::util
