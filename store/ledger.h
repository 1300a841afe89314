// store/ledger.h -- the gateway's durable state: accepted directives and the
// delivery state of every (directive, agency) pair.
//
// Delivery: pending -> sent -> delivered -> acknowledged. Only a verified,
// signed receipt moves a pair to delivered (the caller verifies; the ledger
// stores the receipt bytes as evidence). Every method that returns OK has
// committed with synchronous=FULL: callers may answer peers after it.
//
// Each state change carries the audit-log entry that records it (encoded by
// the caller, protocol/audit.h); the entry is appended in the same
// transaction as the change, and only if the change took effect.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/delivery_state.h"
#include "common/result.h"
#include "store/audit_log.h"
#include "store/postgresql.h"
#include "store/sqlite.h"

namespace tocsin::store {

// The ledger stores kPending to kAcknowledged; never kRefused (a refusal is
// its own column, and the delivery stays undelivered).
using tocsin::DeliveryState;

// The ledger's SQL spells the states as numbers (`state < 2`: not
// delivered): checked here against their one definition.
static_assert(static_cast<int>(DeliveryState::kPending) == 0 &&
                  static_cast<int>(DeliveryState::kSent) == 1 &&
                  static_cast<int>(DeliveryState::kDelivered) == 2 &&
                  static_cast<int>(DeliveryState::kAcknowledged) == 3,
              "store/ledger*.cc write the delivery states as 0..3 in SQL");

struct AcceptedDirective {
  Bytes id;
  std::string issuer;
  std::uint64_t sequence = 0;
  int severity = 0;
  UnixMillis issued_at = 0;
  UnixMillis expires_at = 0;
  UnixMillis ack_deadline = 0;
  UnixMillis accepted_at = 0;
  Bytes digest;
  Bytes wire;  // the envelope as received, signatures included
  std::vector<std::string> recipients;
  Bytes audit_entry;  // appended with it
  // A held proposal completed: its sequence was checked and reserved when it
  // was held (HoldProposal), and the proposal goes in the same transaction.
  bool from_proposal = false;
};

// A directive held until co-signed (protocol/proposal.h). The wraps are the
// co-signers' encoded wraps (EncodeCosignerWrap), opaque here.
inline constexpr std::size_t kMaxHeldProposals = 256;  // = protocol::kMaxProposalRows

struct HeldProposal {
  Bytes id;
  std::string issuer;
  std::uint64_t sequence = 0;
  Bytes wire;  // its envelope, with the signatures so far (empty in a listing)
  UnixMillis proposed_at = 0;
  UnixMillis expires_at = 0;
  std::vector<std::pair<std::string, Bytes>> wraps;  // co-signer, wrap (empty wrap in a listing)
  // What a listing shows, kept beside the envelope so that none is decoded.
  int severity = 0;
  int action = 0;
  std::uint32_t required = 0;
  std::vector<std::string> signers;  // so far, the issuer first
  std::uint32_t recipient_count = 0;
};

struct SentRecord {
  Bytes directive_id;
  std::string agency;
  Bytes audit_entry;  // appended if the pair was pending
};

// A principal as the audit log last recorded it.
struct AuditedPrincipal {
  Bytes signing_key;
  bool active = false;
};

struct PrincipalChange {
  std::string principal;
  Bytes signing_key;
  bool active = false;
  Bytes audit_entry;
};

struct DeliveryRow {
  Bytes directive_id;
  std::string agency;
  DeliveryState state = DeliveryState::kPending;
  std::optional<UnixMillis> sent_at;
  std::optional<UnixMillis> delivered_at;
  std::optional<UnixMillis> acknowledged_at;  // as the agency signed it
  std::string officer;
  std::optional<UnixMillis> acknowledgement_recorded_at;  // by the gateway's clock
  std::optional<UnixMillis> refused_at;  // as the agency signed its refusal, if it refused a copy
};

// Escalation ------------------------------------------------------------

// A delivery still waiting for its acknowledgement, with what the ladder needs.
struct OpenDelivery {
  Bytes directive_id;
  std::string agency;
  int severity = 0;
  UnixMillis accepted_at = 0;
  UnixMillis expires_at = 0;
  UnixMillis ack_deadline = 0;
  DeliveryState state = DeliveryState::kPending;
};

// A message for a bridge to send (sms or email).
struct BridgeTask {
  std::int64_t id = 0;  // assigned by the ledger
  std::string channel;  // "sms" or "email"
  Bytes directive_id;
  std::string agency;
  std::string contact;  // the person's name
  std::string address;  // phone number or e-mail address
  std::string subject;
  std::string text;
};

struct EscalationRecord {
  Bytes directive_id;
  std::string agency;
  int step = 0;
  int repeat = 0;
  std::string action;
  UnixMillis fired_at = 0;
  std::string outcome;
  std::vector<BridgeTask> tasks;  // queued with it
  Bytes audit_entry;
};

enum class TaskOutcome { kAccepted = 0, kSent = 1, kFailed = 2, kDelivered = 3, kUndelivered = 4 };

struct ReceiptRecord {
  Bytes directive_id;
  std::string agency;
  bool acknowledgement = false;
  // A signed refusal of a copy: the first is kept as evidence and logged,
  // the delivery then shown refused while not delivered; it stays
  // undelivered (caught up as before: a cause on the agency's side, a stale
  // CA folder or clock, heals by itself). `digest` is that of the copy as
  // received, which the caller checked against what it sent.
  bool refusal = false;
  UnixMillis at = 0;        // the time the agency signed
  UnixMillis recorded_at = 0;
  std::string officer;      // acknowledgements
  Bytes digest;             // the directive digest the receipt cites
  Bytes wire;               // the signed receipt, kept as evidence
  Bytes audit_entry;        // appended the first time this receipt is stored
};

// The audit entry that records a confirmation, for rows stored before
// entries were indexed (Ledger::IndexConfirmations).
struct IndexedConfirmation {
  enum class What { kDirective, kReceipt, kAcknowledgement } what = What::kDirective;
  Bytes directive_id;
  std::string agency;  // receipts and acknowledgements
  std::uint64_t index = 0;
};

// A receipt RecordReceipts did not record: its index in the batch, and why
// (kPermissionDenied: no such delivery; kBadSignature: it signs another
// digest; kExpired: dated outside the tolerance).
struct RefusedReceipt {
  std::size_t index = 0;
  ErrorCode code = ErrorCode::kPermissionDenied;
  std::string reason;
};

// Whether `error`, from Accept or HoldProposal, refuses the request (a
// replay, a limit reached: the caller answers its sender) rather than
// reporting a store failure, which is fatal.
inline bool IsRefusal(const Error& error) {
  return error.code == ErrorCode::kReplay || error.code == ErrorCode::kUnavailable;
}

// What the metrics endpoint shows of the ledger: the directives not expired
// at the time asked for, their deliveries, and every escalation step and
// bridge task ever recorded.
struct LedgerTallies {
  // Deliveries by state: 0 pending, 1 sent, 2 delivered, 3 acknowledged,
  // 4 refused (a signed refusal, not delivered since).
  std::array<std::uint64_t, std::size(kDeliveryStates)> deliveries{};
  // Directives by their least advanced delivery (0 to 3, as above).
  std::array<std::uint64_t, 4> directives{};
  std::uint64_t expired_directives = 0;
  std::map<std::string, std::uint64_t> escalations;  // steps fired, by action
  // Bridge tasks by (channel, outcome): a TaskOutcome, or kTaskWaiting (for a
  // bridge) or kTaskHanded (to one, not answered yet).
  static constexpr int kTaskWaiting = -1;
  static constexpr int kTaskHanded = -2;
  std::map<std::pair<std::string, int>, std::uint64_t> bridge_tasks;
};

class Ledger {
 public:
  // Opens (creating or migrating) the embedded ledger and checks it
  // (Database::Open): a damaged file is refused (kIoError) with what the
  // check found.
  static Result<Ledger> Open(const std::string& path, Integrity integrity = Integrity::kQuick);
  // Connects to the shared ledger on PostgreSQL without claiming the
  // writer's lease: an auditor's read (kRead: the schema must be this
  // build's, and nothing is changed), or a test's (kMigrate: created or
  // migrated first).
  enum class SchemaChange { kRead, kMigrate };
  static Result<Ledger> OpenPostgresql(const std::string& conninfo,
                                       SchemaChange change = SchemaChange::kRead);
  // The same as the deployment's writer: waits until `claim` takes the lease,
  // calling `standing_by` with the lease another holds after each attempt
  // (about every `retry_ms`; false gives up, kUnavailable), then reads the
  // audit log as the previous writer left it. Every write is fenced by the
  // epoch taken (WriterClaim).
  static Result<Ledger> OpenPostgresqlWriter(
      const std::string& conninfo, const WriterClaim& claim, std::int64_t retry_ms,
      const std::function<bool(const WriterLease&)>& standing_by);

  // `tocsin-gateway --check-config` on PostgreSQL: connects, changes
  // nothing, and says what it found (schema version, the writer's lease);
  // an error if the database cannot be reached or its schema is newer than
  // this build's.
  static Result<std::string> CheckPostgresql(const std::string& conninfo);

  Dialect dialect() const { return db_->dialect(); }
  // The writer's epoch on PostgreSQL (0 if not the writer); 0 on SQLite,
  // where the one gateway holds the file.
  std::int64_t epoch() const;
  // Renews the writer's lease (nothing on SQLite): kIoError once another
  // gateway has taken over, and the caller must step down.
  Status RenewLease();
  // At a clean stop: hands the writer's lease back (nothing on SQLite); no
  // write succeeds afterwards.
  Status ReleaseLease();

  // Stores a directive and a pending delivery per recipient, atomically.
  // kReplay when the id is known (accepted or held as a proposal) or the
  // issuer's sequence does not increase.
  Status Accept(const AcceptedDirective& directive);

  Result<std::optional<AcceptedDirective>> Find(ByteView id);
  // The audit entry that recorded the directive's acceptance (nullopt if
  // unknown, or accepted before entries were indexed).
  Result<std::optional<LogPosition>> DirectivePosition(ByteView id);
  // True while some directive or receipt has no audit index (stored by an
  // earlier version); IndexConfirmations fills them in, in one transaction,
  // leaving rows that already have one untouched, and marks those the log
  // holds no entry for (-1: confirmed without a promise).
  Result<bool> HasUnindexedConfirmations();
  Status IndexConfirmations(const std::vector<IndexedConfirmation>& found);

  // The ids of every unexpired directive `agency` has not receipted, in
  // acceptance order.
  Result<std::vector<Bytes>> Undelivered(std::string_view agency, UnixMillis now);

  // The directive's wire bytes as accepted (kNotFound if unknown).
  Result<Bytes> Wire(ByteView id);

  // pending -> sent for each (directive id, agency), in one transaction; no
  // change in any other state.
  Status MarkSent(const std::vector<SentRecord>& sent, UnixMillis at);

  // Records verified receipts in one transaction (group commit). A receipt
  // for an unknown pair, with a digest that does not match, or signed at a
  // time before the directive was accepted or after it was recorded (each
  // beyond `max_skew` ms) is refused and reported in `out_refused` in batch
  // order; the others are stored. Returns how many changed a state.
  // `out_logged`, if given, gets one element per receipt in batch order: the
  // audit entry that records it (now or before), nullopt if refused or stored
  // before entries were indexed. `out_first_seen`, likewise: for a receipt
  // stored for the first time, its directive's acceptance time (a latency's
  // start), else nullopt.
  Result<int> RecordReceipts(const std::vector<ReceiptRecord>& receipts, UnixMillis max_skew,
                             std::vector<RefusedReceipt>* out_refused,
                             std::vector<std::optional<LogPosition>>* out_logged = nullptr,
                             std::vector<std::optional<UnixMillis>>* out_first_seen = nullptr);

  // Delivery rows for one directive, or for all when `id` is empty, newest
  // directive first.
  Result<std::vector<DeliveryRow>> Deliveries(ByteView id);

  // The signed receipts and acknowledgements recorded for directive `id`,
  // for its recipients after `after_agency` in agency order, until `limit`
  // rows or about `max_bytes` of wire (at least one row); `more` tells
  // whether rows remain.
  struct Evidence {
    std::string agency;
    std::optional<Bytes> receipt;
    std::optional<Bytes> acknowledgement;
    std::optional<Bytes> refusal;
  };
  Result<std::vector<Evidence>> EvidenceFor(ByteView id, const std::string& after_agency,
                                            std::size_t limit, std::size_t max_bytes, bool* more);

  // Audit log ------------------------------------------------------------

  const AuditLog& audit() const { return audit_; }

  // Appends one entry on its own (an event with no other state change).
  Status AppendAudit(const Bytes& entry, UnixMillis at);

  Result<std::map<std::string, AuditedPrincipal>> AuditedPrincipals();
  // Records enrolments and withdrawals the registry observed, with entries.
  Status RecordPrincipalChanges(const std::vector<PrincipalChange>& changes, UnixMillis at);

  // Entries [from, to) in log order.
  Result<std::vector<Bytes>> AuditEntries(std::uint64_t from, std::uint64_t to);

  Status StoreCheckpoint(const StoredCheckpoint& checkpoint);

  // Counts for the metrics endpoint (several read queries, no lock held
  // between them: each count is exact, together they may straddle a write).
  Result<LedgerTallies> Tallies(UnixMillis now);

  // Proposals (store/ledger_proposals.cc). HoldProposal reserves the
  // issuer's sequence as Accept would, so that the directives the issuer
  // sends meanwhile go on; kReplay when the sequence is not above the
  // issuer's or the id is already held or accepted, kUnavailable past
  // `max_per_issuer` held for its issuer or kMaxHeldProposals in all.
  Status HoldProposal(const HeldProposal& proposal, std::size_t max_per_issuer);
  // Every held proposal, by the time it was held, without envelopes or wraps
  // (their co-signers named): what a listing costs is its rows.
  Result<std::vector<HeldProposal>> Proposals();
  // One, whole, by its id.
  Result<std::optional<HeldProposal>> FindProposal(ByteView id);
  // With one more signature: its envelope and its signers.
  Status ReplaceProposalWire(ByteView id, ByteView wire, const std::vector<std::string>& signers);
  Status DropProposal(ByteView id);
  // Drops every proposal whose expires_at is at or before `now`; their ids.
  Result<std::vector<Bytes>> DropExpiredProposals(UnixMillis now);

  // Escalation -----------------------------------------------------------

  // Deliveries not acknowledged, of directives not expired at `now`.
  Result<std::vector<OpenDelivery>> OpenDeliveries(UnixMillis now);
  // (step, repeat) pairs fired, per (directive id, agency), for open directives.
  Result<std::map<std::pair<Bytes, std::string>, std::set<std::pair<int, int>>>> FiredSteps(
      UnixMillis now);
  // The step, its tasks and its audit entry, in one transaction. A step
  // recorded before is not recorded again (kInvalidArgument).
  Status RecordEscalation(const EscalationRecord& record);

  // Tasks for `channel` not handed to a bridge, or handed before `stale_before`
  // and never accepted; at most `limit`, oldest first.
  Result<std::vector<BridgeTask>> PendingTasks(const std::string& channel,
                                               UnixMillis stale_before, std::size_t limit);
  Status MarkTasksHanded(const std::vector<std::int64_t>& ids, UnixMillis at);
  Result<std::optional<BridgeTask>> Task(std::int64_t id);
  // Applies a bridge's report on a task (idempotent: the same outcome twice
  // changes nothing and appends no entry). kNotFound for an unknown task or
  // one of another channel.
  Status RecordTaskOutcome(std::int64_t id, const std::string& channel, TaskOutcome outcome,
                           const std::string& detail, UnixMillis at, const Bytes& audit_entry);

  // The one-time acknowledgement code of a (directive, agency) pair, made on
  // first use. `make_code` is called only then.
  Result<std::string> AckCode(ByteView directive_id, const std::string& agency,
                              UnixMillis expires_at, const std::function<std::string()>& make_code);
  // Every unexpired code of `agency` (an SMS names no directive).
  Result<std::vector<std::pair<Bytes, std::string>>> AckCodes(const std::string& agency,
                                                              UnixMillis now);
  // Counts an attempt from `phone` and returns how many it made since `since`.
  Result<int> CountCodeAttempt(const std::string& phone, UnixMillis at, UnixMillis since);
  // Acknowledged by code: weaker than a signed acknowledgement, recorded as such.
  Status RecordCodeAcknowledgement(ByteView directive_id, const std::string& agency,
                                   const std::string& phone, UnixMillis at,
                                   const Bytes& audit_entry);
  Result<std::optional<StoredCheckpoint>> LatestCheckpoint();
  Result<std::vector<StoredCheckpoint>> Checkpoints();

 private:
  Ledger(std::unique_ptr<Connection> db, AuditLog audit)
      : db_(std::move(db)), audit_(std::move(audit)) {}
  static Result<Ledger> Over(std::unique_ptr<Connection> db);
  Result<Transaction> Begin();
  Status Commit(Transaction& transaction);
  // kReplay unless `sequence` is above the issuer's highest.
  Status CheckIssuerSequence(const std::string& issuer, std::uint64_t sequence);
  // The issuer's highest sequence becomes at least `sequence` (in the caller's transaction).
  Status RaiseIssuerMark(const std::string& issuer, std::uint64_t sequence);

  std::unique_ptr<Connection> db_;  // never null
  AuditLog audit_;
};

}  // namespace tocsin::store
