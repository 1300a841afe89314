#include "store/escalations.h"

#include "store/delivery_moves.h"

namespace tocsin::store {

Result<std::vector<OpenDelivery>> Escalations::OpenDeliveries(UnixMillis now) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, store_->Prepare(
      "SELECT v.directive_id, v.agency, d.severity, d.accepted_at, d.expires_at, d.ack_deadline, "
      "v.state FROM deliveries v JOIN directives d ON d.id = v.directive_id WHERE " +
      StatesWhere("v.state", AwaitsAcknowledgement) +
      " AND d.expires_at > ? ORDER BY d.seq, v.agency"));
  q.Bind(1, now);
  std::vector<OpenDelivery> out;
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      return out;
    }
    out.push_back({q.Blob(0), q.Text(1), static_cast<int>(q.Int(2)), q.Int(3), q.Int(4), q.Int(5),
                   static_cast<DeliveryState>(q.Int(6))});
  }
}

Result<std::map<std::pair<Bytes, std::string>, std::set<std::pair<int, int>>>>
Escalations::FiredSteps(UnixMillis now) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, store_->Prepare(
      "SELECT e.directive_id, e.agency, e.step, e.repeat FROM escalations e "
      "JOIN directives d ON d.id = e.directive_id WHERE d.expires_at > ?"));
  q.Bind(1, now);
  std::map<std::pair<Bytes, std::string>, std::set<std::pair<int, int>>> out;
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      return out;
    }
    out[{q.Blob(0), q.Text(1)}].insert({static_cast<int>(q.Int(2)), static_cast<int>(q.Int(3))});
  }
}

Status Escalations::RecordStep(const EscalationRecord& r) {
  TOCSIN_ASSIGN_OR_RETURN(LedgerTransaction transaction, store_->Begin());
  TOCSIN_ASSIGN_OR_RETURN(Statement step, transaction.Prepare(
      "INSERT INTO escalations VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"));
  step.Bind(1, r.directive_id).Bind(2, r.agency).Bind(3, std::int64_t{r.step})
      .Bind(4, std::int64_t{r.repeat}).Bind(5, r.action).Bind(6, r.fired_at).Bind(7, r.outcome);
  TOCSIN_RETURN_IF_ERROR(step.Run());
  if (step.Changes() != 1) {
    return MakeError(ErrorCode::kInvalidArgument, "escalation step already recorded");
  }
  TOCSIN_ASSIGN_OR_RETURN(Statement task, transaction.Prepare(
      "INSERT INTO bridge_tasks (channel, directive_id, agency, contact, address, subject, text, "
      "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  for (const BridgeTask& t : r.tasks) {
    task.Reset();
    task.Bind(1, t.channel).Bind(2, t.directive_id).Bind(3, t.agency).Bind(4, t.contact)
        .Bind(5, t.address).Bind(6, t.subject).Bind(7, t.text).Bind(8, r.fired_at);
    TOCSIN_RETURN_IF_ERROR(task.Run());
  }
  transaction.Log(r.audit_entry, r.fired_at);
  return transaction.Commit();
}

Result<std::vector<BridgeTask>> Escalations::PendingTasks(const std::string& channel,
                                                     UnixMillis stale_before, std::size_t limit) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, store_->Prepare(
      "SELECT id, channel, directive_id, agency, contact, address, subject, text FROM bridge_tasks "
      "WHERE channel = ? AND outcome IS NULL AND (handed_at IS NULL OR handed_at < ?) "
      "ORDER BY id LIMIT ?"));
  q.Bind(1, channel).Bind(2, stale_before).Bind(3, static_cast<std::int64_t>(limit));
  std::vector<BridgeTask> out;
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      return out;
    }
    out.push_back({q.Int(0), q.Text(1), q.Blob(2), q.Text(3), q.Text(4), q.Text(5), q.Text(6),
                   q.Text(7)});
  }
}

Result<std::optional<BridgeTask>> Escalations::Task(std::int64_t id) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, store_->Prepare(
      "SELECT id, channel, directive_id, agency, contact, address, subject, text FROM bridge_tasks "
      "WHERE id = ?"));
  q.Bind(1, id);
  TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) {
    return std::optional<BridgeTask>();
  }
  return std::optional<BridgeTask>(
      BridgeTask{q.Int(0), q.Text(1), q.Blob(2), q.Text(3), q.Text(4), q.Text(5), q.Text(6),
                 q.Text(7)});
}

Status Escalations::MarkTasksHanded(const std::vector<std::int64_t>& ids, UnixMillis at) {
  if (ids.empty()) {
    return {};
  }
  TOCSIN_ASSIGN_OR_RETURN(LedgerTransaction transaction, store_->Begin());
  TOCSIN_ASSIGN_OR_RETURN(Statement q, transaction.Prepare(
      "UPDATE bridge_tasks SET handed_at = ? WHERE id = ?"));
  for (std::int64_t id : ids) {
    q.Reset();
    q.Bind(1, at).Bind(2, id);
    TOCSIN_RETURN_IF_ERROR(q.Run());
  }
  return transaction.Commit();
}

Status Escalations::RecordTaskOutcome(std::int64_t id, const std::string& channel,
                                 TaskOutcome outcome, const std::string& detail, UnixMillis at,
                                 const Bytes& audit_entry) {
  TOCSIN_ASSIGN_OR_RETURN(LedgerTransaction transaction, store_->Begin());
  TOCSIN_ASSIGN_OR_RETURN(Statement find, transaction.Prepare(
      "SELECT COALESCE(outcome, -1) FROM bridge_tasks WHERE id = ? AND channel = ?"));
  find.Bind(1, id).Bind(2, channel);
  TOCSIN_ASSIGN_OR_RETURN(bool known, find.Step());
  if (!known) {
    return MakeError(ErrorCode::kNotFound, "no " + channel + " task " + std::to_string(id));
  }
  auto before = find.Int(0);
  // Accepted only moves a task out of the hand-over; later reports win over it.
  if (before == static_cast<std::int64_t>(outcome) ||
      (outcome == TaskOutcome::kAccepted && before >= 0)) {
    return {};
  }
  TOCSIN_ASSIGN_OR_RETURN(Statement update, transaction.Prepare(
      "UPDATE bridge_tasks SET outcome = ?, detail = ?, updated_at = ? WHERE id = ?"));
  update.Bind(1, static_cast<std::int64_t>(outcome)).Bind(2, detail).Bind(3, at).Bind(4, id);
  TOCSIN_RETURN_IF_ERROR(update.Run());
  if (outcome != TaskOutcome::kAccepted) {
    transaction.Log(audit_entry, at);
  }
  return transaction.Commit();
}

Result<std::string> Escalations::AckCode(ByteView directive_id, const std::string& agency,
                                    UnixMillis expires_at,
                                    const std::function<std::string()>& make_code) {
  TOCSIN_ASSIGN_OR_RETURN(LedgerTransaction transaction, store_->Begin());  // fenced, as every write
  TOCSIN_ASSIGN_OR_RETURN(Statement find, transaction.Prepare(
      "SELECT code FROM ack_codes WHERE directive_id = ? AND agency = ?"));
  find.Bind(1, directive_id).Bind(2, agency);
  TOCSIN_ASSIGN_OR_RETURN(bool known, find.Step());
  if (known) {
    return find.Text(0);
  }
  std::string code = make_code();
  TOCSIN_ASSIGN_OR_RETURN(Statement insert, transaction.Prepare(
      "INSERT INTO ack_codes VALUES (?, ?, ?, ?)"));
  insert.Bind(1, directive_id).Bind(2, agency).Bind(3, code).Bind(4, expires_at);
  TOCSIN_RETURN_IF_ERROR(insert.Run());
  TOCSIN_RETURN_IF_ERROR(transaction.Commit());
  return code;
}

Result<std::vector<std::pair<Bytes, std::string>>> Escalations::AckCodes(const std::string& agency,
                                                                    UnixMillis now) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, store_->Prepare(
      "SELECT directive_id, code FROM ack_codes WHERE agency = ? AND expires_at > ?"));
  q.Bind(1, agency).Bind(2, now);
  std::vector<std::pair<Bytes, std::string>> out;
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      return out;
    }
    out.emplace_back(q.Blob(0), q.Text(1));
  }
}

Result<int> Escalations::CountCodeAttempt(const std::string& phone, UnixMillis at, UnixMillis since) {
  TOCSIN_ASSIGN_OR_RETURN(LedgerTransaction transaction, store_->Begin());
  TOCSIN_ASSIGN_OR_RETURN(Statement insert, transaction.Prepare("INSERT INTO code_attempts VALUES (?, ?)"));
  insert.Bind(1, phone).Bind(2, at);
  TOCSIN_RETURN_IF_ERROR(insert.Run());
  TOCSIN_ASSIGN_OR_RETURN(Statement count, transaction.Prepare(
      "SELECT COUNT(*) FROM code_attempts WHERE phone = ? AND at >= ?"));
  count.Bind(1, phone).Bind(2, since);
  TOCSIN_ASSIGN_OR_RETURN(bool row, count.Step());
  int attempts = row ? static_cast<int>(count.Int(0)) : 0;
  TOCSIN_RETURN_IF_ERROR(transaction.Commit());
  return attempts;
}

Status Escalations::RecordCodeAcknowledgement(ByteView directive_id, const std::string& agency,
                                              const std::string& phone, UnixMillis at,
                                              const Bytes& audit_entry) {
  TOCSIN_ASSIGN_OR_RETURN(LedgerTransaction transaction, store_->Begin());
  DeliveryMoves moves(transaction);
  TOCSIN_ASSIGN_OR_RETURN(bool moved,
                          moves.AcknowledgeByCode(directive_id, agency, at, "SMS code from " + phone));
  if (!moved) {
    return MakeError(ErrorCode::kInvalidArgument, "already acknowledged");
  }
  transaction.Log(audit_entry, at);
  return transaction.Commit();
}

}  // namespace tocsin::store
