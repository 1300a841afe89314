// crypto/key_agreement.h -- X25519 key pairs and the per-recipient key wrap.
//
// A directive's body is encrypted once under a random content key; the
// content key is wrapped for each recipient agency. The wrap construction
// (docs/protocol.md, "Encryption", has the full security argument):
//
//   e            = fresh X25519 key pair, one per directive, wiped after use
//   (_, k)       = crypto_kx_client_session_keys(e.pk, e.sk, R.pk)
//                  i.e. k = BLAKE2b-512(X25519(e.sk, R.pk) || e.pk || R.pk)[32..64]
//   nonce        = BLAKE2b-192(ad)
//   wrap         = XChaCha20-Poly1305(k, nonce, content_key, ad)   (48 bytes)
//
// where `ad` names the directive and the recipient, so a wrap cannot be moved
// to another directive or another recipient. One scalar multiplication per
// recipient (about the cost of a sealed box, 48 bytes instead of 80), with
// forward secrecy against compromise of the issuer's long-term keys.
#pragma once

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/secret_bytes.h"
#include "crypto/sodium.h"

namespace tocsin::crypto {

inline constexpr std::size_t kX25519SecretSize = 32;
inline constexpr std::size_t kWrappedKeySize = kSymmetricKeySize + kAeadTagSize;

// An X25519 key pair; the secret scalar lives in guarded memory.
class X25519KeyPair {
 public:
  static Result<X25519KeyPair> Generate();
  // Rebuilds the pair from a 32-byte secret scalar (as in RFC 7748 and
  // PKCS#8 X25519 keys).
  static Result<X25519KeyPair> FromSecret(ByteView secret);

  const PublicKey& public_key() const { return public_key_; }
  // The 32-byte secret scalar; for key files and key agreement only.
  ByteView secret() const { return secret_.bytes(); }

 private:
  X25519KeyPair(SecretBytes secret, const PublicKey& public_key)
      : secret_(std::move(secret)), public_key_(public_key) {}

  SecretBytes secret_;
  PublicKey public_key_;
};

// Raw X25519(scalar, point) (RFC 7748). Fails with kInvalidArgument when the
// result is all zeros, i.e. `point` is of low order (RFC 7748, section 6.1).
Result<SecretBytes> X25519(ByteView scalar, ByteView point);

// Wraps `content_key` (32 bytes) for `recipient` with the directive's
// ephemeral pair, bound to `associated_data`. Fails with kInvalidArgument
// when the recipient key is of low order.
Result<Bytes> WrapKey(const X25519KeyPair& ephemeral, const PublicKey& recipient,
                      ByteView content_key, ByteView associated_data);

// Recovers a content key wrapped for `recipient`. Fails with kBadSignature
// when the wrap was not made for this key pair, this ephemeral key and this
// associated data, and kMalformedMessage when its size is wrong.
Result<SecretBytes> UnwrapKey(const X25519KeyPair& recipient,
                              const PublicKey& ephemeral_public, ByteView wrapped,
                              ByteView associated_data);

}  // namespace tocsin::crypto
