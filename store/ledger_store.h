// store/ledger_store.h -- what every part of the gateway's ledger shares: one
// database connection, the audit log over it, and the one write transaction
// type through which every part changes state (store/ledger.h).
//
// A LedgerTransaction stages audit-log entries beside the rows it writes:
// an entry exists if and only if the change it records was committed
// (SECURITY.md, the audit log). On PostgreSQL, Begin() also fences the
// transaction with the writer's epoch (docs/ha.md), so no part can write
// unfenced. Not thread-safe: the gateway's loop owns the ledger.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "store/audit_log.h"
#include "store/sql.h"

namespace tocsin::store {

class LedgerStore;

// An open write transaction; rolled back, with its staged entries
// discarded, unless Commit() succeeds.
class LedgerTransaction {
 public:
  LedgerTransaction(LedgerTransaction&& other) noexcept;
  LedgerTransaction(const LedgerTransaction&) = delete;
  LedgerTransaction& operator=(const LedgerTransaction&) = delete;
  ~LedgerTransaction();

  Result<Statement> Prepare(std::string_view sql);
  // Appends `entry` to the audit log in this transaction, as its next leaf
  // (its row is written with the others just before the commit).
  void Log(ByteView entry, UnixMillis at);
  // The index the next Log() gives its entry (a promise's position).
  std::uint64_t next_log_index() const;
  // Writes the staged entries' rows, then commits: durable when it returns
  // OK, and the staged entries join the log's tree.
  Status Commit();

 private:
  friend class LedgerStore;
  LedgerTransaction(LedgerStore& store, Transaction transaction)
      : store_(&store), transaction_(std::move(transaction)) {}

  LedgerStore* store_;  // null once moved from
  Transaction transaction_;
  bool committed_ = false;
};

// Owns the connection and the audit log; the ledger's parts borrow it.
class LedgerStore {
 public:
  // Reads the audit log as the database holds it (AuditLog::Load, calling
  // `between_pages` between its pages).
  static Result<std::unique_ptr<LedgerStore>> Over(std::unique_ptr<Connection> db,
                                                   const std::function<Status()>& between_pages);

  Result<LedgerTransaction> Begin();
  // For reads outside a transaction.
  Result<Statement> Prepare(std::string_view sql) { return db_->Prepare(sql); }

  Connection& connection() { return *db_; }
  const Connection& connection() const { return *db_; }
  AuditLog& audit_log() { return audit_; }
  const AuditLog& audit_log() const { return audit_; }

 private:
  LedgerStore(std::unique_ptr<Connection> db, AuditLog audit)
      : db_(std::move(db)), audit_(std::move(audit)) {}

  std::unique_ptr<Connection> db_;  // never null
  AuditLog audit_;
};

}  // namespace tocsin::store
