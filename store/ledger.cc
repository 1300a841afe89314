#include "store/ledger.h"

#include <algorithm>
#include <chrono>
#include <thread>


namespace tocsin::store {
namespace {

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE directives (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,  -- acceptance order
  id           BLOB NOT NULL UNIQUE,
  issuer       TEXT NOT NULL,
  sequence     INTEGER NOT NULL,
  severity     INTEGER NOT NULL,
  issued_at    INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  ack_deadline INTEGER NOT NULL,
  accepted_at  INTEGER NOT NULL,
  digest       BLOB NOT NULL,
  wire         BLOB NOT NULL
);
CREATE TABLE deliveries (
  directive_id    BLOB NOT NULL REFERENCES directives(id),
  agency          TEXT NOT NULL,
  state           INTEGER NOT NULL DEFAULT 0,
  sent_at         INTEGER,
  delivered_at    INTEGER,
  acknowledged_at INTEGER,
  officer         TEXT,
  PRIMARY KEY (directive_id, agency)
);
CREATE INDEX deliveries_by_agency ON deliveries(agency, state);
CREATE TABLE receipts (
  directive_id BLOB NOT NULL,
  agency       TEXT NOT NULL,
  kind         INTEGER NOT NULL,   -- 0 delivered, 1 acknowledged, 2 refused (a copy)
  signed_at    INTEGER NOT NULL,
  recorded_at  INTEGER NOT NULL,
  wire         BLOB NOT NULL,
  PRIMARY KEY (directive_id, agency, kind)
);
CREATE TABLE issuer_sequences (
  issuer        TEXT PRIMARY KEY,
  last_sequence INTEGER NOT NULL
);
)sql";

// The audit log: entries (leaves in order), signed checkpoints, and the
// principals whose enrolment the log has recorded.
constexpr std::string_view kSchemaV2 = R"sql(
CREATE TABLE audit_entries (
  idx       INTEGER PRIMARY KEY,   -- leaf index, from 0
  at        INTEGER NOT NULL,
  leaf_hash BLOB NOT NULL,
  entry     BLOB NOT NULL
);
CREATE TABLE audit_checkpoints (
  size      INTEGER PRIMARY KEY,
  signed_at INTEGER NOT NULL,
  note      TEXT NOT NULL
);
CREATE TABLE audit_principals (
  principal   TEXT PRIMARY KEY,
  signing_key BLOB NOT NULL,
  active      INTEGER NOT NULL
);
)sql";

// Escalation: the steps fired, the messages queued for bridges, one-time
// acknowledgement codes and the attempts made with them.
constexpr std::string_view kSchemaV3 = R"sql(
CREATE TABLE escalations (
  directive_id BLOB NOT NULL,
  agency       TEXT NOT NULL,
  step         INTEGER NOT NULL,
  repeat       INTEGER NOT NULL,
  action       TEXT NOT NULL,
  fired_at     INTEGER NOT NULL,
  outcome      TEXT NOT NULL,
  PRIMARY KEY (directive_id, agency, step, repeat)
);
CREATE TABLE bridge_tasks (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  channel      TEXT NOT NULL,
  directive_id BLOB NOT NULL,
  agency       TEXT NOT NULL,
  contact      TEXT NOT NULL,
  address      TEXT NOT NULL,
  subject      TEXT NOT NULL,
  text         TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  handed_at    INTEGER,
  outcome      INTEGER,           -- TaskOutcome; NULL until the bridge answers
  detail       TEXT NOT NULL DEFAULT '',
  updated_at   INTEGER
);
CREATE INDEX bridge_tasks_pending ON bridge_tasks(channel, outcome);
CREATE TABLE ack_codes (
  directive_id BLOB NOT NULL,
  agency       TEXT NOT NULL,
  code         TEXT NOT NULL,
  expires_at   INTEGER NOT NULL,
  PRIMARY KEY (directive_id, agency)
);
CREATE TABLE code_attempts (
  phone TEXT NOT NULL,
  at    INTEGER NOT NULL
);
CREATE INDEX code_attempts_by_phone ON code_attempts(phone, at);
)sql";

// Log promises: the audit entry that records each accepted directive and
// each receipt, so that a repeated one is answered with the same promise.
// NULL for rows stored before this version (they get no promise).
constexpr std::string_view kSchemaV4 = R"sql(
ALTER TABLE directives ADD COLUMN audit_idx INTEGER;
ALTER TABLE receipts ADD COLUMN audit_idx INTEGER;
)sql";

// The metrics count only directives not expired: found by an index, so a
// count costs the open deliveries, not the whole history.
constexpr std::string_view kSchemaV5 = R"sql(
CREATE INDEX directives_by_expiry ON directives(expires_at);
)sql";

// Directives held until co-signed, and the co-signers' wraps of each.
constexpr std::string_view kSchemaV6 = R"sql(
CREATE TABLE proposals (
  id BLOB PRIMARY KEY,
  issuer TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  wire BLOB NOT NULL,
  proposed_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  severity INTEGER NOT NULL,
  action INTEGER NOT NULL,
  required INTEGER NOT NULL,
  signers TEXT NOT NULL,
  recipient_count INTEGER NOT NULL
);
CREATE TABLE proposal_wraps (
  proposal_id BLOB NOT NULL REFERENCES proposals(id) ON DELETE CASCADE,
  cosigner TEXT NOT NULL,
  wrap BLOB NOT NULL,
  PRIMARY KEY (proposal_id, cosigner)
);
)sql";

constexpr std::size_t kPostgresqlSchemaVersion = 1;  // the versions below

// The same tables on PostgreSQL, as SQLite's six versions left them: one
// version, since no PostgreSQL ledger predates it. Integers are BIGINT (times
// in milliseconds), bytes BYTEA, text compared byte by byte as SQLite does
// (COLLATE "C": no index depends on the servers' C library agreeing); the
// column order is SQLite's, since some inserts name no columns.
constexpr std::string_view kPostgresqlSchemaV1 = R"sql(
CREATE TABLE directives (
  seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- acceptance order
  id           BYTEA NOT NULL UNIQUE,
  issuer       TEXT COLLATE "C" NOT NULL,
  sequence     BIGINT NOT NULL,
  severity     BIGINT NOT NULL,
  issued_at    BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  ack_deadline BIGINT NOT NULL,
  accepted_at  BIGINT NOT NULL,
  digest       BYTEA NOT NULL,
  wire         BYTEA NOT NULL,
  audit_idx    BIGINT
);
CREATE INDEX directives_by_expiry ON directives(expires_at);
CREATE TABLE deliveries (
  directive_id    BYTEA NOT NULL REFERENCES directives(id),
  agency          TEXT COLLATE "C" NOT NULL,
  state           BIGINT NOT NULL DEFAULT 0,
  sent_at         BIGINT,
  delivered_at    BIGINT,
  acknowledged_at BIGINT,
  officer         TEXT COLLATE "C",
  PRIMARY KEY (directive_id, agency)
);
CREATE INDEX deliveries_by_agency ON deliveries(agency, state);
CREATE TABLE receipts (
  directive_id BYTEA NOT NULL,
  agency       TEXT COLLATE "C" NOT NULL,
  kind         BIGINT NOT NULL,
  signed_at    BIGINT NOT NULL,
  recorded_at  BIGINT NOT NULL,
  wire         BYTEA NOT NULL,
  audit_idx    BIGINT,
  PRIMARY KEY (directive_id, agency, kind)
);
CREATE TABLE issuer_sequences (
  issuer        TEXT COLLATE "C" PRIMARY KEY,
  last_sequence BIGINT NOT NULL
);
CREATE TABLE audit_entries (
  idx       BIGINT PRIMARY KEY,
  at        BIGINT NOT NULL,
  leaf_hash BYTEA NOT NULL,
  entry     BYTEA NOT NULL
);
CREATE TABLE audit_checkpoints (
  size      BIGINT PRIMARY KEY,
  signed_at BIGINT NOT NULL,
  note      TEXT COLLATE "C" NOT NULL
);
CREATE TABLE audit_principals (
  principal   TEXT COLLATE "C" PRIMARY KEY,
  signing_key BYTEA NOT NULL,
  active      BIGINT NOT NULL
);
CREATE TABLE escalations (
  directive_id BYTEA NOT NULL,
  agency       TEXT COLLATE "C" NOT NULL,
  step         BIGINT NOT NULL,
  repeat       BIGINT NOT NULL,
  action       TEXT COLLATE "C" NOT NULL,
  fired_at     BIGINT NOT NULL,
  outcome      TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (directive_id, agency, step, repeat)
);
CREATE TABLE bridge_tasks (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel      TEXT COLLATE "C" NOT NULL,
  directive_id BYTEA NOT NULL,
  agency       TEXT COLLATE "C" NOT NULL,
  contact      TEXT COLLATE "C" NOT NULL,
  address      TEXT COLLATE "C" NOT NULL,
  subject      TEXT COLLATE "C" NOT NULL,
  text         TEXT COLLATE "C" NOT NULL,
  created_at   BIGINT NOT NULL,
  handed_at    BIGINT,
  outcome      BIGINT,
  detail       TEXT COLLATE "C" NOT NULL DEFAULT '',
  updated_at   BIGINT
);
CREATE INDEX bridge_tasks_pending ON bridge_tasks(channel, outcome);
CREATE TABLE ack_codes (
  directive_id BYTEA NOT NULL,
  agency       TEXT COLLATE "C" NOT NULL,
  code         TEXT COLLATE "C" NOT NULL,
  expires_at   BIGINT NOT NULL,
  PRIMARY KEY (directive_id, agency)
);
CREATE TABLE code_attempts (
  phone TEXT COLLATE "C" NOT NULL,
  at    BIGINT NOT NULL
);
CREATE INDEX code_attempts_by_phone ON code_attempts(phone, at);
CREATE TABLE proposals (
  id              BYTEA PRIMARY KEY,
  issuer          TEXT COLLATE "C" NOT NULL,
  sequence        BIGINT NOT NULL,
  wire            BYTEA NOT NULL,
  proposed_at     BIGINT NOT NULL,
  expires_at      BIGINT NOT NULL,
  severity        BIGINT NOT NULL,
  action          BIGINT NOT NULL,
  required        BIGINT NOT NULL,
  signers         TEXT COLLATE "C" NOT NULL,
  recipient_count BIGINT NOT NULL
);
CREATE TABLE proposal_wraps (
  proposal_id BYTEA NOT NULL REFERENCES proposals(id) ON DELETE CASCADE,
  cosigner    TEXT COLLATE "C" NOT NULL,
  wrap        BYTEA NOT NULL,
  PRIMARY KEY (proposal_id, cosigner)
);
)sql";

std::optional<UnixMillis> OptionalTime(const Statement& row, int column) {
  return row.IsNull(column) ? std::nullopt : std::optional<UnixMillis>(row.Int(column));
}

}  // namespace

Result<Ledger> Ledger::Open(const std::string& path, Integrity integrity) {
  TOCSIN_ASSIGN_OR_RETURN(Database db, Database::Open(path, {kSchemaV1, kSchemaV2, kSchemaV3, kSchemaV4,
                                                                    kSchemaV5, kSchemaV6},
                                                      integrity));
  return Over(std::make_unique<Database>(std::move(db)));
}

Result<Ledger> Ledger::OpenPostgresql(const std::string& conninfo, SchemaChange change) {
  if (change == SchemaChange::kMigrate) {
    TOCSIN_ASSIGN_OR_RETURN(PostgresqlConnection db,
                            PostgresqlConnection::Open(conninfo, {kPostgresqlSchemaV1}));
    return Over(std::make_unique<PostgresqlConnection>(std::move(db)));
  }
  TOCSIN_ASSIGN_OR_RETURN(PostgresqlConnection db, PostgresqlConnection::Connect(conninfo));
  TOCSIN_ASSIGN_OR_RETURN(bool made, db.SchemaMade());
  std::size_t version = 0;
  if (made) {
    TOCSIN_ASSIGN_OR_RETURN(version, db.SchemaVersion());
  }
  if (version != kPostgresqlSchemaVersion) {
    return MakeError(ErrorCode::kInvalidArgument,
                     db.description() + " holds no Tocsin ledger of schema version " +
                         std::to_string(kPostgresqlSchemaVersion) + " (found " +
                         (made ? "version " + std::to_string(version) : "none") +
                         "): read it with the build its gateways run");
  }
  return Over(std::make_unique<PostgresqlConnection>(std::move(db)));
}

Result<Ledger> Ledger::OpenPostgresqlWriter(
    const std::string& conninfo, const WriterClaim& claim, std::int64_t retry_ms,
    const std::function<bool(const WriterLease&)>& standing_by) {
  TOCSIN_ASSIGN_OR_RETURN(PostgresqlConnection db,
                          PostgresqlConnection::Open(conninfo, {kPostgresqlSchemaV1}));
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool writer, db.TryBecomeWriter(claim));
    if (writer) {
      break;
    }
    TOCSIN_ASSIGN_OR_RETURN(WriterLease lease, db.Lease());
    if (!standing_by(lease)) {
      return MakeError(ErrorCode::kUnavailable, "stopped while standing by");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(retry_ms));
  }
  return Over(std::make_unique<PostgresqlConnection>(std::move(db)));
}

Result<std::string> Ledger::CheckPostgresql(const std::string& conninfo) {
  constexpr std::size_t kKnown = kPostgresqlSchemaVersion;
  TOCSIN_ASSIGN_OR_RETURN(PostgresqlConnection db, PostgresqlConnection::Connect(conninfo));
  TOCSIN_ASSIGN_OR_RETURN(bool made, db.SchemaMade());
  if (!made) {
    return db.description() + ": reachable; no Tocsin schema yet (the first gateway to start "
                              "creates it)";
  }
  TOCSIN_ASSIGN_OR_RETURN(std::size_t version, db.SchemaVersion());
  if (version > kKnown) {
    return MakeError(ErrorCode::kInvalidArgument,
                     db.description() + " has schema version " + std::to_string(version) +
                         ", newer than this build knows (" + std::to_string(kKnown) + ")");
  }
  TOCSIN_ASSIGN_OR_RETURN(WriterLease lease, db.Lease());
  std::string writer = lease.epoch == 0
                           ? "no writer yet"
                           : "writer " + lease.holder + " (epoch " + std::to_string(lease.epoch) +
                                 ", lease renewed " + std::to_string(lease.silent_ms) +
                                 " ms ago)";
  return db.description() + ": schema version " + std::to_string(version) + " of " +
         std::to_string(kKnown) + (version < kKnown ? " (migrated at start)" : "") + "; " +
         writer;
}

std::int64_t Ledger::epoch() const {
  const auto* postgresql = dynamic_cast<const PostgresqlConnection*>(db_.get());
  return postgresql != nullptr ? postgresql->epoch() : 0;
}

Status Ledger::RenewLease() {
  auto* postgresql = dynamic_cast<PostgresqlConnection*>(db_.get());
  return postgresql != nullptr ? postgresql->RenewLease() : Status();
}

Status Ledger::ReleaseLease() {
  auto* postgresql = dynamic_cast<PostgresqlConnection*>(db_.get());
  return postgresql != nullptr ? postgresql->ReleaseLease() : Status();
}

Result<Ledger> Ledger::Over(std::unique_ptr<Connection> db) {
  TOCSIN_ASSIGN_OR_RETURN(AuditLog audit, AuditLog::Load(*db));
  return Ledger(std::move(db), std::move(audit));
}

Result<Transaction> Ledger::Begin() {
  audit_.Discard();  // leaves staged by a transaction that failed half-way
  return Transaction::Begin(*db_);
}

Status Ledger::Commit(Transaction& transaction) {
  Status committed = transaction.Commit();
  if (committed) {
    audit_.Publish();
  } else {
    audit_.Discard();
  }
  return committed;
}

Status Ledger::Accept(const AcceptedDirective& d) {
  TOCSIN_ASSIGN_OR_RETURN(Transaction transaction, Begin());
  if (!d.from_proposal) {
    TOCSIN_RETURN_IF_ERROR(CheckIssuerSequence(d.issuer, d.sequence));
  }
  TOCSIN_ASSIGN_OR_RETURN(Statement seen, db_->Prepare("SELECT 1 FROM directives WHERE id=?"));
  seen.Bind(1, d.id);
  TOCSIN_ASSIGN_OR_RETURN(bool duplicate, seen.Step());
  if (duplicate) {
    return MakeError(ErrorCode::kReplay, "directive id already accepted");
  }
  if (!d.from_proposal) {  // a held proposal's id is taken: no one else may use it
    TOCSIN_ASSIGN_OR_RETURN(Statement held, db_->Prepare("SELECT 1 FROM proposals WHERE id=?"));
    held.Bind(1, d.id);
    TOCSIN_ASSIGN_OR_RETURN(bool taken, held.Step());
    if (taken) {
      return MakeError(ErrorCode::kReplay,
                       "directive id is held as a proposal waiting for approval");
    }
  }
  TOCSIN_ASSIGN_OR_RETURN(Statement insert, db_->Prepare(
      "INSERT INTO directives (id, issuer, sequence, severity, issued_at, expires_at, "
      "ack_deadline, accepted_at, digest, wire, audit_idx) VALUES (?,?,?,?,?,?,?,?,?,?,?)"));
  insert.Bind(1, d.id).Bind(2, d.issuer).Bind(3, static_cast<std::int64_t>(d.sequence))
      .Bind(4, static_cast<std::int64_t>(d.severity)).Bind(5, d.issued_at).Bind(6, d.expires_at)
      .Bind(7, d.ack_deadline).Bind(8, d.accepted_at).Bind(9, d.digest).Bind(10, d.wire)
      .Bind(11, static_cast<std::int64_t>(audit_.next_index()));  // its entry, staged below
  TOCSIN_RETURN_IF_ERROR(insert.Run());
  TOCSIN_ASSIGN_OR_RETURN(Statement delivery, db_->Prepare(
      "INSERT INTO deliveries (directive_id, agency) VALUES (?, ?)"));
  for (const std::string& agency : d.recipients) {
    delivery.Reset();
    delivery.Bind(1, d.id).Bind(2, agency);
    TOCSIN_RETURN_IF_ERROR(delivery.Run());
  }
  TOCSIN_RETURN_IF_ERROR(RaiseIssuerMark(d.issuer, d.sequence));
  if (d.from_proposal) {
    TOCSIN_ASSIGN_OR_RETURN(Statement drop, db_->Prepare("DELETE FROM proposals WHERE id=?"));
    drop.Bind(1, d.id);
    TOCSIN_RETURN_IF_ERROR(drop.Run());
  }
  TOCSIN_ASSIGN_OR_RETURN(Statement audit, AuditLog::PrepareInsert(*db_));
  TOCSIN_RETURN_IF_ERROR(audit_.Stage(audit, d.audit_entry, d.accepted_at));
  return Commit(transaction);
}

Status Ledger::CheckIssuerSequence(const std::string& issuer, std::uint64_t sequence) {
  TOCSIN_ASSIGN_OR_RETURN(Statement last,
                          db_->Prepare("SELECT last_sequence FROM issuer_sequences WHERE issuer=?"));
  last.Bind(1, issuer);
  TOCSIN_ASSIGN_OR_RETURN(bool known, last.Step());
  if (known && static_cast<std::uint64_t>(last.Int(0)) >= sequence) {
    return MakeError(ErrorCode::kReplay,
                     "sequence " + std::to_string(sequence) + " of " + issuer +
                         " is not above " + std::to_string(last.Int(0)));
  }
  return {};
}

Status Ledger::RaiseIssuerMark(const std::string& issuer, std::uint64_t sequence) {
  TOCSIN_ASSIGN_OR_RETURN(Statement mark, db_->Prepare(
      "INSERT INTO issuer_sequences VALUES (?, ?) "
      "ON CONFLICT(issuer) DO UPDATE SET last_sequence=CASE WHEN excluded.last_sequence > "
      "issuer_sequences.last_sequence THEN excluded.last_sequence ELSE "
      "issuer_sequences.last_sequence END"));
  mark.Bind(1, issuer).Bind(2, static_cast<std::int64_t>(sequence));
  return mark.Run();
}

Result<std::optional<LogPosition>> Ledger::DirectivePosition(ByteView id) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_->Prepare(
      "SELECT audit_idx, accepted_at FROM directives WHERE id=? AND audit_idx >= 0"));
  q.Bind(1, id);
  TOCSIN_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    return std::optional<LogPosition>();
  }
  return std::optional<LogPosition>({static_cast<std::uint64_t>(q.Int(0)), q.Int(1)});
}

Result<bool> Ledger::HasUnindexedConfirmations() {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_->Prepare(
      "SELECT EXISTS (SELECT 1 FROM directives WHERE audit_idx IS NULL) OR "
      "EXISTS (SELECT 1 FROM receipts WHERE audit_idx IS NULL)"));
  TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
  return row && q.Int(0) != 0;
}

Status Ledger::IndexConfirmations(const std::vector<IndexedConfirmation>& found) {
  TOCSIN_ASSIGN_OR_RETURN(Transaction transaction, Begin());
  TOCSIN_ASSIGN_OR_RETURN(Statement directive, db_->Prepare(
      "UPDATE directives SET audit_idx=? WHERE id=? AND audit_idx IS NULL"));
  TOCSIN_ASSIGN_OR_RETURN(Statement receipt, db_->Prepare(
      "UPDATE receipts SET audit_idx=? WHERE directive_id=? AND agency=? AND kind=? "
      "AND audit_idx IS NULL"));
  for (const IndexedConfirmation& c : found) {
    auto index = static_cast<std::int64_t>(c.index);  // stays -1 below for what the log lacks
    Statement& q = c.what == IndexedConfirmation::What::kDirective ? directive : receipt;
    q.Reset();
    q.Bind(1, index).Bind(2, c.directive_id);
    if (c.what != IndexedConfirmation::What::kDirective) {
      q.Bind(3, c.agency).Bind(4, std::int64_t{c.what == IndexedConfirmation::What::kAcknowledgement});
    }
    TOCSIN_RETURN_IF_ERROR(q.Run());
  }
  // Rows the log has no entry for (stored before the audit log existed) are
  // marked -1, so this runs once: they are confirmed without a promise.
  TOCSIN_RETURN_IF_ERROR(db_->Execute(
      "UPDATE directives SET audit_idx = -1 WHERE audit_idx IS NULL; "
      "UPDATE receipts SET audit_idx = -1 WHERE audit_idx IS NULL"));
  return Commit(transaction);
}

Result<std::optional<AcceptedDirective>> Ledger::Find(ByteView id) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_->Prepare(
      "SELECT issuer, sequence, severity, issued_at, expires_at, ack_deadline, accepted_at, "
      "digest, wire FROM directives WHERE id=?"));
  q.Bind(1, id);
  TOCSIN_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    return std::optional<AcceptedDirective>();
  }
  AcceptedDirective d{Bytes(id.begin(), id.end()), q.Text(0),
                      static_cast<std::uint64_t>(q.Int(1)), static_cast<int>(q.Int(2)),
                      q.Int(3), q.Int(4), q.Int(5), q.Int(6), q.Blob(7), q.Blob(8), {}, {}};
  TOCSIN_ASSIGN_OR_RETURN(Statement r, db_->Prepare(
      "SELECT agency FROM deliveries WHERE directive_id=? ORDER BY agency"));
  r.Bind(1, id);
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, r.Step());
    if (!row) {
      break;
    }
    d.recipients.push_back(r.Text(0));
  }
  return std::optional<AcceptedDirective>(std::move(d));
}

Result<std::vector<Bytes>> Ledger::Undelivered(std::string_view agency, UnixMillis now) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_->Prepare(
      "SELECT d.id FROM deliveries v JOIN directives d ON d.id = v.directive_id "
      "WHERE v.agency=? AND v.state < 2 AND d.expires_at > ? ORDER BY d.seq"));
  q.Bind(1, agency).Bind(2, now);
  return q.Blobs(0);
}

Result<Bytes> Ledger::Wire(ByteView id) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_->Prepare("SELECT wire FROM directives WHERE id=?"));
  q.Bind(1, id);
  TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) {
    return MakeError(ErrorCode::kNotFound, "no directive " + HexEncode(id));
  }
  return q.Blob(0);
}

Status Ledger::MarkSent(const std::vector<SentRecord>& sent, UnixMillis at) {
  if (sent.empty()) {
    return {};
  }
  TOCSIN_ASSIGN_OR_RETURN(Transaction transaction, Begin());
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_->Prepare(
      "UPDATE deliveries SET state=1, sent_at=? WHERE directive_id=? AND agency=? AND state=0"));
  TOCSIN_ASSIGN_OR_RETURN(Statement audit, AuditLog::PrepareInsert(*db_));
  for (const SentRecord& s : sent) {
    q.Reset();
    q.Bind(1, at).Bind(2, s.directive_id).Bind(3, s.agency);
    TOCSIN_RETURN_IF_ERROR(q.Run());
    if (q.Changes() == 1) {
      TOCSIN_RETURN_IF_ERROR(audit_.Stage(audit, s.audit_entry, at));
    }
  }
  return Commit(transaction);
}

Result<int> Ledger::RecordReceipts(const std::vector<ReceiptRecord>& receipts,
                                   UnixMillis max_skew, std::vector<RefusedReceipt>* out_refused,
                                   std::vector<std::optional<LogPosition>>* out_logged,
                                   std::vector<std::optional<UnixMillis>>* out_first_seen) {
  TOCSIN_ASSIGN_OR_RETURN(Transaction transaction, Begin());
  TOCSIN_ASSIGN_OR_RETURN(Statement audit, AuditLog::PrepareInsert(*db_));
  TOCSIN_ASSIGN_OR_RETURN(Statement find, db_->Prepare(
      "SELECT d.digest, v.state, d.accepted_at FROM deliveries v "
      "JOIN directives d ON d.id = v.directive_id "
      "WHERE v.directive_id=? AND v.agency=?"));
  TOCSIN_ASSIGN_OR_RETURN(Statement keep, db_->Prepare(
      "INSERT INTO receipts (directive_id, agency, kind, signed_at, recorded_at, wire, "
      "audit_idx) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"));
  TOCSIN_ASSIGN_OR_RETURN(Statement logged, db_->Prepare(
      "SELECT audit_idx, recorded_at FROM receipts WHERE directive_id=? AND agency=? AND kind=? "
      "AND audit_idx >= 0"));
  if (out_logged != nullptr) {
    out_logged->assign(receipts.size(), std::nullopt);
  }
  if (out_first_seen != nullptr) {
    out_first_seen->assign(receipts.size(), std::nullopt);
  }
  TOCSIN_ASSIGN_OR_RETURN(Statement delivered, db_->Prepare(
      "UPDATE deliveries SET state=CASE WHEN state < 2 THEN 2 ELSE state END, delivered_at=COALESCE(delivered_at, ?) "
      "WHERE directive_id=? AND agency=?"));
  TOCSIN_ASSIGN_OR_RETURN(Statement acknowledged, db_->Prepare(
      "UPDATE deliveries SET state=3, acknowledged_at=?, officer=?, "
      "delivered_at=COALESCE(delivered_at, ?) WHERE directive_id=? AND agency=? AND state < 3"));
  int changed = 0;
  for (std::size_t i = 0; i < receipts.size(); ++i) {
    const ReceiptRecord& r = receipts[i];
    find.Reset();
    find.Bind(1, r.directive_id).Bind(2, r.agency);
    TOCSIN_ASSIGN_OR_RETURN(bool known, find.Step());
    std::optional<RefusedReceipt> refusal;
    if (!known) {
      refusal = {i, ErrorCode::kPermissionDenied, "not a recipient of such a directive"};
    } else if (!r.refusal && find.Blob(0) != r.digest) {
      refusal = {i, ErrorCode::kBadSignature, "the digest it signs is not the accepted directive's"};
    } else if (r.at < find.Int(2) - max_skew) {
      refusal = {i, ErrorCode::kExpired, "signed before the gateway accepted the directive"};
    } else if (r.at > r.recorded_at + max_skew) {
      refusal = {i, ErrorCode::kExpired, "signed in the future"};
    }
    if (refusal) {
      if (out_refused != nullptr) {
        out_refused->push_back(std::move(*refusal));
      }
      continue;
    }
    int before = static_cast<int>(find.Int(1));
    std::int64_t kind = r.refusal ? 2 : r.acknowledgement ? 1 : 0;
    keep.Reset();
    keep.Bind(1, r.directive_id).Bind(2, r.agency).Bind(3, kind)
        .Bind(4, r.at).Bind(5, r.recorded_at).Bind(6, r.wire)
        .Bind(7, static_cast<std::int64_t>(audit_.next_index()));
    TOCSIN_RETURN_IF_ERROR(keep.Run());
    if (keep.Changes() == 1) {  // first time this receipt is seen: evidence
      if (out_first_seen != nullptr) {
        (*out_first_seen)[i] = find.Int(2);
      }
      if (out_logged != nullptr) {
        (*out_logged)[i] = LogPosition{audit_.next_index(), r.recorded_at};
      }
      TOCSIN_RETURN_IF_ERROR(audit_.Stage(audit, r.audit_entry, r.recorded_at));
    } else if (out_logged != nullptr) {  // recorded before: the entry that recorded it
      logged.Reset();
      logged.Bind(1, r.directive_id).Bind(2, r.agency).Bind(3, kind);
      TOCSIN_ASSIGN_OR_RETURN(bool found, logged.Step());
      if (found) {
        (*out_logged)[i] = LogPosition{static_cast<std::uint64_t>(logged.Int(0)), logged.Int(1)};
      }
    }
    if (r.refusal) {  // its row is the state (refused while not delivered); `changed` counts confirmations
      continue;
    }
    Statement& update = r.acknowledgement ? acknowledged : delivered;
    update.Reset();
    if (r.acknowledgement) {
      update.Bind(1, r.at).Bind(2, r.officer).Bind(3, r.recorded_at).Bind(4, r.directive_id)
          .Bind(5, r.agency);
    } else {
      update.Bind(1, r.recorded_at).Bind(2, r.directive_id).Bind(3, r.agency);
    }
    TOCSIN_RETURN_IF_ERROR(update.Run());
    if (before < (r.acknowledgement ? 3 : 2)) {
      ++changed;
    }
  }
  TOCSIN_RETURN_IF_ERROR(Commit(transaction));
  return changed;
}

Result<std::vector<DeliveryRow>> Ledger::Deliveries(ByteView id) {
  std::string sql =
      "SELECT v.directive_id, v.agency, v.state, v.sent_at, v.delivered_at, v.acknowledged_at, "
      "COALESCE(v.officer, ''), r.recorded_at, x.signed_at FROM deliveries v "
      "JOIN directives d ON d.id = v.directive_id LEFT JOIN receipts r ON "
      "r.directive_id = v.directive_id AND r.agency = v.agency AND r.kind = 1 "
      "LEFT JOIN receipts x ON x.directive_id = v.directive_id AND x.agency = v.agency "
      "AND x.kind = 2 ";
  sql += id.empty() ? "ORDER BY d.seq DESC, v.agency" : "WHERE v.directive_id=? ORDER BY v.agency";
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_->Prepare(sql));
  if (!id.empty()) {
    q.Bind(1, id);
  }
  std::vector<DeliveryRow> out;
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      return out;
    }
    out.push_back({q.Blob(0), q.Text(1), static_cast<DeliveryState>(q.Int(2)), OptionalTime(q, 3),
                   OptionalTime(q, 4), OptionalTime(q, 5), q.Text(6), OptionalTime(q, 7),
                   OptionalTime(q, 8)});
  }
}

Result<std::vector<Ledger::Evidence>> Ledger::EvidenceFor(ByteView id,
                                                          const std::string& after_agency,
                                                          std::size_t limit, std::size_t max_bytes,
                                                          bool* more) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_->Prepare(
      "SELECT v.agency, r.wire, a.wire, x.wire FROM deliveries v "
      "LEFT JOIN receipts r ON r.directive_id = v.directive_id AND r.agency = v.agency "
      "AND r.kind = 0 "
      "LEFT JOIN receipts a ON a.directive_id = v.directive_id AND a.agency = v.agency "
      "AND a.kind = 1 "
      "LEFT JOIN receipts x ON x.directive_id = v.directive_id AND x.agency = v.agency "
      "AND x.kind = 2 "
      "WHERE v.directive_id = ? AND v.agency > ? ORDER BY v.agency LIMIT ?"));
  q.Bind(1, id).Bind(2, after_agency).Bind(3, static_cast<std::int64_t>(limit) + 1);
  std::vector<Evidence> out;
  std::size_t bytes = 0;
  *more = false;
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      return out;
    }
    Evidence e{q.Text(0), std::nullopt, std::nullopt, std::nullopt};
    if (!q.IsNull(1)) {
      e.receipt = q.Blob(1);
    }
    if (!q.IsNull(2)) {
      e.acknowledgement = q.Blob(2);
    }
    if (!q.IsNull(3)) {
      e.refusal = q.Blob(3);
    }
    std::size_t size = e.agency.size() + (e.receipt ? e.receipt->size() : 0) +
                       (e.acknowledgement ? e.acknowledgement->size() : 0) +
                       (e.refusal ? e.refusal->size() : 0);
    if (out.size() == limit || (!out.empty() && bytes + size > max_bytes)) {
      *more = true;
      return out;
    }
    bytes += size;
    out.push_back(std::move(e));
  }
}

Result<std::map<std::string, AuditedPrincipal>> Ledger::AuditedPrincipals() {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_->Prepare(
      "SELECT principal, signing_key, active FROM audit_principals"));
  std::map<std::string, AuditedPrincipal> out;
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      return out;
    }
    out[q.Text(0)] = {q.Blob(1), q.Int(2) != 0};
  }
}

Status Ledger::RecordPrincipalChanges(const std::vector<PrincipalChange>& changes,
                                      UnixMillis at) {
  if (changes.empty()) {
    return {};
  }
  TOCSIN_ASSIGN_OR_RETURN(Transaction transaction, Begin());
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_->Prepare(
      "INSERT INTO audit_principals (principal, signing_key, active) VALUES (?,?,?) "
      "ON CONFLICT(principal) DO UPDATE SET signing_key=excluded.signing_key, "
      "active=excluded.active"));
  TOCSIN_ASSIGN_OR_RETURN(Statement audit, AuditLog::PrepareInsert(*db_));
  for (const PrincipalChange& c : changes) {
    q.Reset();
    q.Bind(1, c.principal).Bind(2, c.signing_key).Bind(3, std::int64_t{c.active});
    TOCSIN_RETURN_IF_ERROR(q.Run());
    TOCSIN_RETURN_IF_ERROR(audit_.Stage(audit, c.audit_entry, at));
  }
  return Commit(transaction);
}

Result<std::vector<Bytes>> Ledger::AuditEntries(std::uint64_t from, std::uint64_t to) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_->Prepare(
      "SELECT entry FROM audit_entries WHERE idx >= ? AND idx < ? ORDER BY idx"));
  q.Bind(1, static_cast<std::int64_t>(from)).Bind(2, static_cast<std::int64_t>(to));
  std::vector<Bytes> out;
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      return out;
    }
    out.push_back(q.Blob(0));
  }
}

Status Ledger::StoreCheckpoint(const StoredCheckpoint& c) {
  TOCSIN_ASSIGN_OR_RETURN(Transaction transaction, Begin());  // fenced, as every write
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_->Prepare(
      "INSERT INTO audit_checkpoints (size, signed_at, note) VALUES (?, ?, ?) "
      "ON CONFLICT DO NOTHING"));
  q.Bind(1, static_cast<std::int64_t>(c.size)).Bind(2, c.signed_at).Bind(3, c.note);
  TOCSIN_RETURN_IF_ERROR(q.Run());
  TOCSIN_RETURN_IF_ERROR(Commit(transaction));
  audit_.NoteCheckpoint(c.signed_at);
  return {};
}

Result<std::vector<StoredCheckpoint>> Ledger::Checkpoints() {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_->Prepare(
      "SELECT size, signed_at, note FROM audit_checkpoints ORDER BY size"));
  std::vector<StoredCheckpoint> out;
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      return out;
    }
    out.push_back({static_cast<std::uint64_t>(q.Int(0)), q.Text(2), q.Int(1)});
  }
}

Result<std::optional<StoredCheckpoint>> Ledger::LatestCheckpoint() {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_->Prepare(
      "SELECT size, signed_at, note FROM audit_checkpoints ORDER BY size DESC LIMIT 1"));
  TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) {
    return std::optional<StoredCheckpoint>();
  }
  return std::optional<StoredCheckpoint>(
      StoredCheckpoint{static_cast<std::uint64_t>(q.Int(0)), q.Text(2), q.Int(1)});
}

}  // namespace tocsin::store
