// crypto/hash.h -- digests and randomness.
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "crypto/sodium.h"

namespace tocsin::crypto {

// SHA-256 of `data` (FIPS 180-4). Used for directive digests in receipts and
// for the audit log's Merkle tree, where interoperability matters.
Digest Sha256(ByteView data);

// HMAC-SHA-256 of `message` under `key` (RFC 2104), for tokens a
// callback must present.
Digest HmacSha256(ByteView key, ByteView message);

// `size` bytes from the operating system's CSPRNG (randombytes_buf).
Bytes RandomBytes(std::size_t size);

// A uniformly random integer in [0, bound) (randombytes_uniform: no modulo bias).
std::uint32_t RandomBelow(std::uint32_t bound);

}  // namespace tocsin::crypto
