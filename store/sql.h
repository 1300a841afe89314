// store/sql.h -- what the gateway's ledger needs of an SQL database, with
// two implementations: SQLite (store/sqlite.h, the embedded default) and
// PostgreSQL (store/postgresql.h, several gateways on one cluster).
//
// The ledger's statements are written once, in the SQL both engines accept:
// `?` or `?N` placeholders, ON CONFLICT DO NOTHING, RETURNING, CASE in place
// of the two engines' different scalar MIN/MAX. Where a statement must
// differ (a planner hint, a schema), the caller asks dialect().
//
// Values are 64-bit integers, UTF-8 text and byte strings; a column read as
// another kind than it holds is the caller's bug. A write that fails is
// kIoError and fatal to a daemon (SECURITY.md, item 30): it exits and
// recovers from the store on restart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"

namespace tocsin::store {

enum class Dialect { kSqlite, kPostgresql };

// One engine's prepared statement (implementations: store/sqlite.cc,
// store/postgresql.cc). Bind indexes start at 1.
class StatementImpl {
 public:
  virtual ~StatementImpl() = default;
  virtual void Bind(int index, std::int64_t value) = 0;
  virtual void Bind(int index, std::string_view text) = 0;
  virtual void Bind(int index, ByteView blob) = 0;
  virtual void BindNull(int index) = 0;
  virtual Result<bool> Step() = 0;
  virtual void Reset() = 0;
  virtual int Changes() const = 0;
  virtual std::int64_t Int(int column) const = 0;
  virtual std::string Text(int column) const = 0;
  virtual Bytes Blob(int column) const = 0;
  virtual bool IsNull(int column) const = 0;
};

// A prepared statement, whichever the engine.
class Statement {
 public:
  explicit Statement(std::unique_ptr<StatementImpl> impl) : impl_(std::move(impl)) {}

  Statement& Bind(int index, std::int64_t value) { impl_->Bind(index, value); return *this; }
  Statement& Bind(int index, std::string_view text) { impl_->Bind(index, text); return *this; }
  Statement& Bind(int index, ByteView blob) { impl_->Bind(index, blob); return *this; }
  Statement& BindNull(int index) { impl_->BindNull(index); return *this; }
  // Steps once: true when a row is available, false when done.
  Result<bool> Step() { return impl_->Step(); }
  // Steps to completion (for writes).
  Status Run();
  // Steps to completion, collecting one blob column of every row.
  Result<std::vector<Bytes>> Blobs(int column);
  // Ready to run again: bindings cleared.
  void Reset() { impl_->Reset(); }
  // Rows changed by this statement's last run.
  int Changes() const { return impl_->Changes(); }

  std::int64_t Int(int column) const { return impl_->Int(column); }
  std::string Text(int column) const { return impl_->Text(column); }
  Bytes Blob(int column) const { return impl_->Blob(column); }
  bool IsNull(int column) const { return impl_->IsNull(column); }

 private:
  std::unique_ptr<StatementImpl> impl_;
};

// A connection to one database. Not thread-safe: one owner at a time.
class Connection {
 public:
  virtual ~Connection() = default;

  virtual Dialect dialect() const = 0;
  // What an error message calls the database: a path, or host:port/name.
  virtual const std::string& description() const = 0;

  // Runs statements without parameters (several, separated by `;`).
  virtual Status Execute(std::string_view sql) = 0;
  virtual Result<Statement> Prepare(std::string_view sql) = 0;
  // A write transaction: one writer at a time (SQLite: BEGIN IMMEDIATE).
  virtual Status Begin() = 0;
  virtual Status Commit() = 0;  // durable when it returns OK
  virtual void Rollback() = 0;  // best effort

 protected:
  Connection() = default;
  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;
};

// Rolls back unless Commit() was called.
class Transaction {
 public:
  static Result<Transaction> Begin(Connection& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_), done_(other.done_) { other.done_ = true; }
  Transaction(const Transaction&) = delete;
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(Connection& db) : db_(&db) {}
  Connection* db_;
  bool done_ = false;
};

// How many of `remaining` rows the next multi-row statement takes: the
// largest power of two not above `remaining` or `max` (itself a power of
// two). Statement texts then come in at most log2(max) + 1 sizes, which
// bounds what a session prepares (PostgreSQL) whatever the row count.
constexpr std::size_t RowsPerStatement(std::size_t remaining, std::size_t max) {
  std::size_t rows = max;
  while (rows > remaining && rows > 1) {
    rows /= 2;
  }
  return rows;
}

// Calls `f` with `query` positioned on each row in turn.
template <typename F>
Status ForEachRow(Statement& query, F&& f) {
  while (true) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) {
      return {};
    }
    f(query);
  }
}

}  // namespace tocsin::store
