#include "crypto/key_agreement.h"

#include <sodium.h>

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

Result<Bytes> WrapKey(const X25519KeyPair& ephemeral, const PublicKey& recipient,
                      ByteView content_key, ByteView associated_data) {
  if (content_key.size() != kSymmetricKeySize) {
    return MakeError(ErrorCode::kInvalidArgument, "content key must be 32 bytes");
  }
  TOCSIN_ASSIGN_OR_RETURN(SecretBytes receive, SecretBytes::Allocate(crypto_kx_SESSIONKEYBYTES));
  TOCSIN_ASSIGN_OR_RETURN(SecretBytes transmit, SecretBytes::Allocate(crypto_kx_SESSIONKEYBYTES));
  if (crypto_kx_client_session_keys(receive.data(), transmit.data(),
                                    ephemeral.public_key().data(),
                                    ephemeral.secret().data(),
                                    recipient.data()) != 0) {
    return LowOrderKey();
  }
  AeadNonce nonce = WrapNonce(associated_data);
  return AeadSeal(transmit.bytes(), nonce, content_key, associated_data);
}

Result<SecretBytes> UnwrapKey(const X25519KeyPair& recipient,
                              const PublicKey& ephemeral_public, ByteView wrapped,
                              ByteView associated_data) {
  if (wrapped.size() != kWrappedKeySize) {
    return MakeError(ErrorCode::kMalformedMessage,
                     "a wrapped key is 48 bytes, got " +
                         std::to_string(wrapped.size()));
  }
  TOCSIN_ASSIGN_OR_RETURN(SecretBytes receive, SecretBytes::Allocate(crypto_kx_SESSIONKEYBYTES));
  TOCSIN_ASSIGN_OR_RETURN(SecretBytes transmit, SecretBytes::Allocate(crypto_kx_SESSIONKEYBYTES));
  if (crypto_kx_server_session_keys(receive.data(), transmit.data(),
                                    recipient.public_key().data(),
                                    recipient.secret().data(),
                                    ephemeral_public.data()) != 0) {
    return LowOrderKey();
  }
  AeadNonce nonce = WrapNonce(associated_data);
  TOCSIN_ASSIGN_OR_RETURN(Bytes key, AeadOpen(receive.bytes(), nonce, wrapped,
                                              associated_data));
  Result<SecretBytes> secret = SecretBytes::CopyFrom(key);
  Wipe(key);
  return secret;
}

}  // namespace tocsin::crypto
