// protocol/signed_envelope.h -- signing envelopes and verifying them before
// anything inside is parsed.
#pragma once

#include <string>
#include <vector>

#include "common/principal.h"
#include "crypto/key_resolver.h"
#include "crypto/signing.h"
#include "protocol/messages.h"

namespace tocsin::protocol {

// An envelope of `type` whose body is `body`, signed by `signer_id`.
Envelope SignBody(MessageType type, Bytes body, const std::string& signer_id,
                  const crypto::SigningKey& key);

// Adds a further signature over the same body (two-person rule). The new
// signer signs exactly the bytes the first one signed.
void AddSignature(Envelope& envelope, const std::string& signer_id,
                  const crypto::SigningKey& key);

struct SignerPolicy {
  Role role = Role::kOperator;       // every signer must hold this role
  std::size_t min_distinct_keys = 1; // M of an M-of-N rule
};

struct VerifiedSigners {
  std::vector<std::string> signers;  // in envelope order
  std::size_t distinct_keys = 0;
};

// Verifies every signature in `envelope` over its context and body, with
// each signer's key resolved at `at`. Any one bad signature rejects the
// whole envelope (kBadSignature); an unknown, revoked or expired signer is
// reported as the resolver says; a signer of the wrong role is
// kPermissionDenied. Signatures are counted by distinct public key, never by
// entry, so one key listed twice counts once (SECURITY.md, item 18).
Result<VerifiedSigners> VerifyEnvelope(const Envelope& envelope,
                                       crypto::KeyResolver& resolver, UnixMillis at,
                                       const SignerPolicy& policy);

}  // namespace tocsin::protocol
