// store/sqlite.h -- a small, strict wrapper over SQLite.
//
// Every database Tocsin opens runs in WAL mode with synchronous=FULL: a
// transaction that has committed survives power loss (SECURITY.md, item 29).
// A failed write or fsync is returned as kIoError and must be treated as
// fatal by daemons (item 30): they exit and recover on restart.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/c_free.h"
#include "common/result.h"

namespace tocsin::store {

using DatabasePtr = std::unique_ptr<sqlite3, CFree<&sqlite3_close_v2>>;
using StatementPtr = std::unique_ptr<sqlite3_stmt, CFree<&sqlite3_finalize>>;

class Statement;

class Database {
 public:
  // Opens (creating if needed, mode 0600) and applies `migrations` in order:
  // migrations[i] moves the schema from version i to i + 1 (PRAGMA
  // user_version), each in its own transaction.
  static Result<Database> Open(const std::string& path,
                               const std::vector<std::string_view>& migrations);

  Status Execute(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);
  Status Begin();    // BEGIN IMMEDIATE
  Status Commit();   // durable when it returns OK
  void Rollback();   // best effort

  sqlite3* handle() { return db_.get(); }
  const std::string& path() const { return path_; }

 private:
  Database(DatabasePtr db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}
  tl::unexpected<Error> Failure(std::string_view what);

  DatabasePtr db_;
  std::string path_;
};

// A prepared statement. Bind* indexes start at 1, as in SQLite.
class Statement {
 public:
  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, ByteView blob);
  Statement& BindNull(int index);
  // Steps once: true when a row is available, false when done.
  Result<bool> Step();
  // Steps to completion (for writes).
  Status Run();
  // Steps to completion, collecting one blob column of every row.
  Result<std::vector<Bytes>> Blobs(int column);
  void Reset();
  // Rows changed by the last write on this connection (sqlite3_changes).
  int Changes() const { return sqlite3_changes(db_); }

  std::int64_t Int(int column) const;
  std::string Text(int column) const;
  Bytes Blob(int column) const;
  bool IsNull(int column) const;

 private:
  friend class Database;
  Statement(sqlite3* db, StatementPtr statement) : db_(db), statement_(std::move(statement)) {}
  sqlite3* db_;
  StatementPtr statement_;
  int bind_error_ = SQLITE_OK;
};

// Rolls back unless Commit() was called.
class Transaction {
 public:
  static Result<Transaction> Begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_), done_(other.done_) { other.done_ = true; }
  Transaction(const Transaction&) = delete;
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(Database& db) : db_(&db) {}
  Database* db_;
  bool done_ = false;
};

}  // namespace tocsin::store
