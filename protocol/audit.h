// protocol/audit.h -- the audit log's entries and its signed checkpoints.
//
// Each event the gateway witnesses is one entry, a leaf of an RFC 6962 Merkle
// tree (crypto/merkle.h). Entries that carry evidence embed the signed bytes
// exactly as received, so an auditor re-verifies every signature from the log
// alone. A checkpoint is a C2SP signed note (tlog-checkpoint) over the origin,
// tree size and root, with Tocsin's time as an extension line, signed by the
// gateway's log key. docs/audit.md is the normative description.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "crypto/signing.h"
#include "protocol/messages.h"

namespace tocsin::protocol {

enum class AuditKind : std::uint8_t {
  kDirectiveAccepted = 1,  // directive id, issuer, the directive as submitted
  kSent = 2,               // directive id, agency
  kReceipt = 3,            // directive id, agency, the signed receipt
  kAcknowledgement = 4,    // directive id, agency, the signed acknowledgement
  kCodeAcknowledgement = 5,  // directive id, agency, the phone it came from (unsigned)
  kEscalation = 6,         // directive id, agency, EscalationData
  kPrincipalEnrolled = 7,  // principal, its Ed25519 signing key
  kPrincipalRevoked = 8,   // principal, its Ed25519 signing key
  kPolicyChanged = 9,      // the gateway, SHA-256 of the policy file now in force
  kBridgeOutcome = 10,     // directive id, agency, BridgeOutcomeData
  kRefusal = 11,           // directive id, agency, the signed refusal of a copy
  kCrlAdopted = 12,        // the gateway, the CA's CRL (DER) it now holds directives to
};
inline constexpr std::uint64_t kMaxAuditKind = 12;

std::string_view AuditKindName(AuditKind kind);

// The entry kind that records a receipt, an acknowledgement or a refusal.
AuditKind AuditKindOf(ReceiptKind kind);

struct AuditEntry {
  AuditKind kind = AuditKind::kSent;
  UnixMillis at = 0;                        // when the gateway recorded it
  std::optional<DirectiveId> directive_id;  // kinds 1 to 4
  std::string principal;                    // issuer, agency or enrolled principal
  Bytes data;  // kinds 1, 3, 4: signed envelope; 7, 8: certificate digest; 2: empty
};

// Kind 6: a fired step of an escalation ladder and what it did at once.
struct EscalationData {
  std::uint64_t step = 0;
  std::uint64_t repeat = 0;
  std::string action;   // resend, sms, email, crisis-cell
  std::string outcome;  // e.g. "resent", "queued 2 message(s)", "agency offline"
};
Bytes EncodeEscalationData(const EscalationData& data);
Result<EscalationData> DecodeEscalationData(ByteView bytes);

// Kind 10: what a bridge reported for one message.
struct BridgeOutcomeData {
  std::uint64_t task = 0;
  std::string channel;  // sms, email
  std::string address;
  std::string outcome;  // sent, failed, delivered, undelivered
  std::string detail;   // message id, SMSC answer, or the error
};
Bytes EncodeBridgeOutcomeData(const BridgeOutcomeData& data);
Result<BridgeOutcomeData> DecodeBridgeOutcomeData(ByteView bytes);

Bytes EncodeAuditEntry(const AuditEntry& entry);
// Strict, like every decoder here; also checks which fields each kind has.
Result<AuditEntry> DecodeAuditEntry(ByteView bytes);

struct Checkpoint {
  std::string origin;  // "<gateway id>/audit"
  std::uint64_t size = 0;
  crypto::Digest root{};
  UnixMillis time = 0;
};

std::string AuditOrigin(std::string_view gateway_id);

// The signed note text, ready to store or send.
std::string SignCheckpoint(const Checkpoint& checkpoint, const crypto::SigningKey& log_key);

// Parses a signed note and checks the signature line named `origin` against
// `log_key`. kBadSignature when it does not verify, kMalformedMessage when the
// note is not a Tocsin checkpoint for `origin`.
Result<Checkpoint> VerifyCheckpoint(std::string_view note, std::string_view origin,
                                    const crypto::PublicKey& log_key);

// The 4-byte C2SP key id of an Ed25519 note key named `name`.
std::array<std::uint8_t, 4> NoteKeyId(std::string_view name, const crypto::PublicKey& key);

}  // namespace tocsin::protocol
