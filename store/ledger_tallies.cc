// Ledger::Tallies: the counts behind the gateway's metrics. The two delivery
// counts walk the directives not expired (directives_by_expiry), then their
// deliveries by primary key (on SQLite, CROSS JOIN fixes that order; on
// PostgreSQL the planner chooses): their cost is the open deliveries,
// whatever the history.
#include "store/ledger.h"

#include "store/delivery_moves.h"

namespace tocsin::store {
namespace {

// Adds a row's (state, count) into `counts`, ignoring a state out of range.
template <std::size_t N>
void AddByState(std::array<std::uint64_t, N>& counts, const Statement& row) {
  std::int64_t state = row.Int(0);
  if (state >= 0 && state < static_cast<std::int64_t>(N)) {
    counts[static_cast<std::size_t>(state)] += static_cast<std::uint64_t>(row.Int(1));
  }
}

}  // namespace

Result<LedgerTallies> Ledger::Tallies(UnixMillis now) {
  LedgerTallies tallies;
  const std::string join = dialect() == Dialect::kSqlite ? "CROSS JOIN" : "JOIN";
  // A refusal is a receipt row; the delivery row stays below delivered.
  TOCSIN_ASSIGN_OR_RETURN(Statement deliveries, store_->Prepare(
      "SELECT CASE WHEN " + StatesWhere("v.state", Undelivered) +
      " AND EXISTS (SELECT 1 FROM receipts r WHERE r.directive_id = v.directive_id AND "
      "r.agency = v.agency AND r.kind = " + KindNumber(ReceiptKind::kRefusal) + ") THEN " +
      StateNumber(DeliveryState::kRefused) + " ELSE v.state END AS s, COUNT(*) FROM directives d " +
      join + " deliveries v ON v.directive_id = d.id WHERE d.expires_at > ? GROUP BY s"));
  deliveries.Bind(1, now);
  TOCSIN_RETURN_IF_ERROR(
      ForEachRow(deliveries, [&](const Statement& row) { AddByState(tallies.deliveries, row); }));
  TOCSIN_ASSIGN_OR_RETURN(Statement directives, store_->Prepare(
      "SELECT lowest, COUNT(*) FROM (SELECT MIN(v.state) AS lowest FROM directives d " +
      join + " deliveries v ON v.directive_id = d.id WHERE d.expires_at > ? "
      "GROUP BY d.id) AS per_directive GROUP BY lowest"));
  directives.Bind(1, now);
  TOCSIN_RETURN_IF_ERROR(
      ForEachRow(directives, [&](const Statement& row) { AddByState(tallies.directives, row); }));
  TOCSIN_ASSIGN_OR_RETURN(Statement expired,
                          store_->Prepare("SELECT COUNT(*) FROM directives WHERE expires_at <= ?"));
  expired.Bind(1, now);
  TOCSIN_ASSIGN_OR_RETURN(bool counted, expired.Step());
  tallies.expired_directives = counted ? static_cast<std::uint64_t>(expired.Int(0)) : 0;
  TOCSIN_ASSIGN_OR_RETURN(Statement steps,
                          store_->Prepare("SELECT action, COUNT(*) FROM escalations GROUP BY action"));
  TOCSIN_RETURN_IF_ERROR(ForEachRow(steps, [&](const Statement& row) {
    tallies.escalations[row.Text(0)] = static_cast<std::uint64_t>(row.Int(1));
  }));
  TOCSIN_ASSIGN_OR_RETURN(Statement tasks, store_->Prepare(
      "SELECT channel, CASE WHEN outcome IS NOT NULL THEN outcome WHEN handed_at IS NULL THEN -1 "
      "ELSE -2 END AS o, COUNT(*) FROM bridge_tasks GROUP BY channel, o"));
  TOCSIN_RETURN_IF_ERROR(ForEachRow(tasks, [&](const Statement& row) {
    tallies.bridge_tasks[{row.Text(0), static_cast<int>(row.Int(1))}] =
        static_cast<std::uint64_t>(row.Int(2));
  }));
  return tallies;
}

}  // namespace tocsin::store
