#include "store/receipts.h"

#include "store/delivery_moves.h"

namespace tocsin::store {
namespace {

ReceiptKind KindOf(const ReceiptRecord& r) {
  return r.refusal ? ReceiptKind::kRefusal
         : r.acknowledgement ? ReceiptKind::kAcknowledgement
                             : ReceiptKind::kDelivery;
}

// Why `r` cannot be recorded against the delivery `find` found (nullopt if
// it can): its digest, its signing time.
std::optional<RefusedReceipt> Check(const ReceiptRecord& r, std::size_t index, bool known,
                                    const Statement& find, UnixMillis max_skew) {
  if (!known) {
    return RefusedReceipt{index, ErrorCode::kPermissionDenied, "not a recipient of such a directive"};
  }
  if (!r.refusal && find.Blob(0) != r.digest) {
    return RefusedReceipt{index, ErrorCode::kBadSignature,
                          "the digest it signs is not the accepted directive's"};
  }
  if (r.at < find.Int(2) - max_skew) {
    return RefusedReceipt{index, ErrorCode::kExpired,
                          "signed before the gateway accepted the directive"};
  }
  if (r.at > r.recorded_at + max_skew) {
    return RefusedReceipt{index, ErrorCode::kExpired, "signed in the future"};
  }
  return std::nullopt;
}

}  // namespace

Result<int> Receipts::Record(const std::vector<ReceiptRecord>& receipts, UnixMillis max_skew,
                             std::vector<RefusedReceipt>* out_refused,
                             std::vector<std::optional<LogPosition>>* out_logged,
                             std::vector<std::optional<UnixMillis>>* out_first_seen) {
  TOCSIN_ASSIGN_OR_RETURN(LedgerTransaction transaction, store_->Begin());
  TOCSIN_ASSIGN_OR_RETURN(Statement find, transaction.Prepare(
      "SELECT d.digest, v.state, d.accepted_at FROM deliveries v "
      "JOIN directives d ON d.id = v.directive_id "
      "WHERE v.directive_id=? AND v.agency=?"));
  TOCSIN_ASSIGN_OR_RETURN(Statement keep, transaction.Prepare(
      "INSERT INTO receipts (directive_id, agency, kind, signed_at, recorded_at, wire, "
      "audit_idx) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"));
  TOCSIN_ASSIGN_OR_RETURN(Statement logged, transaction.Prepare(
      "SELECT audit_idx, recorded_at FROM receipts WHERE directive_id=? AND agency=? AND kind=? "
      "AND audit_idx >= 0"));
  if (out_logged != nullptr) {
    out_logged->assign(receipts.size(), std::nullopt);
  }
  if (out_first_seen != nullptr) {
    out_first_seen->assign(receipts.size(), std::nullopt);
  }
  DeliveryMoves moves(transaction);
  int changed = 0;
  for (std::size_t i = 0; i < receipts.size(); ++i) {
    const ReceiptRecord& r = receipts[i];
    find.Reset();
    find.Bind(1, r.directive_id).Bind(2, r.agency);
    TOCSIN_ASSIGN_OR_RETURN(bool known, find.Step());
    if (std::optional<RefusedReceipt> refused = Check(r, i, known, find, max_skew)) {
      if (out_refused != nullptr) {
        out_refused->push_back(std::move(*refused));
      }
      continue;
    }
    auto before = static_cast<DeliveryState>(find.Int(1));
    auto kind = static_cast<std::int64_t>(KindOf(r));
    keep.Reset();
    keep.Bind(1, r.directive_id).Bind(2, r.agency).Bind(3, kind)
        .Bind(4, r.at).Bind(5, r.recorded_at).Bind(6, r.wire)
        .Bind(7, static_cast<std::int64_t>(transaction.next_log_index()));
    TOCSIN_RETURN_IF_ERROR(keep.Run());
    if (keep.Changes() == 1) {  // first time this receipt is seen: evidence
      if (out_first_seen != nullptr) {
        (*out_first_seen)[i] = find.Int(2);
      }
      if (out_logged != nullptr) {
        (*out_logged)[i] = LogPosition{transaction.next_log_index(), r.recorded_at};
      }
      transaction.Log(r.audit_entry, r.recorded_at);
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
    DeliveryState target = r.acknowledgement ? DeliveryState::kAcknowledged
                                             : DeliveryState::kDelivered;
    if (r.acknowledgement) {
      TOCSIN_RETURN_IF_ERROR(
          moves.Acknowledge(r.directive_id, r.agency, r.at, r.officer, r.recorded_at));
    } else {
      TOCSIN_RETURN_IF_ERROR(moves.Deliver(r.directive_id, r.agency, r.recorded_at));
    }
    if (MovesOn(before, target)) {
      ++changed;
    }
  }
  TOCSIN_RETURN_IF_ERROR(transaction.Commit());
  return changed;
}

Result<std::vector<Evidence>> Receipts::EvidenceFor(ByteView id, const std::string& after_agency,
                                                    std::size_t limit, std::size_t max_bytes,
                                                    bool* more) {
  auto join = [](const char* alias, ReceiptKind kind) {
    return std::string("LEFT JOIN receipts ") + alias + " ON " + alias +
           ".directive_id = v.directive_id AND " + alias + ".agency = v.agency AND " + alias +
           ".kind = " + KindNumber(kind) + " ";
  };
  TOCSIN_ASSIGN_OR_RETURN(Statement q, store_->Prepare(
      "SELECT v.agency, r.wire, a.wire, x.wire FROM deliveries v " +
      join("r", ReceiptKind::kDelivery) + join("a", ReceiptKind::kAcknowledgement) +
      join("x", ReceiptKind::kRefusal) +
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

}  // namespace tocsin::store
