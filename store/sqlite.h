// store/sqlite.h -- a small, strict wrapper over SQLite: the agency client's
// inbox, a bridge's queue, and the gateway's embedded ledger (store/sql.h).
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
#include "store/sql.h"

namespace tocsin::store {

using DatabasePtr = std::unique_ptr<sqlite3, CFree<&sqlite3_close_v2>>;
using StatementPtr = std::unique_ptr<sqlite3_stmt, CFree<&sqlite3_finalize>>;

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

class Database final : public Connection {
 public:
  // Opens (creating if needed, mode 0600), applies `migrations` in order
  // (migrations[i] moves the schema from version i to i + 1, PRAGMA
  // user_version, each in its own transaction), then checks the file:
  // damage SQLite can see is an error that says to restore from a backup.
  static Result<Database> Open(const std::string& path,
                               const std::vector<std::string_view>& migrations,
                               Integrity integrity = Integrity::kQuick);

  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;

  Dialect dialect() const override { return Dialect::kSqlite; }
  const std::string& description() const override { return path_; }
  Status Execute(std::string_view sql) override;
  Result<Statement> Prepare(std::string_view sql) override;
  Status Begin() override;   // BEGIN IMMEDIATE
  Status Commit() override;  // durable when it returns OK
  void Rollback() override;  // best effort

  Status CheckIntegrity(Integrity integrity);
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

}  // namespace tocsin::store
