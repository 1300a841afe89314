// crypto/signing.h -- Ed25519 signatures, always under a context string.
//
// Every Tocsin signature covers `context || message`, where the context names
// the message kind and version and ends in a NUL byte, e.g.
// "tocsin/directive/v1\0" (docs/protocol.md lists them all). A signature made
// for one kind therefore never verifies as another (SECURITY.md, item 11).
// Callers sign and verify the exact bytes that travel, never a re-encoding.
#pragma once

#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/secret_bytes.h"
#include "crypto/sodium.h"

namespace tocsin::crypto {

inline constexpr std::size_t kSigningSeedSize = 32;

// An Ed25519 key pair. The secret half lives in guarded memory and never
// leaves this object except as the 32-byte seed, for key files.
class SigningKey {
 public:
  static Result<SigningKey> Generate();
  // Derives the key pair from a 32-byte seed (RFC 8032 private key).
  static Result<SigningKey> FromSeed(ByteView seed);

  // Signs `context || message`. `context` must end in '\0' and be one of the
  // protocol's context strings.
  Signature Sign(std::string_view context, ByteView message) const;

  // Signs `note` as it stands, for C2SP signed notes (audit-log checkpoints):
  // there the note's first line, the log's origin, separates domains. Only a
  // gateway's log key may use this; it signs nothing else but log promises,
  // whose context ("tocsin/promise/v1\0") no origin can begin with, since a
  // principal id holds no '/'.
  Signature SignNote(ByteView note) const;

  const PublicKey& public_key() const { return public_key_; }
  // The 32-byte RFC 8032 seed; for writing key files only.
  ByteView seed() const { return secret_.bytes().first(kSigningSeedSize); }

 private:
  SigningKey(SecretBytes secret, const PublicKey& public_key)
      : secret_(std::move(secret)), public_key_(public_key) {}

  SecretBytes secret_;  // libsodium's 64-byte form: seed || public key
  PublicKey public_key_;
};

// Returns OK iff `signature` is a valid Ed25519 signature by `key` over
// `context || message`; kBadSignature otherwise.
Status VerifySignature(const PublicKey& key, std::string_view context,
                       ByteView message, const Signature& signature);

// Plain Ed25519 verification of `message` (no context). For conformance
// tests against published vectors and for signed notes (SignNote); protocol
// messages use VerifySignature.
Status VerifyEd25519(ByteView key, ByteView message, ByteView signature);

}  // namespace tocsin::crypto
