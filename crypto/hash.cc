#include "crypto/hash.h"

#include <sodium.h>

namespace tocsin::crypto {

Digest Sha256(ByteView data) {
  EnsureSodium();
  Digest digest{};
  crypto_hash_sha256(digest.data(), data.data(), data.size());
  return digest;
}

Digest HmacSha256(ByteView key, ByteView message) {
  EnsureSodium();
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key.data(), key.size());
  crypto_auth_hmacsha256_update(&state, message.data(), message.size());
  Digest mac{};
  crypto_auth_hmacsha256_final(&state, mac.data());
  sodium_memzero(&state, sizeof(state));
  return mac;
}

Bytes RandomBytes(std::size_t size) {
  EnsureSodium();
  Bytes out(size);
  if (size > 0) {
    randombytes_buf(out.data(), size);
  }
  return out;
}

std::uint32_t RandomBelow(std::uint32_t bound) {
  EnsureSodium();
  return randombytes_uniform(bound);
}

}  // namespace tocsin::crypto
