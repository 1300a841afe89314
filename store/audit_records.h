// store/audit_records.h -- the audit log as the ledger keeps it: entries
// appended on their own, the signed checkpoints, the entries' positions for
// the rows they record, and the in-memory tree (store/audit_log.h). Every
// other part appends its entries through LedgerTransaction::Log, in the
// transaction of the change. Part of the ledger (store/ledger.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "crypto/merkle.h"
#include "store/audit_log.h"
#include "store/ledger_store.h"

namespace tocsin::store {

// The audit entry that records a confirmation, for rows stored before
// entries were indexed (AuditRecords::IndexConfirmations).
struct IndexedConfirmation {
  enum class What { kDirective, kReceipt, kAcknowledgement } what = What::kDirective;
  Bytes directive_id;
  std::string agency;  // receipts and acknowledgements
  std::uint64_t index = 0;
};

class AuditRecords {
 public:
  explicit AuditRecords(LedgerStore* store) : store_(store) {}

  // The log as committed.
  std::uint64_t size() const { return store_->audit_log().size(); }
  const crypto::MerkleTree& tree() const { return store_->audit_log().tree(); }
  UnixMillis last_time() const { return store_->audit_log().last_time(); }

  // Appends one entry on its own (an event with no other state change).
  Status Append(const Bytes& entry, UnixMillis at);
  // Entries [from, to) in log order.
  Result<std::vector<Bytes>> Entries(std::uint64_t from, std::uint64_t to);

  // Stores `checkpoint` by compare-and-swap: only if the latest stored
  // checkpoint is still of size `expected` (0: none yet) and `checkpoint`
  // is larger. False, storing nothing, otherwise: another checkpoint was
  // stored meanwhile, and the caller must not publish its own. Whoever
  // writes, the deployment's checkpoints thereby only grow, one per size.
  Result<bool> AdvanceCheckpoint(const StoredCheckpoint& checkpoint, std::uint64_t expected);
  Result<std::optional<StoredCheckpoint>> LatestCheckpoint();
  Result<std::vector<StoredCheckpoint>> Checkpoints();

  // True while some directive or receipt has no audit index (stored by an
  // earlier version); IndexConfirmations fills them in, in one transaction,
  // leaving rows that already have one untouched, and marks those the log
  // holds no entry for (-1: confirmed without a promise).
  Result<bool> HasUnindexedConfirmations();
  Status IndexConfirmations(const std::vector<IndexedConfirmation>& found);

 private:
  LedgerStore* store_;  // not owned; outlives this
};

}  // namespace tocsin::store
