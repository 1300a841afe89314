#include "store/directives.h"

#include <map>
#include <set>
#include <utility>

#include "store/delivery_moves.h"
#include "store/proposals.h"

namespace tocsin::store {
namespace {

std::optional<UnixMillis> OptionalTime(const Statement& row, int column) {
  return row.IsNull(column) ? std::nullopt : std::optional<UnixMillis>(row.Int(column));
}

// Rows per INSERT of deliveries, at most; each statement's row count is a
// power of two, so a session prepares at most 8 of them whatever the
// recipient count (on PostgreSQL, one round trip per statement).
constexpr std::size_t kMaxDeliveryRows = 128;

// A pending delivery of directive ?1 per recipient (the state column's
// default, store/ledger_schema.cc), `rows` recipients at a time.
Status InsertDeliveries(LedgerTransaction& transaction, ByteView id,
                        const std::vector<std::string>& recipients) {
  std::map<std::size_t, Statement> by_rows;
  for (std::size_t done = 0; done < recipients.size();) {
    std::size_t rows = RowsPerStatement(recipients.size() - done, kMaxDeliveryRows);
    auto found = by_rows.find(rows);
    if (found == by_rows.end()) {
      std::string sql = "INSERT INTO deliveries (directive_id, agency) VALUES ";
      for (std::size_t i = 0; i < rows; ++i) {
        sql += (i == 0 ? "(?1, ?" : ", (?1, ?") + std::to_string(i + 2) + ")";
      }
      TOCSIN_ASSIGN_OR_RETURN(Statement insert, transaction.Prepare(sql));
      found = by_rows.emplace(rows, std::move(insert)).first;
    }
    Statement& insert = found->second;
    insert.Reset();
    insert.Bind(1, id);
    for (std::size_t i = 0; i < rows; ++i) {
      insert.Bind(static_cast<int>(i + 2), recipients[done + i]);
    }
    TOCSIN_RETURN_IF_ERROR(insert.Run());
    done += rows;
  }
  return {};
}

}  // namespace

Status Directives::Accept(const AcceptedDirective& d) {
  TOCSIN_ASSIGN_OR_RETURN(LedgerTransaction transaction, store_->Begin());
  if (!d.from_proposal) {
    TOCSIN_RETURN_IF_ERROR(CheckIssuerSequence(transaction, d.issuer, d.sequence));
  }
  TOCSIN_ASSIGN_OR_RETURN(bool duplicate, IsAccepted(transaction, d.id));
  if (duplicate) {
    return MakeError(ErrorCode::kReplay, "directive id already accepted");
  }
  if (!d.from_proposal) {  // a held proposal's id is taken: no one else may use it
    TOCSIN_ASSIGN_OR_RETURN(bool taken, Proposals::IsHeld(transaction, d.id));
    if (taken) {
      return MakeError(ErrorCode::kReplay,
                       "directive id is held as a proposal waiting for approval");
    }
  }
  TOCSIN_ASSIGN_OR_RETURN(Statement insert, transaction.Prepare(
      "INSERT INTO directives (id, issuer, sequence, severity, issued_at, expires_at, "
      "ack_deadline, accepted_at, digest, wire, audit_idx) VALUES (?,?,?,?,?,?,?,?,?,?,?)"));
  insert.Bind(1, d.id).Bind(2, d.issuer).Bind(3, static_cast<std::int64_t>(d.sequence))
      .Bind(4, static_cast<std::int64_t>(d.severity)).Bind(5, d.issued_at).Bind(6, d.expires_at)
      .Bind(7, d.ack_deadline).Bind(8, d.accepted_at).Bind(9, d.digest).Bind(10, d.wire)
      .Bind(11, static_cast<std::int64_t>(transaction.next_log_index()));  // its entry, below
  TOCSIN_RETURN_IF_ERROR(insert.Run());
  TOCSIN_RETURN_IF_ERROR(InsertDeliveries(transaction, d.id, d.recipients));
  TOCSIN_RETURN_IF_ERROR(RaiseIssuerMark(transaction, d.issuer, d.sequence));
  if (d.from_proposal) {
    TOCSIN_RETURN_IF_ERROR(Proposals::Release(transaction, d.id));
  }
  transaction.Log(d.audit_entry, d.accepted_at);
  return transaction.Commit();
}

Result<bool> Directives::IsAccepted(LedgerTransaction& transaction, ByteView id) {
  TOCSIN_ASSIGN_OR_RETURN(Statement seen, transaction.Prepare("SELECT 1 FROM directives WHERE id=?"));
  seen.Bind(1, id);
  return seen.Step();
}

Status Directives::CheckIssuerSequence(LedgerTransaction& transaction, const std::string& issuer,
                                       std::uint64_t sequence) {
  TOCSIN_ASSIGN_OR_RETURN(Statement last, transaction.Prepare(
      "SELECT last_sequence FROM issuer_sequences WHERE issuer=?"));
  last.Bind(1, issuer);
  TOCSIN_ASSIGN_OR_RETURN(bool known, last.Step());
  if (known && static_cast<std::uint64_t>(last.Int(0)) >= sequence) {
    return MakeError(ErrorCode::kReplay,
                     "sequence " + std::to_string(sequence) + " of " + issuer +
                         " is not above " + std::to_string(last.Int(0)));
  }
  return {};
}

Status Directives::RaiseIssuerMark(LedgerTransaction& transaction, const std::string& issuer,
                                   std::uint64_t sequence) {
  TOCSIN_ASSIGN_OR_RETURN(Statement mark, transaction.Prepare(
      "INSERT INTO issuer_sequences VALUES (?, ?) "
      "ON CONFLICT(issuer) DO UPDATE SET last_sequence=CASE WHEN excluded.last_sequence > "
      "issuer_sequences.last_sequence THEN excluded.last_sequence ELSE "
      "issuer_sequences.last_sequence END"));
  mark.Bind(1, issuer).Bind(2, static_cast<std::int64_t>(sequence));
  return mark.Run();
}

Result<std::optional<LogPosition>> Directives::Position(ByteView id) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, store_->Prepare(
      "SELECT audit_idx, accepted_at FROM directives WHERE id=? AND audit_idx >= 0"));
  q.Bind(1, id);
  TOCSIN_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    return std::optional<LogPosition>();
  }
  return std::optional<LogPosition>({static_cast<std::uint64_t>(q.Int(0)), q.Int(1)});
}

Result<std::optional<AcceptedDirective>> Directives::Find(ByteView id) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, store_->Prepare(
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
  TOCSIN_ASSIGN_OR_RETURN(Statement r, store_->Prepare(
      "SELECT agency FROM deliveries WHERE directive_id=? ORDER BY agency"));
  r.Bind(1, id);
  TOCSIN_RETURN_IF_ERROR(ForEachRow(r, [&](const Statement& row) {
    d.recipients.push_back(row.Text(0));
  }));
  return std::optional<AcceptedDirective>(std::move(d));
}

Result<std::vector<Bytes>> Directives::Undelivered(std::string_view agency, UnixMillis now) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, store_->Prepare(
      "SELECT d.id FROM deliveries v JOIN directives d ON d.id = v.directive_id "
      "WHERE v.agency=? AND " + StatesWhere("v.state", tocsin::Undelivered) +
      " AND d.expires_at > ? ORDER BY d.seq"));
  q.Bind(1, agency).Bind(2, now);
  return q.Blobs(0);
}

Result<Bytes> Directives::Wire(ByteView id) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, store_->Prepare("SELECT wire FROM directives WHERE id=?"));
  q.Bind(1, id);
  TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) {
    return MakeError(ErrorCode::kNotFound, "no directive " + HexEncode(id));
  }
  return q.Blob(0);
}

Status Directives::MarkSent(const std::vector<SentRecord>& sent, UnixMillis at) {
  if (sent.empty()) {
    return {};
  }
  TOCSIN_ASSIGN_OR_RETURN(LedgerTransaction transaction, store_->Begin());
  // Each directive's pairs move together; the entries follow `sent`'s order.
  std::map<Bytes, std::vector<std::string>> by_directive;
  for (const SentRecord& s : sent) {
    by_directive[s.directive_id].push_back(s.agency);
  }
  DeliveryMoves moves(transaction);
  std::set<std::pair<Bytes, std::string>> moved;
  for (const auto& [id, agencies] : by_directive) {
    TOCSIN_ASSIGN_OR_RETURN(std::vector<std::string> went, moves.Send(id, agencies, at));
    for (std::string& agency : went) {
      moved.emplace(id, std::move(agency));
    }
  }
  for (const SentRecord& s : sent) {
    if (moved.erase({s.directive_id, s.agency}) == 1) {  // logged once, if listed twice
      transaction.Log(s.audit_entry, at);
    }
  }
  return transaction.Commit();
}

Result<std::vector<DeliveryRow>> Directives::Deliveries(ByteView id) {
  std::string sql =
      "SELECT v.directive_id, v.agency, v.state, v.sent_at, v.delivered_at, v.acknowledged_at, "
      "COALESCE(v.officer, ''), r.recorded_at, x.signed_at FROM deliveries v "
      "JOIN directives d ON d.id = v.directive_id LEFT JOIN receipts r ON "
      "r.directive_id = v.directive_id AND r.agency = v.agency AND r.kind = " +
      KindNumber(ReceiptKind::kAcknowledgement) +
      " LEFT JOIN receipts x ON x.directive_id = v.directive_id AND x.agency = v.agency "
      "AND x.kind = " + KindNumber(ReceiptKind::kRefusal) + " ";
  sql += id.empty() ? "ORDER BY d.seq DESC, v.agency" : "WHERE v.directive_id=? ORDER BY v.agency";
  TOCSIN_ASSIGN_OR_RETURN(Statement q, store_->Prepare(sql));
  if (!id.empty()) {
    q.Bind(1, id);
  }
  std::vector<DeliveryRow> out;
  TOCSIN_RETURN_IF_ERROR(ForEachRow(q, [&](const Statement& row) {
    out.push_back({row.Blob(0), row.Text(1), static_cast<DeliveryState>(row.Int(2)),
                   OptionalTime(row, 3), OptionalTime(row, 4), OptionalTime(row, 5), row.Text(6),
                   OptionalTime(row, 7), OptionalTime(row, 8)});
  }));
  return out;
}

}  // namespace tocsin::store
