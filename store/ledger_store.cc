#include "store/ledger_store.h"

#include <utility>

namespace tocsin::store {

LedgerTransaction::LedgerTransaction(LedgerTransaction&& other) noexcept
    : store_(std::exchange(other.store_, nullptr)),
      transaction_(std::move(other.transaction_)),
      committed_(other.committed_) {}

LedgerTransaction::~LedgerTransaction() {
  if (store_ != nullptr && !committed_) {
    store_->audit_log().Discard();  // the Transaction member rolls back
  }
}

Result<Statement> LedgerTransaction::Prepare(std::string_view sql) {
  return store_->Prepare(sql);
}

void LedgerTransaction::Log(ByteView entry, UnixMillis at) { store_->audit_log().Stage(entry, at); }

std::uint64_t LedgerTransaction::next_log_index() const {
  return store_->audit_log().next_index();
}

Status LedgerTransaction::Commit() {
  committed_ = true;
  Status written = store_->audit_log().WriteStaged(store_->connection());
  if (!written) {
    store_->audit_log().Discard();  // the Transaction member rolls back
    return written;
  }
  Status committed = transaction_.Commit();
  if (committed) {
    store_->audit_log().Publish();
  } else {
    store_->audit_log().Discard();
  }
  return committed;
}

Result<std::unique_ptr<LedgerStore>> LedgerStore::Over(
    std::unique_ptr<Connection> db, const std::function<Status()>& between_pages) {
  TOCSIN_ASSIGN_OR_RETURN(AuditLog audit, AuditLog::Load(*db, between_pages));
  return std::unique_ptr<LedgerStore>(new LedgerStore(std::move(db), std::move(audit)));
}

Result<LedgerTransaction> LedgerStore::Begin() {
  audit_.Discard();  // leaves staged by a transaction that failed half-way
  TOCSIN_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(*db_));
  return LedgerTransaction(*this, std::move(transaction));
}

}  // namespace tocsin::store
