#include "store/digest.h"

// The low-level SHA256_* interface is deprecated in OpenSSL 3 in favour of EVP,
// but only it exposes the context as a plain struct that can be saved with a
// partial file; EVP_MD_CTX is opaque.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include <fmt/format.h>

namespace heft::store {

namespace {
static_assert(sizeof(SHA256_CTX) <= sizeof(std::array<uint64_t, 16>));

constexpr std::string_view kStateMagic = "heft-sha256-state-v1:";

template <class Fn>
util::Result<void> for_each_chunk(const std::string& path, Fn&& fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return util::fail(fmt::format("cannot open: {}", std::strerror(errno)), path);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<size_t>(in.gcount());
    if (n) fn(std::string_view(buf.data(), n));
  }
  if (in.bad()) return util::fail("read error", path);
  return {};
}
}  // namespace

Sha256::Sha256() { SHA256_Init(reinterpret_cast<SHA256_CTX*>(storage_.data())); }

void Sha256::update(std::span<const uint8_t> bytes) {
  SHA256_Update(reinterpret_cast<SHA256_CTX*>(storage_.data()), bytes.data(), bytes.size());
}

uint64_t Sha256::bytes_hashed() const {
  const auto* c = reinterpret_cast<const SHA256_CTX*>(storage_.data());
  return ((static_cast<uint64_t>(c->Nh) << 32) | c->Nl) / 8;
}

std::string Sha256::hex_digest() {
  uint8_t md[SHA256_DIGEST_LENGTH];
  SHA256_Final(md, reinterpret_cast<SHA256_CTX*>(storage_.data()));
  return to_hex(md);
}

std::string Sha256::save_state() const {
  std::string s(kStateMagic);
  s.append(reinterpret_cast<const char*>(storage_.data()), sizeof(SHA256_CTX));
  return s;
}

bool Sha256::restore_state(std::string_view state, uint64_t expected_bytes) {
  if (state.size() != kStateMagic.size() + sizeof(SHA256_CTX) || !state.starts_with(kStateMagic)) return false;
  SHA256_CTX c;
  std::memcpy(&c, state.data() + kStateMagic.size(), sizeof c);
  const uint64_t bits = (static_cast<uint64_t>(c.Nh) << 32) | c.Nl;
  // num counts the bytes waiting in the 64-byte block buffer; both must match the byte count.
  if (bits != expected_bytes * 8 || c.num != expected_bytes % SHA256_CBLOCK || c.md_len != SHA256_DIGEST_LENGTH) return false;
  std::memcpy(storage_.data(), &c, sizeof c);
  return true;
}

util::Result<std::string> sha256_file(const std::string& path) {
  Sha256 h;
  HEFT_TRY(for_each_chunk(path, [&](std::string_view b) { h.update(b); }));
  return h.hex_digest();
}

namespace {
struct Sha1 {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Sha1() { EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr); }
  ~Sha1() { EVP_MD_CTX_free(ctx); }
  Sha1(const Sha1&) = delete;
  Sha1& operator=(const Sha1&) = delete;
  void update(std::string_view b) { EVP_DigestUpdate(ctx, b.data(), b.size()); }
  std::string hex() {
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(ctx, md, &n);
    return to_hex(std::span<const uint8_t>(md, n));
  }
};
}  // namespace

std::string git_blob_sha1(std::string_view content) {
  Sha1 h;
  const std::string header = fmt::format("blob {}", content.size());
  h.update(std::string_view(header.c_str(), header.size() + 1));  // with its NUL
  h.update(content);
  return h.hex();
}

util::Result<std::string> git_blob_sha1_file(const std::string& path) {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return util::fail(fmt::format("cannot open: {}", ec.message()), path);
  Sha1 h;
  const std::string header = fmt::format("blob {}", size);
  h.update(std::string_view(header.c_str(), header.size() + 1));
  HEFT_TRY(for_each_chunk(path, [&](std::string_view b) { h.update(b); }));
  return h.hex();
}

std::string to_hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    s.push_back(kDigits[b >> 4]);
    s.push_back(kDigits[b & 15]);
  }
  return s;
}

}  // namespace heft::store
