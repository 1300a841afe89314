#include "store/sqlite.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

namespace tocsin::store {
namespace {

constexpr int kCheckpointPages = 1000;  // SQLite's own default

tl::unexpected<Error> SqliteError(sqlite3* db, std::string_view what, WalState* wal = nullptr) {
  if (wal != nullptr && wal->unreported_failure != 0) {
    int code = std::exchange(wal->unreported_failure, 0);
    return MakeError(ErrorCode::kIoError,
                     std::string(what) + ": committed to the write-ahead log, but writing it "
                     "back into " + wal->path + " failed (" + sqlite3_errstr(code) + "; " +
                     std::to_string(wal->failed_checkpoints) + " failed checkpoint(s))");
  }
  std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  return MakeError(ErrorCode::kIoError, std::string(what) + ": " + message);
}

// sqlite3_wal_hook: runs after every commit, in place of the automatic
// checkpoint. A busy checkpoint (another connection holds the log) is
// retried after the next commit; any other failure is returned, which makes
// the committing statement report an error.
int CheckpointAfterCommit(void* state, sqlite3* db, const char* schema, int pages) {
  if (pages < kCheckpointPages) {
    return SQLITE_OK;
  }
  auto* wal = static_cast<WalState*>(state);
  int rc = sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    wal->checkpoints += rc == SQLITE_OK ? 1 : 0;
    return SQLITE_OK;
  }
  ++wal->failed_checkpoints;
  wal->unreported_failure = rc;
  return rc;
}

// A statement of one connection; `db` and `wal` outlive it (the Database
// owns both, and a statement is not used after its connection closes).
class SqliteStatement final : public StatementImpl {
 public:
  SqliteStatement(sqlite3* db, WalState* wal, StatementPtr statement)
      : db_(db), wal_(wal), statement_(std::move(statement)) {}

  void Bind(int index, std::int64_t value) override {
    Note(sqlite3_bind_int64(statement_.get(), index, value));
  }
  void Bind(int index, std::string_view text) override {
    Note(sqlite3_bind_text(statement_.get(), index, text.data(), static_cast<int>(text.size()),
                           SQLITE_TRANSIENT));
  }
  void Bind(int index, ByteView blob) override {
    Note(sqlite3_bind_blob(statement_.get(), index, blob.data(), static_cast<int>(blob.size()),
                           SQLITE_TRANSIENT));
  }
  void BindNull(int index) override { Note(sqlite3_bind_null(statement_.get(), index)); }

  Result<bool> Step() override {
    if (bind_error_ != SQLITE_OK) {
      return MakeError(ErrorCode::kInternal, std::string("bind: ") + sqlite3_errstr(bind_error_));
    }
    int rc = sqlite3_step(statement_.get());
    if (rc == SQLITE_ROW) {
      return true;
    }
    if (rc == SQLITE_DONE) {
      changes_ = sqlite3_changes(db_);
      return false;
    }
    return SqliteError(db_, "step", wal_);
  }

  void Reset() override {
    sqlite3_reset(statement_.get());
    sqlite3_clear_bindings(statement_.get());
    bind_error_ = SQLITE_OK;
    changes_ = 0;
  }

  int Changes() const override { return changes_; }

  std::int64_t Int(int column) const override {
    return sqlite3_column_int64(statement_.get(), column);
  }
  std::string Text(int column) const override {
    const unsigned char* text = sqlite3_column_text(statement_.get(), column);
    int size = sqlite3_column_bytes(statement_.get(), column);
    return text != nullptr
               ? std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size))
               : std::string();
  }
  Bytes Blob(int column) const override {
    const auto* data =
        static_cast<const std::uint8_t*>(sqlite3_column_blob(statement_.get(), column));
    int size = sqlite3_column_bytes(statement_.get(), column);
    return data != nullptr ? Bytes(data, data + size) : Bytes();
  }
  bool IsNull(int column) const override {
    return sqlite3_column_type(statement_.get(), column) == SQLITE_NULL;
  }

 private:
  void Note(int rc) { bind_error_ = bind_error_ != SQLITE_OK ? bind_error_ : rc; }

  sqlite3* db_;
  WalState* wal_;
  StatementPtr statement_;
  int bind_error_ = SQLITE_OK;
  int changes_ = 0;  // of the last run to completion
};

}  // namespace

Result<Database> Database::Open(const std::string& path,
                                const std::vector<std::string_view>& migrations,
                                Integrity integrity) {
  sqlite3* raw = nullptr;
  mode_t old_mask = ::umask(077);
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  ::umask(old_mask);
  DatabasePtr db(raw);  // owned even on failure
  if (rc != SQLITE_OK) {
    return SqliteError(raw, "open " + path);
  }
  Database database(std::move(db), path);
  sqlite3_busy_timeout(database.handle(), 5000);
  // Switching to WAL takes an exclusive lock and does not wait on the busy
  // handler: when another process is opening the same file, retry briefly.
  Status configured;
  for (int attempt = 0; attempt < 100; ++attempt) {
    configured = database.Execute(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
    int code = sqlite3_errcode(database.handle());
    if (configured || (code != SQLITE_BUSY && code != SQLITE_LOCKED)) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  TOCSIN_RETURN_IF_ERROR(configured);
  // Apply migrations one at a time, each re-reading the version inside its
  // own write transaction, so two processes opening a new file at once
  // cannot both apply the same step.
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(database));
    std::size_t current = 0;
    {
      TOCSIN_ASSIGN_OR_RETURN(Statement version, database.Prepare("PRAGMA user_version"));
      TOCSIN_RETURN_IF_ERROR(version.Step());
      current = static_cast<std::size_t>(version.Int(0));
    }
    if (current > migrations.size()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       path + " has schema version " + std::to_string(current) +
                           ", newer than this build knows (" +
                           std::to_string(migrations.size()) + ")");
    }
    if (current == migrations.size()) {
      TOCSIN_RETURN_IF_ERROR(transaction.Commit());
      break;
    }
    TOCSIN_RETURN_IF_ERROR(database.Execute(migrations[current]));
    TOCSIN_RETURN_IF_ERROR(
        database.Execute("PRAGMA user_version=" + std::to_string(current + 1)));
    TOCSIN_RETURN_IF_ERROR(transaction.Commit());
  }
  TOCSIN_RETURN_IF_ERROR(database.CheckIntegrity(integrity));
  return database;
}

Status Database::CheckIntegrity(Integrity integrity) {
  const char* pragma = integrity == Integrity::kFull ? "integrity_check" : "quick_check";
  TOCSIN_ASSIGN_OR_RETURN(Statement check, Prepare(std::string("PRAGMA ") + pragma));
  TOCSIN_ASSIGN_OR_RETURN(bool row, check.Step());
  if (row && check.Text(0) == "ok") {
    return {};
  }
  std::string found = row ? check.Text(0) : "no answer";
  std::replace(found.begin(), found.end(), '\n', ' ');
  return MakeError(ErrorCode::kIoError, path_ + " fails SQLite's " + pragma + " (" +
                                            found.substr(0, 240) +
                                            "): restore it from a backup before serving from it");
}

Database::Database(DatabasePtr db, std::string path)
    : db_(std::move(db)), path_(std::move(path)), wal_(std::make_unique<WalState>()) {
  wal_->path = path_;
  sqlite3_wal_hook(db_.get(), &CheckpointAfterCommit, wal_.get());
}

tl::unexpected<Error> Database::Failure(std::string_view what) {
  return SqliteError(db_.get(), what, wal_.get());
}

Status Database::Execute(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  if (sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string why = message != nullptr ? message : "unknown";
    sqlite3_free(message);
    if (wal_->unreported_failure != 0) {
      return SqliteError(db_.get(), path_, wal_.get());
    }
    return MakeError(ErrorCode::kIoError, path_ + ": " + why);
  }
  return {};
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr) !=
      SQLITE_OK) {
    return Failure("prepare");
  }
  return Statement(std::make_unique<SqliteStatement>(db_.get(), wal_.get(), StatementPtr(raw)));
}

Status Database::Begin() { return Execute("BEGIN IMMEDIATE"); }
Status Database::Commit() { return Execute("COMMIT"); }
void Database::Rollback() { (void)Execute("ROLLBACK"); }

}  // namespace tocsin::store
