// protocol/promise.h -- the gateway's signed word that an event is in its
// audit log, and how a peer holds it to that word (SECURITY.md 39).
//
// When the gateway confirms a directive, a receipt or an acknowledgement it
// sends a *promise* (type 12): a statement, signed by its log key, that the
// entry recording the event is leaf `index` of the audit log, dated `at`,
// with leaf hash `leaf_hash` (a Signed Certificate Timestamp in Certificate
// Transparency's terms). The peer rebuilds that entry from the bytes it sent,
// so a promise for anything else is refused, and keeps it. Once it holds a
// checkpoint that covers the index it asks for an inclusion proof (types 13
// and 14). A checkpoint that proves another leaf at the index, or that is
// dated after the promise and does not reach the index, contradicts the
// promise: two signed statements of one key that cannot both be true.
// docs/audit.md section 3 and docs/protocol.md section 10 are normative.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "crypto/signing.h"
#include "protocol/audit.h"
#include "protocol/messages.h"

namespace tocsin::protocol {

struct Promise {
  std::string gateway;
  AuditKind kind = AuditKind::kReceipt;  // directive-accepted, receipt or acknowledgement
  DirectiveId directive_id{};
  std::string principal;  // the issuer (directive) or the agency
  std::uint64_t index = 0;  // the entry's position in the log, from 0
  UnixMillis at = 0;        // the entry's time
  crypto::Digest leaf_hash{};
};

// True for the entry kinds a promise may name.
bool IsPromisedKind(AuditKind kind);

Bytes EncodePromise(const Promise& promise);
Result<Promise> DecodePromise(ByteView bytes);

// The promise's envelope, signed by `log_key` as `promise.gateway`.
Bytes SignPromise(const Promise& promise, const crypto::SigningKey& log_key);

// Decodes a promise envelope and checks its one signature against the log
// key of `gateway` (the caller resolves it from the gateway's verified log
// certificate). kBadSignature or kMalformedMessage, saying why.
Result<Promise> VerifyPromise(ByteView wire, std::string_view gateway,
                              const crypto::PublicKey& log_key);

// The leaf hash of the entry that records `envelope` (the exact bytes its
// sender sent) as an event of `kind` by `principal`, dated `at`.
crypto::Digest PromisedLeaf(AuditKind kind, const DirectiveId& directive_id,
                            std::string_view principal, UnixMillis at, ByteView envelope);

// Succeeds iff `promise` is for exactly that envelope: kind, directive,
// principal and the leaf rebuilt from the envelope and the promise's time.
Status CheckPromiseFor(const Promise& promise, AuditKind kind, const DirectiveId& directive_id,
                       std::string_view principal, ByteView envelope);

// A promise names a new entry (index at or past `held_size`, the size of the
// checkpoint the receiver holds) only if it is dated within kMaxClockSkew of
// `now`; one the held checkpoint covers may be older (a repeat), never ahead.
// Otherwise kExpired: a promise dated far ahead would stay open for ever.
Status CheckPromiseTime(const Promise& promise, UnixMillis now, std::uint64_t held_size);

// Type 13: "prove leaf `index` in the tree of `tree_size` leaves", the size
// of a checkpoint the agency holds.
struct ProofRequest {
  std::uint64_t index = 0;
  std::uint64_t tree_size = 0;
};
// Type 14: the leaf the gateway's log holds there, and its audit path.
struct InclusionProofMessage {
  std::uint64_t index = 0;
  std::uint64_t tree_size = 0;
  crypto::Digest leaf_hash{};
  std::vector<crypto::Digest> proof;
};

Bytes EncodeProofRequest(const ProofRequest& request);
Result<ProofRequest> DecodeProofRequest(ByteView bytes);
Bytes EncodeInclusionProof(const InclusionProofMessage& message);
Result<InclusionProofMessage> DecodeInclusionProof(ByteView bytes);

// What a verified checkpoint, and the gateway's answer for it if any, say
// of a promise.
enum class PromiseVerdict {
  kOpen,    // nothing decided yet: the checkpoint does not reach it, or no valid proof
  kKept,    // the promised leaf is proven in the checkpoint's tree
  kBroken,  // the checkpoint contradicts the promise: evidence against the gateway
};

struct PromiseJudgement {
  PromiseVerdict verdict = PromiseVerdict::kOpen;
  std::string why;
};

// `proof` may be null (no answer yet). A proof for another index or size
// decides nothing; a valid proof of another leaf at the index breaks the
// promise, as does a checkpoint dated after the promised entry that does not
// reach its index (the log's time never goes back: docs/audit.md section 2).
PromiseJudgement JudgePromise(const Promise& promise, const Checkpoint& checkpoint,
                              const InclusionProofMessage* proof);

}  // namespace tocsin::protocol
