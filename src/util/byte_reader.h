#pragma once
// A bounds-checked little-endian cursor over untrusted bytes. Every read
// either succeeds or returns an Error naming the file and the byte offset.
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "util/error.h"

namespace heft::util {

class ByteReader {
 public:
  ByteReader(std::span<const uint8_t> bytes, std::string file) : bytes_(bytes), file_(std::move(file)) {}

  uint64_t offset() const { return pos_; }
  uint64_t remaining() const { return bytes_.size() - pos_; }
  uint64_t size() const { return bytes_.size(); }
  const std::string& file() const { return file_; }

  template <class T>
  Result<T> read() {
    if (remaining() < sizeof(T))
      return fail("unexpected end of file reading " + std::to_string(sizeof(T)) + " bytes", file_, pos_);
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  Result<std::span<const uint8_t>> bytes(uint64_t n) {
    if (remaining() < n)
      return fail("unexpected end of file: need " + std::to_string(n) + " bytes, " +
                      std::to_string(remaining()) + " left",
                  file_, pos_);
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
  std::span<const uint8_t> bytes_;
  std::string file_;
  uint64_t pos_ = 0;
};

}  // namespace heft::util
