// The delivery state column defaults to pending (DeliveryState::kPending,
// checked below): Directives::Accept inserts deliveries without one.
#include "store/ledger_schema.h"

#include "common/delivery_state.h"

namespace tocsin::store {
namespace {

static_assert(static_cast<int>(DeliveryState::kPending) == 0,
              "deliveries.state DEFAULT 0 is the pending state");

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

// The writer's lease records the holder's lease length (store/postgresql.h,
// WriterClaim). A database made since has the column already (the lease's
// table is made with it); one made before gets it here, at the longest
// lease a gateway may be configured with, so that no claimant takes over
// early from a writer that predates it.
constexpr std::string_view kPostgresqlSchemaV2 = R"sql(
ALTER TABLE tocsin_writer ADD COLUMN IF NOT EXISTS lease_ms BIGINT NOT NULL DEFAULT 60000;
)sql";

}  // namespace

std::vector<std::string_view> SqliteLedgerMigrations() {
  return {kSchemaV1, kSchemaV2, kSchemaV3, kSchemaV4, kSchemaV5, kSchemaV6};
}

std::vector<std::string_view> PostgresqlLedgerMigrations() {
  return {kPostgresqlSchemaV1, kPostgresqlSchemaV2};
}

}  // namespace tocsin::store
