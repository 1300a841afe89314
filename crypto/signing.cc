#include "crypto/signing.h"

#include <sodium.h>

#include "common/check.h"

namespace tocsin::crypto {
namespace {

Bytes WithContext(std::string_view context, ByteView message) {
  TOCSIN_CHECK(!context.empty() && context.back() == '\0');
  Bytes signed_bytes;
  signed_bytes.reserve(context.size() + message.size());
  Append(signed_bytes, AsBytes(context));
  Append(signed_bytes, message);
  return signed_bytes;
}

}  // namespace

Result<SigningKey> SigningKey::Generate() {
  TOCSIN_ASSIGN_OR_RETURN(SecretBytes seed, SecretBytes::Allocate(kSigningSeedSize));
  randombytes_buf(seed.data(), seed.size());
  return FromSeed(seed.bytes());
}

Result<SigningKey> SigningKey::FromSeed(ByteView seed) {
  if (seed.size() != kSigningSeedSize) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "an Ed25519 seed is 32 bytes, got " +
                         std::to_string(seed.size()));
  }
  TOCSIN_ASSIGN_OR_RETURN(SecretBytes secret,
                          SecretBytes::Allocate(crypto_sign_SECRETKEYBYTES));
  PublicKey public_key{};
  if (crypto_sign_seed_keypair(public_key.data(), secret.data(), seed.data()) !=
      0) {
    return MakeError(ErrorCode::kInternal, "crypto_sign_seed_keypair failed");
  }
  return SigningKey(std::move(secret), public_key);
}

Signature SigningKey::Sign(std::string_view context, ByteView message) const {
  Bytes signed_bytes = WithContext(context, message);
  Signature signature{};
  // Cannot fail for a well-formed secret key, which this object guarantees.
  TOCSIN_CHECK(crypto_sign_detached(signature.data(), nullptr,
                                    signed_bytes.data(), signed_bytes.size(),
                                    secret_.data()) == 0);
  return signature;
}

Signature SigningKey::SignNote(ByteView note) const {
  Signature signature{};
  TOCSIN_CHECK(crypto_sign_detached(signature.data(), nullptr, note.data(), note.size(),
                                    secret_.data()) == 0);
  return signature;
}

Status VerifySignature(const PublicKey& key, std::string_view context,
                       ByteView message, const Signature& signature) {
  Bytes signed_bytes = WithContext(context, message);
  return VerifyEd25519(key, signed_bytes, signature);
}

Status VerifyEd25519(ByteView key, ByteView message, ByteView signature) {
  EnsureSodium();
  if (key.size() != crypto_sign_PUBLICKEYBYTES ||
      signature.size() != crypto_sign_BYTES) {
    return MakeError(ErrorCode::kBadSignature,
                     "Ed25519 key or signature has the wrong length");
  }
  if (crypto_sign_verify_detached(signature.data(), message.data(),
                                  message.size(), key.data()) != 0) {
    return MakeError(ErrorCode::kBadSignature, "Ed25519 signature does not verify");
  }
  return {};
}

}  // namespace tocsin::crypto
