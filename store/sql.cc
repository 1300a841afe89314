#include "store/sql.h"

namespace tocsin::store {

Status Statement::Run() {
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) {
      return {};
    }
  }
}

Result<std::vector<Bytes>> Statement::Blobs(int column) {
  std::vector<Bytes> out;
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) {
      return out;
    }
    out.push_back(Blob(column));
  }
}

Result<Transaction> Transaction::Begin(Connection& db) {
  TOCSIN_RETURN_IF_ERROR(db.Begin());
  return Transaction(db);
}

Transaction::~Transaction() {
  if (!done_) {
    db_->Rollback();
  }
}

Status Transaction::Commit() {
  done_ = true;
  Status committed = db_->Commit();
  if (!committed) {
    db_->Rollback();
  }
  return committed;
}

}  // namespace tocsin::store
