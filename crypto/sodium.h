// crypto/sodium.h -- libsodium start-up and the primitives' fixed sizes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace tocsin::crypto {

inline constexpr std::size_t kPublicKeySize = 32;   // Ed25519 and X25519
inline constexpr std::size_t kSignatureSize = 64;   // Ed25519
inline constexpr std::size_t kSymmetricKeySize = 32;
inline constexpr std::size_t kAeadNonceSize = 24;   // XChaCha20-Poly1305
inline constexpr std::size_t kAeadTagSize = 16;
inline constexpr std::size_t kDigestSize = 32;      // SHA-256

using PublicKey = std::array<std::uint8_t, kPublicKeySize>;
using Signature = std::array<std::uint8_t, kSignatureSize>;
using Digest = std::array<std::uint8_t, kDigestSize>;

// Initialises libsodium once; safe to call from any thread, any number of
// times. Aborts when libsodium cannot initialise: nothing secure can run then.
void EnsureSodium();

}  // namespace tocsin::crypto
