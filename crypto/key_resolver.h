// crypto/key_resolver.h -- from a principal id to its verified signing key.
//
// protocol/ verifies signatures by principal id without knowing where keys
// come from; pki/ implements this interface on top of certificate checks
// (chain, CRL, validity, key usage). Neither depends on the other.
#pragma once

#include <string_view>

#include "common/clock.h"
#include "common/principal.h"
#include "common/result.h"
#include "crypto/sodium.h"

namespace tocsin::crypto {

struct ResolvedSigner {
  PublicKey public_key;  // Ed25519
  Role role;
};

class KeyResolver {
 public:
  virtual ~KeyResolver() = default;
  // Returns the Ed25519 key of `principal_id` valid at `at`, or an error:
  // kNotFound (unknown), kRevoked, kExpired, kUntrustedCertificate.
  virtual Result<ResolvedSigner> ResolveSigner(std::string_view principal_id,
                                               UnixMillis at) = 0;
};

}  // namespace tocsin::crypto
