#include "crypto/key_agreement.h"

#include <sodium.h>

#include <array>

#include "crypto/aead.h"

namespace tocsin::crypto {
namespace {

AeadNonce WrapNonce(ByteView associated_data) {
  AeadNonce nonce{};
  crypto_generichash(nonce.data(), nonce.size(), associated_data.data(),
                     associated_data.size(), nullptr, 0);
  return nonce;
}

tl::unexpected<Error> LowOrderKey() {
  return MakeError(ErrorCode::kInvalidArgument,
                   "X25519 public key is of low order (shared secret is zero)");
}

}  // namespace

Result<X25519KeyPair> X25519KeyPair::Generate() {
  TOCSIN_ASSIGN_OR_RETURN(SecretBytes secret,
                          SecretBytes::Allocate(kX25519SecretSize));
  randombytes_buf(secret.data(), secret.size());
  return FromSecret(secret.bytes());
}

Result<X25519KeyPair> X25519KeyPair::FromSecret(ByteView secret) {
  if (secret.size() != kX25519SecretSize) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "an X25519 secret key is 32 bytes, got " +
                         std::to_string(secret.size()));
  }
  TOCSIN_ASSIGN_OR_RETURN(SecretBytes copy, SecretBytes::CopyFrom(secret));
  PublicKey public_key{};
  if (crypto_scalarmult_base(public_key.data(), copy.data()) != 0) {
    return MakeError(ErrorCode::kInternal, "crypto_scalarmult_base failed");
  }
  return X25519KeyPair(std::move(copy), public_key);
}

Result<SecretBytes> X25519(ByteView scalar, ByteView point) {
  EnsureSodium();
  if (scalar.size() != crypto_scalarmult_SCALARBYTES ||
      point.size() != crypto_scalarmult_BYTES) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "X25519 takes a 32-byte scalar and a 32-byte point");
  }
  TOCSIN_ASSIGN_OR_RETURN(SecretBytes shared,
                          SecretBytes::Allocate(crypto_scalarmult_BYTES));
  if (crypto_scalarmult(shared.data(), scalar.data(), point.data()) != 0) {
    return LowOrderKey();
  }
  return shared;
}

// The two crypto_kx session keys of one wrap: they live for microseconds, on
// the stack, and are wiped on every path (as libsodium's crypto_box_seal
// keeps its own). sodium_malloc here cost two mmap and mprotect rounds per
// recipient, more than the X25519 itself, and serialised sealing threads on
// the address-space lock (bench/README.md).
struct SessionKeys {
  std::array<std::uint8_t, crypto_kx_SESSIONKEYBYTES> receive{};
  std::array<std::uint8_t, crypto_kx_SESSIONKEYBYTES> transmit{};
  SessionKeys() = default;
  SessionKeys(const SessionKeys&) = delete;
  SessionKeys& operator=(const SessionKeys&) = delete;
  ~SessionKeys() {
    sodium_memzero(receive.data(), receive.size());
    sodium_memzero(transmit.data(), transmit.size());
  }
};

Result<Bytes> WrapKey(const X25519KeyPair& ephemeral, const PublicKey& recipient,
                      ByteView content_key, ByteView associated_data) {
  if (content_key.size() != kSymmetricKeySize) {
    return MakeError(ErrorCode::kInvalidArgument, "content key must be 32 bytes");
  }
  SessionKeys keys;
  if (crypto_kx_client_session_keys(keys.receive.data(), keys.transmit.data(),
                                    ephemeral.public_key().data(),
                                    ephemeral.secret().data(),
                                    recipient.data()) != 0) {
    return LowOrderKey();
  }
  AeadNonce nonce = WrapNonce(associated_data);
  return AeadSeal(keys.transmit, nonce, content_key, associated_data);
}

Result<SecretBytes> UnwrapKey(const X25519KeyPair& recipient,
                              const PublicKey& ephemeral_public, ByteView wrapped,
                              ByteView associated_data) {
  if (wrapped.size() != kWrappedKeySize) {
    return MakeError(ErrorCode::kMalformedMessage,
                     "a wrapped key is 48 bytes, got " +
                         std::to_string(wrapped.size()));
  }
  SessionKeys keys;
  if (crypto_kx_server_session_keys(keys.receive.data(), keys.transmit.data(),
                                    recipient.public_key().data(),
                                    recipient.secret().data(),
                                    ephemeral_public.data()) != 0) {
    return LowOrderKey();
  }
  AeadNonce nonce = WrapNonce(associated_data);
  TOCSIN_ASSIGN_OR_RETURN(Bytes key, AeadOpen(keys.receive, nonce, wrapped, associated_data));
  Result<SecretBytes> secret = SecretBytes::CopyFrom(key);
  Wipe(key);
  return secret;
}

}  // namespace tocsin::crypto
