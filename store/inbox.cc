#include "store/inbox.h"

#include <cctype>

namespace tocsin::store {
namespace {

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE inbox (
  seq                INTEGER PRIMARY KEY AUTOINCREMENT,
  id                 BLOB NOT NULL UNIQUE,
  hex_id             TEXT NOT NULL,
  issuer             TEXT NOT NULL,
  sequence           INTEGER NOT NULL,
  severity           TEXT NOT NULL,
  tlp                TEXT NOT NULL,
  status             TEXT NOT NULL,
  title              TEXT NOT NULL,
  body               TEXT NOT NULL,
  summary            TEXT NOT NULL,
  issued_at          INTEGER NOT NULL,
  expires_at         INTEGER NOT NULL,
  ack_deadline       INTEGER NOT NULL,
  received_at        INTEGER NOT NULL,
  out_of_order       INTEGER NOT NULL,
  digest             BLOB NOT NULL,
  wire               BLOB NOT NULL,
  receipt            BLOB NOT NULL,
  receipt_confirmed  INTEGER NOT NULL DEFAULT 0,
  acknowledged_at    INTEGER,
  officer            TEXT NOT NULL DEFAULT '',
  note               TEXT NOT NULL DEFAULT '',
  acknowledgement    BLOB,
  ack_confirmed      INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE issuer_marks (
  issuer        TEXT PRIMARY KEY,
  high_sequence INTEGER NOT NULL
);
)sql";

constexpr std::string_view kSchemaV2 = R"sql(
CREATE TABLE log_checkpoint (
  only        INTEGER PRIMARY KEY CHECK (only = 1),
  size        INTEGER NOT NULL,
  root        BLOB NOT NULL,
  note        TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE TABLE log_alarms (
  at             INTEGER NOT NULL,
  why            TEXT NOT NULL,
  held_note      TEXT NOT NULL,
  offending_note TEXT NOT NULL
);
)sql";

// Log promises (protocol/promise.h) and every checkpoint accepted: what an
// agency holds as evidence and exports as a witness (docs/audit.md 3 and 5).
constexpr std::string_view kSchemaV3 = R"sql(
CREATE TABLE log_promises (
  kind         INTEGER NOT NULL,   -- audit entry kind: 3 receipt, 4 acknowledgement
  directive_id BLOB NOT NULL,
  idx          INTEGER NOT NULL,
  at           INTEGER NOT NULL,
  wire         BLOB NOT NULL,      -- the signed promise
  state        INTEGER NOT NULL DEFAULT 0,  -- 0 open, 1 kept, 2 broken
  why          TEXT NOT NULL DEFAULT '',
  received_at  INTEGER NOT NULL,
  PRIMARY KEY (kind, directive_id)
);
CREATE INDEX log_promises_open ON log_promises(state, idx);
CREATE TABLE log_checkpoints (
  size        INTEGER PRIMARY KEY,
  note        TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
-- How far the gateway's clock is ahead of this machine's, as its heartbeats
-- last said (the daemon writes it; `tocsin-client ack` reads it).
CREATE TABLE clock_offset (
  only        INTEGER PRIMARY KEY CHECK (only = 1),
  offset_ms   INTEGER NOT NULL,
  measured_at INTEGER NOT NULL
);
-- 0 until the notify hook has run successfully for it (rows from before: 1).
ALTER TABLE inbox ADD COLUMN notified INTEGER NOT NULL DEFAULT 1;
)sql";

constexpr std::string_view kColumns =
    "id, issuer, sequence, severity, tlp, status, title, body, summary, issued_at, expires_at, "
    "ack_deadline, received_at, out_of_order, digest, wire, receipt, receipt_confirmed, "
    "acknowledged_at, officer, note, acknowledgement, ack_confirmed";

InboxEntry ReadEntry(const Statement& q) {
  InboxEntry e;
  e.id = q.Blob(0);
  e.issuer = q.Text(1);
  e.sequence = static_cast<std::uint64_t>(q.Int(2));
  e.severity = q.Text(3);
  e.tlp = q.Text(4);
  e.status = q.Text(5);
  e.title = q.Text(6);
  e.body = q.Text(7);
  e.summary = q.Text(8);
  e.issued_at = q.Int(9);
  e.expires_at = q.Int(10);
  e.ack_deadline = q.Int(11);
  e.received_at = q.Int(12);
  e.out_of_order = q.Int(13) != 0;
  e.digest = q.Blob(14);
  e.wire = q.Blob(15);
  e.receipt = q.Blob(16);
  e.receipt_confirmed = q.Int(17) != 0;
  if (!q.IsNull(18)) {
    e.acknowledged_at = q.Int(18);
  }
  e.officer = q.Text(19);
  e.note = q.Text(20);
  e.acknowledgement = q.Blob(21);
  e.acknowledgement_confirmed = q.Int(22) != 0;
  return e;
}

}  // namespace

Result<Inbox> Inbox::Open(const std::string& path, Integrity integrity) {
  TOCSIN_ASSIGN_OR_RETURN(Database db,
                          Database::Open(path, {kSchemaV1, kSchemaV2, kSchemaV3}, integrity));
  return Inbox(std::move(db));
}

Result<std::optional<LogCheckpointRecord>> Inbox::LogCheckpoint() {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(
      "SELECT size, root, note, received_at FROM log_checkpoint WHERE only = 1"));
  TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) {
    return std::optional<LogCheckpointRecord>();
  }
  return std::optional<LogCheckpointRecord>(LogCheckpointRecord{
      static_cast<std::uint64_t>(q.Int(0)), q.Blob(1), q.Text(2), q.Int(3)});
}

Status Inbox::SaveLogCheckpoint(const LogCheckpointRecord& c) {
  TOCSIN_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(db_));
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(
      "INSERT OR REPLACE INTO log_checkpoint (only, size, root, note, received_at) "
      "VALUES (1, ?, ?, ?, ?)"));
  q.Bind(1, static_cast<std::int64_t>(c.size)).Bind(2, c.root).Bind(3, c.note)
      .Bind(4, c.received_at);
  TOCSIN_RETURN_IF_ERROR(q.Run());
  TOCSIN_ASSIGN_OR_RETURN(Statement history, db_.Prepare(
      "INSERT OR IGNORE INTO log_checkpoints (size, note, received_at) VALUES (?, ?, ?)"));
  history.Bind(1, static_cast<std::int64_t>(c.size)).Bind(2, c.note).Bind(3, c.received_at);
  TOCSIN_RETURN_IF_ERROR(history.Run());
  // Bounded: the first one and the newest kMaxHeldCheckpoints - 1.
  TOCSIN_ASSIGN_OR_RETURN(Statement prune, db_.Prepare(
      "DELETE FROM log_checkpoints WHERE size > (SELECT MIN(size) FROM log_checkpoints) AND "
      "size < (SELECT size FROM log_checkpoints ORDER BY size DESC LIMIT 1 OFFSET ?)"));
  prune.Bind(1, static_cast<std::int64_t>(kMaxHeldCheckpoints - 2));
  TOCSIN_RETURN_IF_ERROR(prune.Run());
  return transaction.Commit();
}

Result<std::vector<std::string>> Inbox::HeldCheckpoints() {
  TOCSIN_ASSIGN_OR_RETURN(Statement q,
                          db_.Prepare("SELECT note FROM log_checkpoints ORDER BY size"));
  std::vector<std::string> out;
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      return out;
    }
    out.push_back(q.Text(0));
  }
}

Result<bool> Inbox::SavePromise(const PromiseRecord& p) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(
      "INSERT OR IGNORE INTO log_promises (kind, directive_id, idx, at, wire, received_at) "
      "VALUES (?, ?, ?, ?, ?, ?)"));
  q.Bind(1, std::int64_t{p.kind}).Bind(2, p.directive_id).Bind(3, static_cast<std::int64_t>(p.index))
      .Bind(4, p.at).Bind(5, p.wire).Bind(6, p.received_at);
  TOCSIN_RETURN_IF_ERROR(q.Run());
  return q.Changes() == 1;
}

namespace {

constexpr std::string_view kPromiseColumns =
    "SELECT kind, directive_id, idx, at, wire, state, why, received_at FROM log_promises ";

PromiseRecord ReadPromise(const Statement& q) {
  return {static_cast<int>(q.Int(0)), q.Blob(1), static_cast<std::uint64_t>(q.Int(2)), q.Int(3),
          q.Blob(4), static_cast<PromiseState>(q.Int(5)), q.Text(6), q.Int(7)};
}

}  // namespace

Result<std::optional<PromiseRecord>> Inbox::OpenPromiseAt(std::uint64_t index) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(std::string(kPromiseColumns) +
                                                   "WHERE state = 0 AND idx = ? LIMIT 1"));
  q.Bind(1, static_cast<std::int64_t>(index));
  TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? std::optional<PromiseRecord>(ReadPromise(q)) : std::nullopt;
}

Result<std::vector<PromiseRecord>> Inbox::Promises(std::optional<PromiseState> state,
                                                   std::size_t limit) {
  std::string sql(kPromiseColumns);
  sql += state ? "WHERE state = ? ORDER BY idx LIMIT ?" : "ORDER BY idx LIMIT ?";
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(sql));
  int next = 1;
  if (state) {
    q.Bind(next++, static_cast<std::int64_t>(*state));
  }
  q.Bind(next, static_cast<std::int64_t>(limit));
  std::vector<PromiseRecord> out;
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      return out;
    }
    out.push_back(ReadPromise(q));
  }
}

Status Inbox::SettlePromise(int kind, ByteView directive_id, PromiseState state,
                            std::string_view why) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(
      "UPDATE log_promises SET state = ?, why = ? WHERE kind = ? AND directive_id = ?"));
  q.Bind(1, static_cast<std::int64_t>(state)).Bind(2, why).Bind(3, std::int64_t{kind})
      .Bind(4, directive_id);
  return q.Run();
}

Status Inbox::RecordLogAlarm(UnixMillis at, std::string_view why, std::string_view held_note,
                             std::string_view offending_note) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare("INSERT INTO log_alarms VALUES (?, ?, ?, ?)"));
  q.Bind(1, at).Bind(2, why).Bind(3, held_note).Bind(4, offending_note);
  return q.Run();
}

Result<std::int64_t> Inbox::LogAlarmCount() {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare("SELECT COUNT(*) FROM log_alarms"));
  TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.Int(0) : 0;
}

Result<bool> Inbox::Add(const InboxEntry& e) {
  TOCSIN_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(db_));
  TOCSIN_ASSIGN_OR_RETURN(Statement seen, db_.Prepare("SELECT 1 FROM inbox WHERE id=?"));
  seen.Bind(1, e.id);
  TOCSIN_ASSIGN_OR_RETURN(bool duplicate, seen.Step());
  if (duplicate) {
    return false;
  }
  TOCSIN_ASSIGN_OR_RETURN(Statement insert, db_.Prepare(
      "INSERT INTO inbox (id, hex_id, issuer, sequence, severity, tlp, status, title, body, "
      "summary, issued_at, expires_at, ack_deadline, received_at, out_of_order, digest, wire, "
      "receipt, notified) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  insert.Bind(1, e.id).Bind(2, HexEncode(e.id)).Bind(3, e.issuer)
      .Bind(4, static_cast<std::int64_t>(e.sequence)).Bind(5, e.severity).Bind(6, e.tlp)
      .Bind(7, e.status).Bind(8, e.title).Bind(9, e.body).Bind(10, e.summary)
      .Bind(11, e.issued_at).Bind(12, e.expires_at).Bind(13, e.ack_deadline)
      .Bind(14, e.received_at).Bind(15, std::int64_t{e.out_of_order}).Bind(16, e.digest)
      .Bind(17, e.wire).Bind(18, e.receipt).Bind(19, std::int64_t{e.notified});
  TOCSIN_RETURN_IF_ERROR(insert.Run());
  TOCSIN_ASSIGN_OR_RETURN(Statement mark, db_.Prepare(
      "INSERT INTO issuer_marks VALUES (?, ?) ON CONFLICT(issuer) DO UPDATE SET "
      "high_sequence=MAX(high_sequence, excluded.high_sequence)"));
  mark.Bind(1, e.issuer).Bind(2, static_cast<std::int64_t>(e.sequence));
  TOCSIN_RETURN_IF_ERROR(mark.Run());
  TOCSIN_RETURN_IF_ERROR(transaction.Commit());
  return true;
}

Result<std::vector<InboxEntry>> Inbox::Query(std::string_view where, ByteView key) {
  std::string sql = "SELECT " + std::string(kColumns) + " FROM inbox " + std::string(where);
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(sql));
  if (!key.empty()) {
    q.Bind(1, key);
  }
  std::vector<InboxEntry> out;
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      return out;
    }
    out.push_back(ReadEntry(q));
  }
}

Result<std::optional<InboxEntry>> Inbox::Find(ByteView id) {
  TOCSIN_ASSIGN_OR_RETURN(std::vector<InboxEntry> rows, Query("WHERE id=?", id));
  if (rows.empty()) {
    return std::optional<InboxEntry>();
  }
  return std::optional<InboxEntry>(std::move(rows.front()));
}

Result<std::optional<InboxEntry>> Inbox::FindByHexPrefix(std::string_view prefix) {
  bool hex = prefix.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
  if (prefix.size() < 8 || prefix.size() > 32 || !hex) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "a directive id is 8 to 32 hex characters (a unique prefix is enough)");
  }
  std::string lower;
  for (char c : prefix) {
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare("SELECT id FROM inbox WHERE substr(hex_id, 1, ?) = ?"));
  q.Bind(1, static_cast<std::int64_t>(lower.size())).Bind(2, lower);
  std::vector<Bytes> ids;
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      break;
    }
    ids.push_back(q.Blob(0));
  }
  if (ids.size() > 1) {
    return MakeError(ErrorCode::kInvalidArgument, "id prefix '" + lower + "' is ambiguous");
  }
  if (ids.empty()) {
    return std::optional<InboxEntry>();
  }
  return Find(ids.front());
}

Result<std::vector<InboxEntry>> Inbox::List() { return Query("ORDER BY seq", {}); }

Result<std::optional<std::uint64_t>> Inbox::IssuerMark(std::string_view issuer) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q,
                          db_.Prepare("SELECT high_sequence FROM issuer_marks WHERE issuer=?"));
  q.Bind(1, issuer);
  TOCSIN_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    return std::optional<std::uint64_t>();
  }
  return std::optional<std::uint64_t>(static_cast<std::uint64_t>(q.Int(0)));
}

Status Inbox::Acknowledge(ByteView id, UnixMillis at, std::string_view officer,
                          std::string_view note, ByteView wire) {
  TOCSIN_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(db_));
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(
      "SELECT acknowledged_at IS NOT NULL FROM inbox WHERE id=?"));
  q.Bind(1, id);
  TOCSIN_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    return MakeError(ErrorCode::kNotFound, "no directive " + HexEncode(id) + " in the inbox");
  }
  if (q.Int(0) != 0) {
    return MakeError(ErrorCode::kInvalidArgument, "directive " + HexEncode(id) +
                                                      " is already acknowledged");
  }
  TOCSIN_ASSIGN_OR_RETURN(Statement update, db_.Prepare(
      "UPDATE inbox SET acknowledged_at=?, officer=?, note=?, acknowledgement=? WHERE id=?"));
  update.Bind(1, at).Bind(2, officer).Bind(3, note).Bind(4, wire).Bind(5, id);
  TOCSIN_RETURN_IF_ERROR(update.Run());
  return transaction.Commit();
}

Status Inbox::SaveClockOffset(UnixMillis offset, UnixMillis measured_at) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(
      "INSERT OR REPLACE INTO clock_offset (only, offset_ms, measured_at) VALUES (1, ?, ?)"));
  q.Bind(1, offset).Bind(2, measured_at);
  return q.Run();
}

Result<std::optional<std::pair<UnixMillis, UnixMillis>>> Inbox::ClockOffset() {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(
      "SELECT offset_ms, measured_at FROM clock_offset WHERE only = 1"));
  TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) {
    return std::optional<std::pair<UnixMillis, UnixMillis>>();
  }
  return std::optional<std::pair<UnixMillis, UnixMillis>>({q.Int(0), q.Int(1)});
}

Result<std::vector<Bytes>> Inbox::Unnotified(std::size_t limit) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(
      "SELECT id FROM inbox WHERE notified = 0 ORDER BY seq LIMIT ?"));
  q.Bind(1, static_cast<std::int64_t>(limit));
  return q.Blobs(0);
}

Status Inbox::MarkNotified(ByteView id) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare("UPDATE inbox SET notified = 1 WHERE id = ?"));
  q.Bind(1, id);
  return q.Run();
}

Status Inbox::Confirm(ByteView id, bool acknowledgement) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(
      acknowledgement ? "UPDATE inbox SET ack_confirmed=1 WHERE id=? AND acknowledgement IS NOT NULL"
                      : "UPDATE inbox SET receipt_confirmed=1 WHERE id=?"));
  q.Bind(1, id);
  return q.Run();
}

Result<std::vector<Unconfirmed>> Inbox::ListUnconfirmed(std::size_t limit) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(
      "SELECT id, 1, acknowledgement FROM inbox "
      "WHERE acknowledgement IS NOT NULL AND ack_confirmed=0 "
      "UNION ALL SELECT id, 0, receipt FROM inbox WHERE receipt_confirmed=0 "
      "ORDER BY 2 DESC LIMIT ?"));
  q.Bind(1, static_cast<std::int64_t>(limit));
  std::vector<Unconfirmed> out;
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      return out;
    }
    out.push_back({q.Blob(0), q.Int(1) != 0, q.Blob(2)});
  }
}

Result<InboxTallies> Inbox::Tallies(UnixMillis now) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(
      "SELECT COUNT(*), COALESCE(SUM(acknowledged_at IS NULL AND expires_at > ?), 0), "
      "COALESCE(SUM(receipt_confirmed = 0 OR (acknowledgement IS NOT NULL AND ack_confirmed = 0)), 0) "
      "FROM inbox"));
  q.Bind(1, now);
  InboxTallies tallies;
  TOCSIN_RETURN_IF_ERROR(ForEachRow(q, [&](const Statement& row) {
    tallies = {static_cast<std::uint64_t>(row.Int(0)), static_cast<std::uint64_t>(row.Int(1)),
               static_cast<std::uint64_t>(row.Int(2))};
  }));
  return tallies;
}

}  // namespace tocsin::store
