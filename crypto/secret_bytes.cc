#include "crypto/secret_bytes.h"

#include <sodium.h>

#include <algorithm>
#include <utility>

#include "crypto/sodium.h"

namespace tocsin::crypto {

Result<SecretBytes> SecretBytes::Allocate(std::size_t size) {
  EnsureSodium();
  // sodium_malloc(0) is valid but returns a pointer we must still free; keep
  // one byte so data() is never null for a live object.
  void* memory = sodium_malloc(size == 0 ? 1 : size);
  if (memory == nullptr) {
    return MakeError(ErrorCode::kInternal,
                     "sodium_malloc of " + std::to_string(size) +
                         " bytes failed");
  }
  sodium_memzero(memory, size == 0 ? 1 : size);
  return SecretBytes(static_cast<std::uint8_t*>(memory), size);
}

Result<SecretBytes> SecretBytes::CopyFrom(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(SecretBytes secret, Allocate(bytes.size()));
  if (!bytes.empty()) {
    std::copy(bytes.begin(), bytes.end(), secret.data());
  }
  return secret;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SecretBytes::~SecretBytes() { Release(); }

void SecretBytes::Release() {
  if (data_ != nullptr) {
    sodium_free(data_);  // wipes before unmapping
    data_ = nullptr;
    size_ = 0;
  }
}

bool ConstantTimeEquals(ByteView a, ByteView b) {
  if (a.size() != b.size()) {
    return false;
  }
  if (a.empty()) {
    return true;
  }
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

void Wipe(std::span<std::uint8_t> bytes) {
  if (!bytes.empty()) {
    sodium_memzero(bytes.data(), bytes.size());
  }
}

}  // namespace tocsin::crypto
