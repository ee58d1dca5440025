#include "util/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

namespace heft::util {

namespace {
constexpr size_t kBufferBytes = size_t{2} << 20;
}

Result<std::unique_ptr<AtomicFile>> AtomicFile::create(const std::string& path, bool overwrite) {
  std::error_code ec;
  if (!overwrite && std::filesystem::exists(path, ec))
    return fail("output exists; use --force to overwrite it", path);
  std::unique_ptr<AtomicFile> f(new AtomicFile());
  f->path_ = path;
  f->temp_path_ = path + ".tmp-" + std::to_string(getpid());
  f->fd_ = ::open(f->temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (f->fd_ < 0) return fail(std::string("cannot create: ") + std::strerror(errno), f->temp_path_);
  f->buffer_.reserve(kBufferBytes);
  return f;
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_path_.empty()) std::remove(temp_path_.c_str());
}

Result<void> AtomicFile::flush() {
  const uint8_t* p = buffer_.data();
  size_t left = buffer_.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(std::string("write failed: ") + std::strerror(n < 0 ? errno : EIO), path_, written_ - left);
    p += n;
    left -= static_cast<size_t>(n);
  }
  buffer_.clear();
  return {};
}

Result<void> AtomicFile::write(std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    const size_t k = std::min(bytes.size(), kBufferBytes - buffer_.size());
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(k));
    bytes = bytes.subspan(k);
    written_ += k;
    if (buffer_.size() == kBufferBytes) HEFT_TRY(flush());
  }
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
  HEFT_TRY(flush());
  if (fsync(fd_) != 0) return fail(std::string("write failed: ") + std::strerror(errno), path_);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return fail(std::string("write failed: ") + std::strerror(errno), path_);
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0)
    return fail(std::string("cannot rename the finished file into place: ") + std::strerror(errno), path_);
  committed_ = true;
  return {};
}

}  // namespace heft::util
