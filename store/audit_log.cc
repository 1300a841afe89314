#include "store/audit_log.h"

namespace tocsin::store {

Result<AuditLog> AuditLog::Load(Connection& db, const std::function<Status()>& between_pages,
                                std::size_t page) {
  AuditLog log;
  page = std::max<std::size_t>(page, 1);
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db.Prepare(
      "SELECT idx, leaf_hash, at FROM audit_entries WHERE idx >= ? ORDER BY idx LIMIT ?"));
  for (std::size_t rows = page; rows == page;) {
    if (log.tree_.size() > 0 && between_pages) {
      TOCSIN_RETURN_IF_ERROR(between_pages());
    }
    q.Reset();
    q.Bind(1, static_cast<std::int64_t>(log.tree_.size())).Bind(2, static_cast<std::int64_t>(page));
    rows = 0;
    for (;;) {
      TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) {
        break;
      }
      ++rows;
      Bytes hash = q.Blob(1);
      if (static_cast<std::uint64_t>(q.Int(0)) != log.tree_.size() || hash.size() != 32) {
        return MakeError(ErrorCode::kInternal,
                         "audit log row " + std::to_string(q.Int(0)) + " is out of sequence");
      }
      crypto::Hash leaf{};
      std::copy(hash.begin(), hash.end(), leaf.begin());
      log.tree_.Append(leaf);
      log.last_time_ = q.Int(2);
    }
  }
  TOCSIN_ASSIGN_OR_RETURN(Statement latest,
                          db.Prepare("SELECT COALESCE(MAX(signed_at), 0) FROM audit_checkpoints"));
  TOCSIN_ASSIGN_OR_RETURN(bool row, latest.Step());
  if (row) {
    log.NoteCheckpoint(latest.Int(0));
  }
  return log;
}

void AuditLog::Stage(ByteView entry, UnixMillis at) {
  staged_.push_back({crypto::MerkleLeafHash(entry), at, Bytes(entry.begin(), entry.end())});
}

Status AuditLog::WriteStaged(Connection& db) {
  while (written_ < staged_.size()) {
    std::size_t rows = RowsPerStatement(staged_.size() - written_, kRowsPerInsert);
    std::string sql = "INSERT INTO audit_entries (idx, at, leaf_hash, entry) VALUES ";
    for (std::size_t i = 0; i < rows; ++i) {
      sql += i == 0 ? "(?, ?, ?, ?)" : ", (?, ?, ?, ?)";
    }
    TOCSIN_ASSIGN_OR_RETURN(Statement insert, db.Prepare(sql));
    for (std::size_t i = 0; i < rows; ++i) {
      const StagedEntry& e = staged_[written_ + i];
      auto column = static_cast<int>(4 * i);
      insert.Bind(column + 1, static_cast<std::int64_t>(tree_.size() + written_ + i))
          .Bind(column + 2, e.at)
          .Bind(column + 3, ByteView(e.leaf))
          .Bind(column + 4, e.entry);
    }
    TOCSIN_RETURN_IF_ERROR(insert.Run());
    written_ += rows;
  }
  return {};
}

void AuditLog::Publish() {
  for (const StagedEntry& e : staged_) {
    tree_.Append(e.leaf);
    last_time_ = std::max(last_time_, e.at);
  }
  staged_.clear();
  written_ = 0;
}

void AuditLog::Discard() {
  staged_.clear();
  written_ = 0;
}

}  // namespace tocsin::store
