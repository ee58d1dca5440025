#pragma once
// A bounds-checked little-endian cursor over untrusted bytes. Every read
// either succeeds or returns an Error naming the file and the byte offset.
// It may also run over the first bytes of a longer file (a header fetched
// before the rest): counts are then checked against the whole file's size,
// and a read that only the missing bytes could satisfy records how many
// bytes it needed, so the caller can fetch more and try again.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "util/error.h"

namespace heft::util {

class ByteReader {
 public:
  ByteReader(std::span<const uint8_t> bytes, std::string file)
      : bytes_(bytes), file_(std::move(file)), size_(bytes.size()) {}
  // `prefix`: the first bytes of a file of `file_size` bytes (at least as many).
  ByteReader(std::span<const uint8_t> prefix, std::string file, uint64_t file_size)
      : bytes_(prefix.first(static_cast<size_t>(std::min<uint64_t>(prefix.size(), file_size)))),
        file_(std::move(file)), size_(file_size) {}

  uint64_t offset() const { return pos_; }
  uint64_t remaining() const { return size_ - pos_; }  // bytes left in the file
  uint64_t size() const { return size_; }
  const std::string& file() const { return file_; }
  // Non-zero once a read failed only because the prefix ended: the prefix length it needed.
  uint64_t needed() const { return needed_; }

  template <class T>
  Result<T> read() {
    if (present() < sizeof(T)) return past_end(sizeof(T), "unexpected end of file reading " + std::to_string(sizeof(T)) + " bytes");
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  Result<std::span<const uint8_t>> bytes(uint64_t n) {
    if (present() < n)
      return past_end(n, "unexpected end of file: need " + std::to_string(n) + " bytes, " +
                             std::to_string(remaining()) + " left");
    auto s = bytes_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

  Result<std::string_view> string_view(uint64_t n) {
    auto b = bytes(n);
    if (!b) return std::unexpected(b.error());
    return std::string_view(reinterpret_cast<const char*>(b->data()), b->size());
  }

  // An error at the current offset (or at `at`).
  std::unexpected<Error> error(std::string message) const { return fail(std::move(message), file_, pos_); }
  std::unexpected<Error> error_at(uint64_t at, std::string message) const { return fail(std::move(message), file_, at); }

 private:
  uint64_t present() const { return bytes_.size() - pos_; }  // bytes at hand from the cursor on
  std::unexpected<Error> past_end(uint64_t n, std::string message) {
    if (remaining() >= n) {  // inside the file, past the prefix
      needed_ = pos_ + n;
      message = "only the first " + std::to_string(bytes_.size()) + " bytes are at hand; at least " +
                std::to_string(needed_) + " are needed";
    }
    return fail(std::move(message), file_, pos_);
  }

  std::span<const uint8_t> bytes_;
  std::string file_;
  uint64_t size_;
  uint64_t pos_ = 0;
  uint64_t needed_ = 0;
};

}  // namespace heft::util
