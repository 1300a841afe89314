// store/audit_log.h -- the audit log's storage: entries as rows of the
// gateway's ledger (store/sql.h) and leaves of an in-memory RFC 6962 tree, and the
// signed checkpoints over it.
//
// Entries are opaque bytes here (protocol/audit.h gives them meaning). They
// are staged inside the caller's transaction and written, several rows per
// statement, just before its commit (WriteStaged), so an entry exists if and
// only if the state change it records was committed; Publish() adds the
// staged leaves to the tree once the commit succeeded. Not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "crypto/merkle.h"
#include "store/sql.h"

namespace tocsin::store {

struct StoredCheckpoint {
  std::uint64_t size = 0;
  std::string note;  // the signed note, as signed
  UnixMillis signed_at = 0;
};

// Where an entry sits in the log, and its time.
struct LogPosition {
  std::uint64_t index = 0;
  UnixMillis at = 0;
};

class AuditLog {
 public:
  // Reads every leaf hash (the tables are the ledger's, already migrated),
  // `page` rows per query, calling `between_pages` after each full page (a
  // new writer renews its lease there, so that a long log cannot outlast
  // it); an error from it stops the load.
  static constexpr std::size_t kLoadPage = 65536;
  static Result<AuditLog> Load(Connection& db, const std::function<Status()>& between_pages = {},
                               std::size_t page = kLoadPage);

  // Inside an open transaction: stages the entry as the next leaf.
  void Stage(ByteView entry, UnixMillis at);
  // Writes the rows of the entries staged since the last call, in the
  // caller's transaction, up to kRowsPerInsert per statement (power-of-two
  // counts: at most 7 statement texts).
  static constexpr std::size_t kRowsPerInsert = 64;
  Status WriteStaged(Connection& db);
  void Publish();  // the transaction committed
  void Discard();  // it did not

  std::uint64_t size() const { return tree_.size(); }
  // The index the next Stage() gives its entry.
  std::uint64_t next_index() const { return tree_.size() + staged_.size(); }
  // The log's clock: the latest time of any entry or checkpoint. The next
  // entry or checkpoint is never dated earlier (docs/audit.md section 2).
  UnixMillis last_time() const { return last_time_; }
  void NoteCheckpoint(UnixMillis signed_at) { last_time_ = std::max(last_time_, signed_at); }
  const crypto::MerkleTree& tree() const { return tree_; }

 private:
  AuditLog() = default;

  struct StagedEntry {
    crypto::Hash leaf;
    UnixMillis at = 0;
    Bytes entry;
  };

  crypto::MerkleTree tree_;
  std::vector<StagedEntry> staged_;
  std::size_t written_ = 0;  // of staged_, rows already written
  UnixMillis last_time_ = 0;
};

}  // namespace tocsin::store
