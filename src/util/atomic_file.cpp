#include "util/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace heft::util {

Result<std::unique_ptr<AtomicFile>> AtomicFile::create(const std::string& path, bool overwrite) {
  std::error_code ec;
  if (!overwrite && std::filesystem::exists(path, ec))
    return fail("output exists; use --force to overwrite it", path);
  std::unique_ptr<AtomicFile> f(new AtomicFile());
  f->path_ = path;
  f->temp_path_ = path + ".tmp-" + std::to_string(getpid());
  f->file_ = std::fopen(f->temp_path_.c_str(), "wb");
  if (!f->file_) return fail(std::string("cannot create: ") + std::strerror(errno), f->temp_path_);
  std::setvbuf(f->file_, nullptr, _IOFBF, 1 << 20);
  return f;
}

AtomicFile::~AtomicFile() {
  if (file_) std::fclose(file_);
  if (!committed_ && !temp_path_.empty()) std::remove(temp_path_.c_str());
}

Result<void> AtomicFile::write(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return {};
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size())
    return fail(std::string("write failed: ") + std::strerror(errno), path_, written_);
  written_ += bytes.size();
  return {};
}

Result<void> AtomicFile::write_zeros(uint64_t n) {
  static const std::vector<uint8_t> zeros(4096, 0);
  while (n > 0) {
    uint64_t k = std::min<uint64_t>(n, zeros.size());
    HEFT_TRY(write({zeros.data(), static_cast<size_t>(k)}));
    n -= k;
  }
  return {};
}

Result<void> AtomicFile::commit() {
  if (std::fflush(file_) != 0 || fsync(fileno(file_)) != 0)
    return fail(std::string("write failed: ") + std::strerror(errno), path_);
  std::fclose(file_);
  file_ = nullptr;
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0)
    return fail(std::string("cannot rename the finished file into place: ") + std::strerror(errno), path_);
  committed_ = true;
  return {};
}

}  // namespace heft::util
