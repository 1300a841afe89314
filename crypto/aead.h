// crypto/aead.h -- XChaCha20-Poly1305 (IETF construction, libsodium).
//
// The 24-byte nonce is large enough to be drawn at random for every message
// without a practical chance of repeating (SECURITY.md, item 17).
#pragma once

#include <array>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/secret_bytes.h"
#include "crypto/sodium.h"

namespace tocsin::crypto {

using AeadNonce = std::array<std::uint8_t, kAeadNonceSize>;

// A fresh random nonce.
AeadNonce RandomNonce();

// Encrypts `plaintext` under `key` (32 bytes) and returns ciphertext || tag
// (plaintext size + 16 bytes). `associated_data` is authenticated, not
// encrypted. Fails only on a wrong key size.
Result<Bytes> AeadSeal(ByteView key, ByteView nonce, ByteView plaintext,
                       ByteView associated_data);

// Decrypts and authenticates. Fails with kBadSignature when the tag, the key,
// the nonce or the associated data do not match, and with kMalformedMessage
// when the input is shorter than a tag or a size is wrong.
Result<Bytes> AeadOpen(ByteView key, ByteView nonce, ByteView ciphertext,
                       ByteView associated_data);

}  // namespace tocsin::crypto
