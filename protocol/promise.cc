#include "protocol/promise.h"

#include "crypto/merkle.h"
#include "protocol/signed_envelope.h"
#include "protocol/strict_msgpack.h"

namespace tocsin::protocol {
namespace {

using msgpack::object;

constexpr UnpackLimits kPromiseLimits{.max_array = 7, .max_map = 0, .max_str = 64,
                                      .max_bin = crypto::kDigestSize, .max_depth = 1};
constexpr UnpackLimits kProofLimits{.max_array = kMaxProofHashes, .max_map = 0, .max_str = 0,
                                    .max_bin = crypto::kDigestSize, .max_depth = 2};

tl::unexpected<Error> Malformed(const std::string& why) {
  return MakeError(ErrorCode::kMalformedMessage, why);
}

Result<std::uint64_t> ReadIndex(const object& o, std::string_view field) {
  return ReadUint(o, 0, kMaxTime, field);
}

std::string Where(const Promise& p) {
  return "promise of " + std::string(AuditKindName(p.kind)) + " entry " + std::to_string(p.index);
}

}  // namespace

bool IsPromisedKind(AuditKind kind) {
  return kind == AuditKind::kDirectiveAccepted || kind == AuditKind::kReceipt ||
         kind == AuditKind::kAcknowledgement;
}

Bytes EncodePromise(const Promise& p) {
  Writer w;
  w.Array(7).Text(p.gateway).Uint(static_cast<std::uint64_t>(p.kind)).Bin(p.directive_id)
      .Text(p.principal).Uint(p.index).Uint(static_cast<std::uint64_t>(p.at)).Bin(p.leaf_hash);
  return w.Take();
}

Result<Promise> DecodePromise(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          StrictUnpack(bytes, kPromiseLimits, "promise"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 7, "promise"));
  Promise p;
  TOCSIN_ASSIGN_OR_RETURN(p.gateway, ReadPrincipalId(f[0], "promise.gateway"));
  TOCSIN_ASSIGN_OR_RETURN(std::uint64_t kind, ReadUint(f[1], 1, 4, "promise.kind"));
  p.kind = static_cast<AuditKind>(kind);
  if (!IsPromisedKind(p.kind)) {
    return Malformed("promise.kind: " + std::to_string(kind) + " is not a promised kind");
  }
  TOCSIN_ASSIGN_OR_RETURN(p.directive_id,
                          ReadFixedBin<kDirectiveIdSize>(f[2], "promise.directive_id"));
  TOCSIN_ASSIGN_OR_RETURN(p.principal, ReadPrincipalId(f[3], "promise.principal"));
  TOCSIN_ASSIGN_OR_RETURN(p.index, ReadIndex(f[4], "promise.index"));
  TOCSIN_ASSIGN_OR_RETURN(std::uint64_t at, ReadUint(f[5], 1, kMaxTime, "promise.at"));
  p.at = static_cast<UnixMillis>(at);
  TOCSIN_ASSIGN_OR_RETURN(p.leaf_hash, ReadFixedBin<crypto::kDigestSize>(f[6], "promise.leaf_hash"));
  return p;
}

Bytes SignPromise(const Promise& promise, const crypto::SigningKey& log_key) {
  return EncodeEnvelope(
      SignBody(MessageType::kPromise, EncodePromise(promise), promise.gateway, log_key));
}

Result<Promise> VerifyPromise(ByteView wire, std::string_view gateway,
                              const crypto::PublicKey& log_key) {
  TOCSIN_ASSIGN_OR_RETURN(Envelope envelope, DecodeEnvelope(wire));
  if (envelope.type != MessageType::kPromise || envelope.signatures.size() != 1) {
    return Malformed("expected a promise with one signature");
  }
  if (envelope.signatures.front().signer != gateway) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "promise signed by " + envelope.signatures.front().signer + ", expected " +
                         std::string(gateway));
  }
  Status valid = crypto::VerifySignature(log_key, SignatureContext(MessageType::kPromise),
                                         envelope.body, envelope.signatures.front().signature);
  if (!valid) {
    return WithContext(valid.error(), "promise signature");
  }
  TOCSIN_ASSIGN_OR_RETURN(Promise promise, DecodePromise(envelope.body));
  if (promise.gateway != gateway) {
    return MakeError(ErrorCode::kPermissionDenied, "promise.gateway is " + promise.gateway +
                                                       ", expected " + std::string(gateway));
  }
  return promise;
}

crypto::Digest PromisedLeaf(AuditKind kind, const DirectiveId& directive_id,
                            std::string_view principal, UnixMillis at, ByteView envelope) {
  return crypto::MerkleLeafHash(EncodeAuditEntry(
      {kind, at, directive_id, std::string(principal), Bytes(envelope.begin(), envelope.end())}));
}

Status CheckPromiseFor(const Promise& p, AuditKind kind, const DirectiveId& directive_id,
                       std::string_view principal, ByteView envelope) {
  if (p.kind != kind || p.directive_id != directive_id || p.principal != principal) {
    return Malformed(Where(p) + " names another event (" + std::string(AuditKindName(p.kind)) +
                     " by " + p.principal + ")");
  }
  if (PromisedLeaf(kind, directive_id, principal, p.at, envelope) != p.leaf_hash) {
    return Malformed(Where(p) + ": its leaf hash is not that of the entry recording the " +
                     "message sent (the gateway recorded other bytes)");
  }
  return {};
}

Status CheckPromiseTime(const Promise& p, UnixMillis now, std::uint64_t held_size) {
  bool covered = p.index < held_size;
  if (p.at > now + kMaxClockSkew || (!covered && p.at + kMaxClockSkew < now)) {
    return MakeError(ErrorCode::kExpired, Where(p) + " dated " + FormatUtc(p.at) +
                                              ": too far from this clock for a new entry");
  }
  return {};
}

Bytes EncodeProofRequest(const ProofRequest& r) {
  Writer w;
  w.Array(2).Uint(r.index).Uint(r.tree_size);
  return w.Take();
}

Result<ProofRequest> DecodeProofRequest(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          StrictUnpack(bytes, kProofLimits, "proof-request"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 2, "proof-request"));
  ProofRequest r;
  TOCSIN_ASSIGN_OR_RETURN(r.index, ReadIndex(f[0], "proof-request.index"));
  TOCSIN_ASSIGN_OR_RETURN(r.tree_size, ReadIndex(f[1], "proof-request.tree_size"));
  if (r.index >= r.tree_size) {
    return Malformed("proof-request: index " + std::to_string(r.index) +
                     " is not below tree_size " + std::to_string(r.tree_size));
  }
  return r;
}

Bytes EncodeInclusionProof(const InclusionProofMessage& m) {
  Writer w;
  w.Array(4).Uint(m.index).Uint(m.tree_size).Bin(m.leaf_hash).Array(m.proof.size());
  for (const crypto::Digest& hash : m.proof) {
    w.Bin(hash);
  }
  return w.Take();
}

Result<InclusionProofMessage> DecodeInclusionProof(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          StrictUnpack(bytes, kProofLimits, "inclusion-proof"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 4, "inclusion-proof"));
  InclusionProofMessage m;
  TOCSIN_ASSIGN_OR_RETURN(m.index, ReadIndex(f[0], "inclusion-proof.index"));
  TOCSIN_ASSIGN_OR_RETURN(m.tree_size, ReadIndex(f[1], "inclusion-proof.tree_size"));
  TOCSIN_ASSIGN_OR_RETURN(m.leaf_hash,
                          ReadFixedBin<crypto::kDigestSize>(f[2], "inclusion-proof.leaf_hash"));
  TOCSIN_ASSIGN_OR_RETURN(std::size_t count,
                          ReadArraySize(f[3], 0, kMaxProofHashes, "inclusion-proof.proof"));
  for (std::size_t i = 0; i < count; ++i) {
    TOCSIN_ASSIGN_OR_RETURN(crypto::Digest hash, ReadFixedBin<crypto::kDigestSize>(
                                                     f[3].via.array.ptr[i], "inclusion-proof.proof[]"));
    m.proof.push_back(hash);
  }
  return m;
}

PromiseJudgement JudgePromise(const Promise& promise, const Checkpoint& checkpoint,
                              const InclusionProofMessage* proof) {
  std::string where = Where(promise) + " (dated " + FormatUtc(promise.at) + ")";
  std::string of_checkpoint = "the checkpoint of size " + std::to_string(checkpoint.size) +
                              " dated " + FormatUtc(checkpoint.time);
  if (checkpoint.size <= promise.index) {
    if (checkpoint.time > promise.at) {
      return {PromiseVerdict::kBroken,
              where + ": " + of_checkpoint + " was signed later and does not contain it"};
    }
    return {PromiseVerdict::kOpen, where + ": not yet covered by " + of_checkpoint};
  }
  if (proof == nullptr || proof->index != promise.index || proof->tree_size != checkpoint.size) {
    return {PromiseVerdict::kOpen, where + ": no proof yet against " + of_checkpoint};
  }
  if (proof->leaf_hash != promise.leaf_hash) {
    if (crypto::VerifyInclusion(proof->index, proof->tree_size, proof->leaf_hash, proof->proof,
                                checkpoint.root)) {
      return {PromiseVerdict::kBroken,
              where + ": " + of_checkpoint + " holds another entry at that index"};
    }
    return {PromiseVerdict::kOpen, where + ": the gateway answered with an invalid proof"};
  }
  if (!crypto::VerifyInclusion(promise.index, checkpoint.size, promise.leaf_hash, proof->proof,
                               checkpoint.root)) {
    return {PromiseVerdict::kOpen, where + ": the gateway's proof does not verify against " +
                                       of_checkpoint};
  }
  return {PromiseVerdict::kKept, where + ": included in " + of_checkpoint};
}

}  // namespace tocsin::protocol
