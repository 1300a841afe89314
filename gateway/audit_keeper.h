// gateway/audit_keeper.h -- the gateway's side of the audit log.
//
// Builds the entry for each event the gateway witnesses (the ledger appends
// it in the same transaction as the state change), records the enrolments and
// withdrawals it observes in the registry, and signs checkpoints with the log
// key at a fixed interval and at shutdown. Agencies receive each checkpoint
// with a consistency proof from the last one they hold (SECURITY.md 25, 27).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/clock.h"
#include "crypto/signing.h"
#include "gateway/registry.h"
#include "pki/verifier.h"
#include "protocol/audit.h"
#include "protocol/messages.h"
#include "protocol/promise.h"
#include "store/ledger.h"

namespace tocsin::gateway {

class AuditKeeper {
 public:
  // `seal_path`: a file outside the database that holds the last checkpoint
  // signed (empty: none kept, for tests).
  AuditKeeper(std::string gateway_id, const crypto::SigningKey& log_key, store::Ledger& ledger,
              const Clock& clock, std::string seal_path = {})
      : gateway_id_(gateway_id), origin_(protocol::AuditOrigin(gateway_id)), log_key_(log_key),
        ledger_(ledger), clock_(clock), seal_path_(std::move(seal_path)) {}

  // At start (SECURITY.md 44): the database must hold at least what the
  // last checkpoint signed, with the same root; a database that lost
  // confirmed history (a torn or discarded WAL) is refused, naming both.
  Status CheckSeal() const;

  // The time to stamp on an entry or a checkpoint: the gateway's clock (a
  // PacedClock in the daemon: steps of the wall clock are not followed),
  // never earlier than the latest time the log holds (its last entry or
  // checkpoint), so log order and time order agree.
  UnixMillis Now() const;

  Bytes Accepted(const protocol::DirectiveId& id, const std::string& issuer, ByteView wire,
                 UnixMillis at) const;
  Bytes Sent(ByteView id, const std::string& agency, UnixMillis at) const;
  Bytes Evidence(const protocol::Receipt& receipt, ByteView wire, UnixMillis at) const;
  Bytes Escalation(ByteView id, const std::string& agency, const protocol::EscalationData& step,
                   UnixMillis at) const;
  Bytes BridgeOutcome(ByteView id, const std::string& agency,
                      const protocol::BridgeOutcomeData& outcome, UnixMillis at) const;
  Bytes CodeAcknowledgement(ByteView id, const std::string& agency, const std::string& phone,
                            UnixMillis at) const;

  // The signed promise (protocol/promise.h) that the committed entry at
  // `position` records `kind` for `directive_id` by `principal`.
  Bytes Promise(protocol::AuditKind kind, const protocol::DirectiveId& directive_id,
                const std::string& principal, const store::LogPosition& position) const;

  // The agency's view of the log signed into `receipt` (protocol.md 7)
  // against the log itself: empty when it agrees (or holds nothing), else
  // what differs. Different means the agency was shown another log: a split
  // view, provable from its signature.
  std::string CheckAgencyView(const protocol::Receipt& receipt) const;

  // The answer to an agency's proof request: the leaf at the index and its
  // inclusion proof in the tree of the size asked for. kNotFound when the
  // log is smaller than that.
  Result<Bytes> InclusionProof(const protocol::ProofRequest& request) const;

  // Gives the directives and receipts stored before log promises existed
  // the index of the entry that recorded them, read back from the log, so
  // that their repeats are answered with a promise too. Once per database.
  Status IndexLegacyConfirmations();

  // Appends a policy-changed entry (SHA-256 of the file now in force).
  Status RecordPolicy(const Bytes& digest);

  // Appends a crl-adopted entry (the CRL's DER) when `crl` is another CRL
  // than the one this process last recorded (so once per start, and per new
  // CRL): the auditor holds each directive to the signature rule of the CRL
  // adopted before it (docs/audit.md), proven by the CA's signature.
  Status RecordCrl(const pki::CertificateVerifier& verifier);

  // Compares the registry with what the log last recorded and appends an
  // entry per enrolment (or new signing key) and per withdrawal.
  Status ObservePrincipals(const Registry& registry);

  // Signs a checkpoint if the log grew since the last one. Returns the new
  // checkpoint's size, or nullopt if nothing was signed.
  Result<std::optional<std::uint64_t>> Checkpoint();

  // The checkpoint message for an agency that holds the checkpoint of size
  // `from_size` (0: none): the latest signed note and the consistency proof.
  // nullopt before the first checkpoint.
  Result<std::optional<Bytes>> MessageFor(std::uint64_t from_size);

  std::uint64_t latest_size() const { return latest_size_; }
  // When the latest checkpoint was signed (0: none yet).
  UnixMillis latest_signed_at() const { return latest_signed_at_; }

 private:
  // After a compare-and-swap that failed: adopts the checkpoint the ledger
  // holds (its size, to publish), or fails if it covers entries this
  // keeper's log does not hold (another writer).
  Result<std::optional<std::uint64_t>> LostCheckpointRace(std::uint64_t signed_size);

  std::string gateway_id_;
  std::string origin_;
  const crypto::SigningKey& log_key_;
  store::Ledger& ledger_;
  const Clock& clock_;
  std::string seal_path_;
  // The last view an agency signed that agreed with this log: the log only
  // grows, so it agrees for good, and most receipts of a fan-out carry it.
  mutable std::optional<std::pair<std::uint64_t, crypto::Digest>> agreed_view_;
  std::uint64_t latest_size_ = 0;
  UnixMillis latest_signed_at_ = 0;
  std::string latest_note_;
  std::optional<long> recorded_crl_;  // the CRL number this process last recorded
  // Messages for the latest checkpoint by the size they prove from: most
  // agencies hold the same one, so a proof is built once, not per agency.
  std::map<std::uint64_t, Bytes> messages_;
};

}  // namespace tocsin::gateway
