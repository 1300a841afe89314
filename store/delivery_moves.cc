#include "store/delivery_moves.h"

namespace tocsin::store {
namespace {

// The states a move to `to` may start from (MovesOn), as "state IN (...)".
std::string StatesBefore(DeliveryState to) {
  std::string out;
  for (DeliveryState from : kDeliveryStates) {
    if (MovesOn(from, to)) {
      out += (out.empty() ? "" : ", ") + StateNumber(from);
    }
  }
  return out.empty() ? "FALSE" : "state IN (" + out + ")";
}

}  // namespace

std::string StateNumber(DeliveryState state) {
  return std::to_string(static_cast<int>(state));
}

std::string KindNumber(ReceiptKind kind) {
  return std::to_string(static_cast<std::int64_t>(kind));
}

std::string StatesWhere(std::string_view column, bool (*in)(DeliveryState)) {
  std::string out;
  for (DeliveryState state : kDeliveryStates) {
    if (Stored(state) && in(state)) {
      out += (out.empty() ? "" : ", ") + StateNumber(state);
    }
  }
  return out.empty() ? "FALSE" : std::string(column) + " IN (" + out + ")";
}

Result<Statement*> DeliveryMoves::Prepared(std::optional<Statement>& slot,
                                           const std::string& sql) {
  if (!slot) {
    TOCSIN_ASSIGN_OR_RETURN(Statement statement, transaction_.Prepare(sql));
    slot.emplace(std::move(statement));
  }
  slot->Reset();
  return &*slot;
}

Result<std::vector<std::string>> DeliveryMoves::Send(ByteView directive_id,
                                                     const std::vector<std::string>& agencies,
                                                     UnixMillis at) {
  std::vector<std::string> moved;
  for (std::size_t done = 0; done < agencies.size();) {
    std::size_t rows = RowsPerStatement(agencies.size() - done, kRowsPerMove);
    std::string sql = "UPDATE deliveries SET state=" + StateNumber(DeliveryState::kSent) +
                      ", sent_at=?1 WHERE directive_id=?2 AND " +
                      StatesBefore(DeliveryState::kSent) + " AND agency IN (";
    for (std::size_t i = 0; i < rows; ++i) {
      sql += (i == 0 ? "?" : ", ?") + std::to_string(i + 3);
    }
    TOCSIN_ASSIGN_OR_RETURN(Statement q, transaction_.Prepare(sql + ") RETURNING agency"));
    q.Bind(1, at).Bind(2, directive_id);
    for (std::size_t i = 0; i < rows; ++i) {
      q.Bind(static_cast<int>(i + 3), agencies[done + i]);
    }
    TOCSIN_RETURN_IF_ERROR(ForEachRow(q, [&](const Statement& row) { moved.push_back(row.Text(0)); }));
    done += rows;
  }
  return moved;
}

Status DeliveryMoves::Deliver(ByteView directive_id, std::string_view agency,
                              UnixMillis recorded_at) {
  TOCSIN_ASSIGN_OR_RETURN(Statement * q, Prepared(deliver_,
      "UPDATE deliveries SET state=CASE WHEN " + StatesBefore(DeliveryState::kDelivered) +
      " THEN " + StateNumber(DeliveryState::kDelivered) + " ELSE state END, "
      "delivered_at=COALESCE(delivered_at, ?) WHERE directive_id=? AND agency=?"));
  q->Bind(1, recorded_at).Bind(2, directive_id).Bind(3, agency);
  return q->Run();
}

Status DeliveryMoves::Acknowledge(ByteView directive_id, std::string_view agency,
                                  UnixMillis signed_at, std::string_view officer,
                                  UnixMillis recorded_at) {
  TOCSIN_ASSIGN_OR_RETURN(Statement * q, Prepared(acknowledge_,
      "UPDATE deliveries SET state=" + StateNumber(DeliveryState::kAcknowledged) +
      ", acknowledged_at=?, officer=?, delivered_at=COALESCE(delivered_at, ?) "
      "WHERE directive_id=? AND agency=? AND " + StatesBefore(DeliveryState::kAcknowledged)));
  q->Bind(1, signed_at).Bind(2, officer).Bind(3, recorded_at).Bind(4, directive_id)
      .Bind(5, agency);
  return q->Run();
}

Result<bool> DeliveryMoves::AcknowledgeByCode(ByteView directive_id, std::string_view agency,
                                              UnixMillis at, std::string_view officer) {
  TOCSIN_ASSIGN_OR_RETURN(Statement * q, Prepared(acknowledge_by_code_,
      "UPDATE deliveries SET state=" + StateNumber(DeliveryState::kAcknowledged) +
      ", acknowledged_at=?, officer=? WHERE directive_id=? AND agency=? AND " +
      StatesBefore(DeliveryState::kAcknowledged)));
  q->Bind(1, at).Bind(2, officer).Bind(3, directive_id).Bind(4, agency);
  TOCSIN_RETURN_IF_ERROR(q->Run());
  return q->Changes() == 1;
}

}  // namespace tocsin::store
