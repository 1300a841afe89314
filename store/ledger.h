// store/ledger.h -- the gateway's durable state, in parts by concern over
// one connection and one transaction type (store/ledger_store.h):
//
//   directives()   accepted directives and their deliveries (store/directives.h)
//   receipts()     signed receipts, acknowledgements, refusals (store/receipts.h)
//   escalations()  ladder steps, bridge tasks, codes (store/escalations.h)
//   proposals()    directives held until co-signed (store/proposals.h)
//   audit()        the audit log and its checkpoints (store/audit_records.h)
//   registry()     principals as the log recorded them (store/registry_records.h)
//
// A delivery's state moves only as common/delivery_state.h defines, and only
// through store/delivery_moves.h. Every method that returns OK has
// committed durably (SQLite: synchronous=FULL; PostgreSQL: the synchronous
// standby's flush): callers may answer peers after it. Each state change
// carries the audit-log entry that records it (encoded by the caller,
// protocol/audit.h); the entry is appended in the same transaction as the
// change, and only if the change took effect. Both backends run every rule
// and the same unit tests (tests/store/test_ledger.h).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "common/clock.h"
#include "common/delivery_state.h"
#include "common/result.h"
#include "store/audit_records.h"
#include "store/directives.h"
#include "store/escalations.h"
#include "store/ledger_store.h"
#include "store/postgresql.h"
#include "store/proposals.h"
#include "store/receipts.h"
#include "store/registry_records.h"
#include "store/sqlite.h"

namespace tocsin::store {

// What the metrics endpoint shows of the ledger: the directives not expired
// at the time asked for, their deliveries, and every escalation step and
// bridge task ever recorded.
struct LedgerTallies {
  // Deliveries by state: 0 pending, 1 sent, 2 delivered, 3 acknowledged,
  // 4 refused (a signed refusal, not delivered since).
  std::array<std::uint64_t, std::size(kDeliveryStates)> deliveries{};
  // Directives by their least advanced delivery (0 to 3, as above).
  std::array<std::uint64_t, 4> directives{};
  std::uint64_t expired_directives = 0;
  std::map<std::string, std::uint64_t> escalations;  // steps fired, by action
  // Bridge tasks by (channel, outcome): a TaskOutcome, or kTaskWaiting (for a
  // bridge) or kTaskHanded (to one, not answered yet).
  static constexpr int kTaskWaiting = -1;
  static constexpr int kTaskHanded = -2;
  std::map<std::pair<std::string, int>, std::uint64_t> bridge_tasks;
};

class Ledger {
 public:
  // Opens (creating or migrating) the embedded ledger and checks it
  // (Database::Open): a damaged file is refused (kIoError) with what the
  // check found.
  static Result<Ledger> Open(const std::string& path, Integrity integrity = Integrity::kQuick);
  // Connects to the shared ledger on PostgreSQL without claiming the
  // writer's lease: an auditor's read (kRead: the schema must be this
  // build's, and nothing is changed), or a test's (kMigrate: created or
  // migrated first).
  enum class SchemaChange { kRead, kMigrate };
  static Result<Ledger> OpenPostgresql(const std::string& conninfo,
                                       SchemaChange change = SchemaChange::kRead);
  // The same as the deployment's writer: waits until `claim` takes the lease,
  // calling `standing_by` with the lease another holds after each attempt
  // (about every `retry_ms`; false gives up, kUnavailable), then reads the
  // audit log as the previous writer left it. Every write is fenced by the
  // epoch taken (WriterClaim).
  static Result<Ledger> OpenPostgresqlWriter(
      const std::string& conninfo, const WriterClaim& claim, std::int64_t retry_ms,
      const std::function<bool(const WriterLease&)>& standing_by);

  // `tocsin-gateway --check-config` on PostgreSQL: connects, changes
  // nothing, and says what it found (schema version, the writer's lease);
  // an error if the database cannot be reached or its schema is newer than
  // this build's.
  static Result<std::string> CheckPostgresql(const std::string& conninfo);

  Ledger(Ledger&&) noexcept = default;
  Ledger& operator=(Ledger&&) noexcept = default;

  Dialect dialect() const { return store_->connection().dialect(); }
  // The writer's epoch on PostgreSQL (0 if not the writer); 0 on SQLite,
  // where the one gateway holds the file.
  std::int64_t epoch() const;
  // Renews the writer's lease (nothing on SQLite): kIoError once another
  // gateway has taken over, and the caller must step down.
  Status RenewLease();
  // At a clean stop: hands the writer's lease back (nothing on SQLite); no
  // write succeeds afterwards.
  Status ReleaseLease();

  Directives& directives() { return directives_; }
  Receipts& receipts() { return receipts_; }
  Escalations& escalations() { return escalations_; }
  Proposals& proposals() { return proposals_; }
  AuditRecords& audit() { return audit_; }
  const AuditRecords& audit() const { return audit_; }
  RegistryRecords& registry() { return registry_; }

  // Counts for the metrics endpoint, across the parts (several read
  // queries, no lock held between them: each count is exact, together they
  // may straddle a write).
  Result<LedgerTallies> Tallies(UnixMillis now);

 private:
  explicit Ledger(std::unique_ptr<LedgerStore> store);
  static Result<Ledger> Over(std::unique_ptr<Connection> db,
                             const std::function<Status()>& between_pages = {});

  std::unique_ptr<LedgerStore> store_;  // never null; the parts point into it
  Directives directives_;
  Receipts receipts_;
  Escalations escalations_;
  Proposals proposals_;
  AuditRecords audit_;
  RegistryRecords registry_;
};

}  // namespace tocsin::store
