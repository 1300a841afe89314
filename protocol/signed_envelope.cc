#include "protocol/signed_envelope.h"

#include <algorithm>

namespace tocsin::protocol {

Envelope SignBody(MessageType type, Bytes body, const std::string& signer_id,
                  const crypto::SigningKey& key) {
  Envelope envelope{type, std::move(body), {}, std::nullopt};
  AddSignature(envelope, signer_id, key);
  return envelope;
}

void AddSignature(Envelope& envelope, const std::string& signer_id,
                  const crypto::SigningKey& key) {
  envelope.signatures.push_back(
      {signer_id, key.Sign(SignatureContext(envelope.type), envelope.body)});
}

Result<VerifiedSigners> VerifyEnvelope(const Envelope& envelope,
                                       crypto::KeyResolver& resolver, UnixMillis at,
                                       const SignerPolicy& policy) {
  if (IsUnsigned(envelope.type) || envelope.signatures.empty()) {
    return MakeError(ErrorCode::kBadSignature,
                     std::string(MessageTypeName(envelope.type)) + " is not signed");
  }
  VerifiedSigners out;
  std::vector<crypto::PublicKey> keys;
  for (std::size_t i = 0; i < envelope.signatures.size(); ++i) {
    const SignatureEntry& entry = envelope.signatures[i];
    std::string where = std::string(MessageTypeName(envelope.type)) + " signature " +
                        std::to_string(i + 1) + " by " + entry.signer;
    Result<crypto::ResolvedSigner> signer = resolver.ResolveSigner(entry.signer, at);
    if (!signer) {
      return WithContext(signer.error(), where);
    }
    if (signer->role != policy.role) {
      return MakeError(ErrorCode::kPermissionDenied,
                       where + ": signer has role " + std::string(RoleName(signer->role)) +
                           "; only role " + std::string(RoleName(policy.role)) +
                           " may sign a " + std::string(MessageTypeName(envelope.type)));
    }
    Status valid = crypto::VerifySignature(signer->public_key,
                                           SignatureContext(envelope.type),
                                           envelope.body, entry.signature);
    if (!valid) {
      return WithContext(valid.error(), where);
    }
    if (std::find(keys.begin(), keys.end(), signer->public_key) == keys.end()) {
      keys.push_back(signer->public_key);
    }
    out.signers.push_back(entry.signer);
  }
  out.distinct_keys = keys.size();
  if (out.distinct_keys < policy.min_distinct_keys) {
    return MakeError(ErrorCode::kPermissionDenied,
                     std::string(MessageTypeName(envelope.type)) + " carries " +
                         std::to_string(out.distinct_keys) + " distinct signer key(s); " +
                         std::to_string(policy.min_distinct_keys) + " are required");
  }
  return out;
}

}  // namespace tocsin::protocol
