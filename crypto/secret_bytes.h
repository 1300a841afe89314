// crypto/secret_bytes.h -- key material in libsodium's guarded memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/bytes.h"
#include "common/result.h"

namespace tocsin::crypto {

// SecretBytes owns a buffer from sodium_malloc: guard pages around it, a
// canary before it, mlock'ed where the host allows, and wiped by sodium_free
// when the owner goes away. Move-only; it has no operator== (use
// ConstantTimeEquals) and no stream output, so it cannot reach a log by
// accident.
//
// Note: sodium_malloc does not fail when mlock fails (RLIMIT_MEMLOCK); hosts
// that must never swap keys disable swap (docs/operations.md).
class SecretBytes {
 public:
  // Allocates `size` zeroed bytes. Fails with kInternal only when the
  // mapping itself fails.
  static Result<SecretBytes> Allocate(std::size_t size);
  // Allocates and copies `bytes` in. The caller wipes its own copy.
  static Result<SecretBytes> CopyFrom(ByteView bytes);

  SecretBytes() = default;
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes();

  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  ByteView bytes() const { return {data_, size_}; }
  std::span<std::uint8_t> mutable_bytes() { return {data_, size_}; }

 private:
  SecretBytes(std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  void Release();

  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// Returns true iff `a` and `b` have the same length and contents; the time it
// takes depends on the length only (sodium_memcmp).
bool ConstantTimeEquals(ByteView a, ByteView b);

// Overwrites `bytes` with zeros in a way the compiler cannot elide.
void Wipe(std::span<std::uint8_t> bytes);

}  // namespace tocsin::crypto
