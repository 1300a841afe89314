// The SQLite wrapper's failure reporting, with a VFS that fails on request.
#include "store/sqlite.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>

#include "tests/testing/temp_dir.h"

namespace tocsin::store {
namespace {

// A VFS over the default one that fails xSync on main database files while
// armed: what a dying disk does to a checkpoint (the log's own syncs pass).
std::atomic<bool> fail_main_syncs{false};
sqlite3_vfs* real_vfs = nullptr;

struct FaultyFile {
  sqlite3_file base;
  sqlite3_file* real;
  bool main_db;
};

sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<FaultyFile*>(f)->real; }

int Close(sqlite3_file* f) { return Real(f)->pMethods->xClose(Real(f)); }
int Read(sqlite3_file* f, void* b, int n, sqlite3_int64 o) {
  return Real(f)->pMethods->xRead(Real(f), b, n, o);
}
int Write(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
  return Real(f)->pMethods->xWrite(Real(f), b, n, o);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  if (reinterpret_cast<FaultyFile*>(f)->main_db && fail_main_syncs) {
    return SQLITE_IOERR_FSYNC;
  }
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int Lock(sqlite3_file* f, int l) { return Real(f)->pMethods->xLock(Real(f), l); }
int Unlock(sqlite3_file* f, int l) { return Real(f)->pMethods->xUnlock(Real(f), l); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShmMap(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), page, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int del) { return Real(f)->pMethods->xShmUnmap(Real(f), del); }

// Version 2: no memory-mapped reads (xFetch), which this test does not need.
const sqlite3_io_methods kFaultyMethods = {
    2,        Close,           Read,        Write,       Truncate, Sync,
    FileSize, Lock,            Unlock,      CheckReservedLock,     FileControl,
    SectorSize, DeviceCharacteristics, ShmMap, ShmLock, ShmBarrier, ShmUnmap,
    nullptr,  nullptr};

int Open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* faulty = reinterpret_cast<FaultyFile*>(file);
  faulty->real = reinterpret_cast<sqlite3_file*>(faulty + 1);
  faulty->main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
  int rc = real_vfs->xOpen(real_vfs, name, faulty->real, flags, out_flags);
  faulty->base.pMethods = faulty->real->pMethods != nullptr ? &kFaultyMethods : nullptr;
  return rc;
}
int Delete(sqlite3_vfs*, const char* name, int sync) {
  return real_vfs->xDelete(real_vfs, name, sync);
}
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return real_vfs->xAccess(real_vfs, name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return real_vfs->xFullPathname(real_vfs, name, size, out);
}

// Makes the faulty VFS the default for as long as it lives.
class FaultyVfsScope {
 public:
  FaultyVfsScope() {
    real_vfs = sqlite3_vfs_find(nullptr);
    std::memcpy(&vfs_, real_vfs, sizeof vfs_);
    vfs_.iVersion = 1;  // no xCurrentTimeInt64 or system-call overrides
    vfs_.szOsFile = static_cast<int>(sizeof(FaultyFile)) + real_vfs->szOsFile;
    vfs_.pNext = nullptr;
    vfs_.zName = "tocsin-faulty";
    vfs_.xOpen = Open;
    vfs_.xDelete = Delete;
    vfs_.xAccess = Access;
    vfs_.xFullPathname = FullPathname;
    sqlite3_vfs_register(&vfs_, 1);
  }
  ~FaultyVfsScope() {
    fail_main_syncs = false;
    sqlite3_vfs_unregister(&vfs_);
    sqlite3_vfs_register(real_vfs, 1);
  }

 private:
  sqlite3_vfs vfs_{};
};

// Commits one 3 KiB row at a time until the checkpoint hook has run `target`
// checkpoints (passed or failed), counting the attempts in `commits`;
// returns the first failure, if any.
Status CommitUntilCheckpoint(Database& db, std::uint64_t target, int& commits) {
  Result<Statement> insert = db.Prepare("INSERT INTO t(v) VALUES (zeroblob(3000))");
  REQUIRE(insert);
  for (int i = 0; i < 100000; ++i) {
    if (db.wal().checkpoints + db.wal().failed_checkpoints >= target) {
      return {};
    }
    insert->Reset();
    ++commits;
    TOCSIN_RETURN_IF_ERROR(insert->Run());
  }
  FAIL("no checkpoint after 100,000 commits");
  return {};
}

TEST_CASE("a failed checkpoint fails the commit that ran it, loudly and counted") {
  FaultyVfsScope faulty;
  testing::TempDir dir;
  Result<Database> db = Database::Open(dir / "t.db", {"CREATE TABLE t(v BLOB)"});
  REQUIRE(db);

  int commits = 0;
  REQUIRE(CommitUntilCheckpoint(*db, 1, commits));
  CHECK(db->wal().checkpoints == 1);
  CHECK(db->wal().failed_checkpoints == 0);

  fail_main_syncs = true;
  Status failed = CommitUntilCheckpoint(*db, 2, commits);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == ErrorCode::kIoError);
  CHECK_THAT(failed.error().context,
             Catch::Contains("committed to the write-ahead log, but writing it back into") &&
                 Catch::Contains("t.db failed") && Catch::Contains("1 failed checkpoint"));
  CHECK(db->wal().failed_checkpoints == 1);

  // The disk recovers: the next checkpoint passes, and every row is there,
  // the one whose commit reported the failure too.
  fail_main_syncs = false;
  REQUIRE(CommitUntilCheckpoint(*db, 3, commits));
  Result<Statement> count = db->Prepare("SELECT count(*) FROM t");
  REQUIRE(count);
  REQUIRE(count->Step());
  CHECK(count->Int(0) == commits);
}

TEST_CASE("a transaction whose commit ran a failed checkpoint reports it") {
  FaultyVfsScope faulty;
  testing::TempDir dir;
  Result<Database> db = Database::Open(dir / "t.db", {"CREATE TABLE t(v BLOB)"});
  REQUIRE(db);
  fail_main_syncs = true;
  Status failed;
  for (int i = 0; i < 100000 && failed; ++i) {
    Result<Transaction> transaction = Transaction::Begin(*db);
    REQUIRE(transaction);
    REQUIRE(db->Execute("INSERT INTO t(v) VALUES (zeroblob(3000))"));
    failed = transaction->Commit();
  }
  REQUIRE_FALSE(failed);
  CHECK_THAT(failed.error().context, Catch::Contains("writing it back into"));
}

}  // namespace
}  // namespace tocsin::store
