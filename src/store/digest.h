#pragma once
// Digests of downloaded and imported files: SHA-256 (the Hub's LFS oids, Ollama's
// blob names) and git's blob SHA-1 (the Hub's ids of small, non-LFS files).
// OpenSSL's libcrypto computes them (docs/dependencies.md).
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "util/error.h"

namespace heft::store {

// SHA-256 whose running state can be saved beside a partial download and
// restored, so a resumed download neither re-reads nor re-hashes what it has.
class Sha256 {
 public:
  Sha256();
  void update(std::span<const uint8_t> bytes);
  void update(std::string_view bytes) {
    update(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }
  uint64_t bytes_hashed() const;
  // Lower-case hex of the digest; the object can no longer be updated meaningfully.
  std::string hex_digest();

  // The running state as opaque bytes (for this build of this machine) and back.
  // restore() refuses state that is malformed or was saved after another count of bytes.
  std::string save_state() const;
  bool restore_state(std::string_view state, uint64_t expected_bytes);

 private:
  std::array<uint64_t, 16> storage_{};  // holds OpenSSL's SHA256_CTX (112 bytes)
};

// SHA-256 of a whole file, hex; errors name the file.
util::Result<std::string> sha256_file(const std::string& path);

// Git's object id of a blob: SHA-1 of "blob SIZE\0" followed by the bytes, hex.
std::string git_blob_sha1(std::string_view content);
util::Result<std::string> git_blob_sha1_file(const std::string& path);

// Hex of bytes, lower case.
std::string to_hex(std::span<const uint8_t> bytes);

}  // namespace heft::store
