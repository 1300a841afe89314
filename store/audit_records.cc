#include "store/audit_records.h"

#include "store/delivery_moves.h"

namespace tocsin::store {

Status AuditRecords::Append(const Bytes& entry, UnixMillis at) {
  TOCSIN_ASSIGN_OR_RETURN(LedgerTransaction transaction, store_->Begin());
  transaction.Log(entry, at);
  return transaction.Commit();
}

Result<std::vector<Bytes>> AuditRecords::Entries(std::uint64_t from, std::uint64_t to) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, store_->Prepare(
      "SELECT entry FROM audit_entries WHERE idx >= ? AND idx < ? ORDER BY idx"));
  q.Bind(1, static_cast<std::int64_t>(from)).Bind(2, static_cast<std::int64_t>(to));
  return q.Blobs(0);
}

Result<bool> AuditRecords::AdvanceCheckpoint(const StoredCheckpoint& c, std::uint64_t expected) {
  // Fenced, as every write: on PostgreSQL the lease's row lock also
  // serializes this read and insert against any other gateway's.
  TOCSIN_ASSIGN_OR_RETURN(LedgerTransaction transaction, store_->Begin());
  TOCSIN_ASSIGN_OR_RETURN(Statement latest, transaction.Prepare(
      "SELECT size, signed_at FROM audit_checkpoints ORDER BY size DESC LIMIT 1"));
  TOCSIN_ASSIGN_OR_RETURN(bool row, latest.Step());
  auto stored = static_cast<std::uint64_t>(row ? latest.Int(0) : 0);
  if (stored != expected || c.size <= stored) {
    if (row) {  // the log's clock covers whatever checkpoint the caller will adopt
      store_->audit_log().NoteCheckpoint(latest.Int(1));
    }
    return false;
  }
  TOCSIN_ASSIGN_OR_RETURN(Statement q, transaction.Prepare(
      "INSERT INTO audit_checkpoints (size, signed_at, note) VALUES (?, ?, ?)"));
  q.Bind(1, static_cast<std::int64_t>(c.size)).Bind(2, c.signed_at).Bind(3, c.note);
  TOCSIN_RETURN_IF_ERROR(q.Run());
  TOCSIN_RETURN_IF_ERROR(transaction.Commit());
  store_->audit_log().NoteCheckpoint(c.signed_at);
  return true;
}

Result<std::vector<StoredCheckpoint>> AuditRecords::Checkpoints() {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, store_->Prepare(
      "SELECT size, signed_at, note FROM audit_checkpoints ORDER BY size"));
  std::vector<StoredCheckpoint> out;
  TOCSIN_RETURN_IF_ERROR(ForEachRow(q, [&](const Statement& row) {
    out.push_back({static_cast<std::uint64_t>(row.Int(0)), row.Text(2), row.Int(1)});
  }));
  return out;
}

Result<std::optional<StoredCheckpoint>> AuditRecords::LatestCheckpoint() {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, store_->Prepare(
      "SELECT size, signed_at, note FROM audit_checkpoints ORDER BY size DESC LIMIT 1"));
  TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) {
    return std::optional<StoredCheckpoint>();
  }
  return std::optional<StoredCheckpoint>(
      StoredCheckpoint{static_cast<std::uint64_t>(q.Int(0)), q.Text(2), q.Int(1)});
}

Result<bool> AuditRecords::HasUnindexedConfirmations() {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, store_->Prepare(
      "SELECT EXISTS (SELECT 1 FROM directives WHERE audit_idx IS NULL) OR "
      "EXISTS (SELECT 1 FROM receipts WHERE audit_idx IS NULL)"));
  TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
  return row && q.Int(0) != 0;
}

Status AuditRecords::IndexConfirmations(const std::vector<IndexedConfirmation>& found) {
  TOCSIN_ASSIGN_OR_RETURN(LedgerTransaction transaction, store_->Begin());
  TOCSIN_ASSIGN_OR_RETURN(Statement directive, transaction.Prepare(
      "UPDATE directives SET audit_idx=? WHERE id=? AND audit_idx IS NULL"));
  TOCSIN_ASSIGN_OR_RETURN(Statement receipt, transaction.Prepare(
      "UPDATE receipts SET audit_idx=? WHERE directive_id=? AND agency=? AND kind=? "
      "AND audit_idx IS NULL"));
  for (const IndexedConfirmation& c : found) {
    auto index = static_cast<std::int64_t>(c.index);  // stays -1 below for what the log lacks
    Statement& q = c.what == IndexedConfirmation::What::kDirective ? directive : receipt;
    q.Reset();
    q.Bind(1, index).Bind(2, c.directive_id);
    if (c.what != IndexedConfirmation::What::kDirective) {
      ReceiptKind kind = c.what == IndexedConfirmation::What::kAcknowledgement
                             ? ReceiptKind::kAcknowledgement
                             : ReceiptKind::kDelivery;
      q.Bind(3, c.agency).Bind(4, static_cast<std::int64_t>(kind));
    }
    TOCSIN_RETURN_IF_ERROR(q.Run());
  }
  // Rows the log has no entry for (stored before the audit log existed) are
  // marked -1, so this runs once: they are confirmed without a promise.
  TOCSIN_ASSIGN_OR_RETURN(Statement directives, transaction.Prepare(
      "UPDATE directives SET audit_idx = -1 WHERE audit_idx IS NULL"));
  TOCSIN_RETURN_IF_ERROR(directives.Run());
  TOCSIN_ASSIGN_OR_RETURN(Statement receipts, transaction.Prepare(
      "UPDATE receipts SET audit_idx = -1 WHERE audit_idx IS NULL"));
  TOCSIN_RETURN_IF_ERROR(receipts.Run());
  return transaction.Commit();
}

}  // namespace tocsin::store
