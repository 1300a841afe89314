#include "crypto/aead.h"

#include <sodium.h>

namespace tocsin::crypto {
namespace {

Status CheckSizes(ByteView key, ByteView nonce) {
  if (key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES ||
      nonce.size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES) {
    return MakeError(ErrorCode::kMalformedMessage,
                     "XChaCha20-Poly1305 needs a 32-byte key and a 24-byte "
                     "nonce, got " + std::to_string(key.size()) + " and " +
                         std::to_string(nonce.size()));
  }
  return {};
}

}  // namespace

AeadNonce RandomNonce() {
  EnsureSodium();
  AeadNonce nonce{};
  randombytes_buf(nonce.data(), nonce.size());
  return nonce;
}

Result<Bytes> AeadSeal(ByteView key, ByteView nonce, ByteView plaintext,
                       ByteView associated_data) {
  EnsureSodium();
  TOCSIN_RETURN_IF_ERROR(CheckSizes(key, nonce));
  Bytes out(plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long out_size = 0;
  if (crypto_aead_xchacha20poly1305_ietf_encrypt(
          out.data(), &out_size, plaintext.data(), plaintext.size(),
          associated_data.data(), associated_data.size(), nullptr,
          nonce.data(), key.data()) != 0) {
    return MakeError(ErrorCode::kInternal, "XChaCha20-Poly1305 encrypt failed");
  }
  out.resize(static_cast<std::size_t>(out_size));
  return out;
}

Result<Bytes> AeadOpen(ByteView key, ByteView nonce, ByteView ciphertext,
                       ByteView associated_data) {
  EnsureSodium();
  TOCSIN_RETURN_IF_ERROR(CheckSizes(key, nonce));
  if (ciphertext.size() < crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    return MakeError(ErrorCode::kMalformedMessage,
                     "ciphertext is shorter than its 16-byte tag");
  }
  Bytes out(ciphertext.size() - crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long out_size = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          out.data(), &out_size, nullptr, ciphertext.data(), ciphertext.size(),
          associated_data.data(), associated_data.size(), nonce.data(),
          key.data()) != 0) {
    return MakeError(ErrorCode::kBadSignature,
                     "XChaCha20-Poly1305 authentication failed");
  }
  out.resize(static_cast<std::size_t>(out_size));
  return out;
}

}  // namespace tocsin::crypto
