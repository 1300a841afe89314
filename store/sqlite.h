// store/sqlite.h -- a small, strict wrapper over SQLite.
//
// Every database Tocsin opens runs in WAL mode with synchronous=FULL: a
// transaction that has committed survives power loss (SECURITY.md, item 29).
// A failed write or fsync is returned as kIoError and must be treated as
// fatal by daemons (item 30): they exit and recover on restart.
//
// The write-ahead log is folded back into the database file (checkpointed)
// by this wrapper after the commit that takes it past 1,000 pages, not by
// SQLite's automatic checkpoint, whose failures no caller ever sees: a
// failed checkpoint fails the statement that committed (its transaction is
// durable in the log all the same) with a message that says so.
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

// How thoroughly Open checks the file: PRAGMA quick_check (every page and
// record, O(size)), or integrity_check, which also matches every index to
// its table (slower, for an operator's request).
enum class Integrity { kQuick, kFull };

// Per connection, at a stable address: what the checkpoint hook saw.
struct WalState {
  std::string path;
  std::uint64_t checkpoints = 0;
  std::uint64_t failed_checkpoints = 0;
  int unreported_failure = 0;  // a checkpoint's error code no statement has reported yet
};
using WalStatePtr = std::unique_ptr<WalState>;

class Database {
 public:
  // Opens (creating if needed, mode 0600), applies `migrations` in order
  // (migrations[i] moves the schema from version i to i + 1, PRAGMA
  // user_version, each in its own transaction), then checks the file:
  // damage SQLite can see is an error that says to restore from a backup.
  static Result<Database> Open(const std::string& path,
                               const std::vector<std::string_view>& migrations,
                               Integrity integrity = Integrity::kQuick);

  Status Execute(std::string_view sql);
  Status CheckIntegrity(Integrity integrity);
  Result<Statement> Prepare(std::string_view sql);
  Status Begin();    // BEGIN IMMEDIATE
  Status Commit();   // durable when it returns OK
  void Rollback();   // best effort

  sqlite3* handle() { return db_.get(); }
  const std::string& path() const { return path_; }
  const WalState& wal() const { return *wal_; }

 private:
  Database(DatabasePtr db, std::string path);
  tl::unexpected<Error> Failure(std::string_view what);

  DatabasePtr db_;
  std::string path_;
  WalStatePtr wal_;
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
  Statement(sqlite3* db, WalState* wal, StatementPtr statement)
      : db_(db), wal_(wal), statement_(std::move(statement)) {}
  sqlite3* db_;
  WalState* wal_;
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
