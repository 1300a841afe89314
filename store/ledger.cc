#include "store/ledger.h"

#include <chrono>
#include <thread>

#include "store/ledger_schema.h"

namespace tocsin::store {
namespace {

std::size_t PostgresqlSchemaVersion() { return PostgresqlLedgerMigrations().size(); }

}  // namespace

Result<Ledger> Ledger::Open(const std::string& path, Integrity integrity) {
  TOCSIN_ASSIGN_OR_RETURN(Database db, Database::Open(path, SqliteLedgerMigrations(),
                                                      integrity));
  return Over(std::make_unique<Database>(std::move(db)));
}

Result<Ledger> Ledger::OpenPostgresql(const std::string& conninfo, SchemaChange change) {
  if (change == SchemaChange::kMigrate) {
    TOCSIN_ASSIGN_OR_RETURN(PostgresqlConnection db,
                            PostgresqlConnection::Open(conninfo, PostgresqlLedgerMigrations()));
    return Over(std::make_unique<PostgresqlConnection>(std::move(db)));
  }
  TOCSIN_ASSIGN_OR_RETURN(PostgresqlConnection db, PostgresqlConnection::Connect(conninfo));
  TOCSIN_ASSIGN_OR_RETURN(bool made, db.SchemaMade());
  std::size_t version = 0;
  if (made) {
    TOCSIN_ASSIGN_OR_RETURN(version, db.SchemaVersion());
  }
  if (version != PostgresqlSchemaVersion()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     db.description() + " holds no Tocsin ledger of schema version " +
                         std::to_string(PostgresqlSchemaVersion()) + " (found " +
                         (made ? "version " + std::to_string(version) : "none") +
                         "): read it with the build its gateways run");
  }
  return Over(std::make_unique<PostgresqlConnection>(std::move(db)));
}

Result<Ledger> Ledger::OpenPostgresqlWriter(
    const std::string& conninfo, const WriterClaim& claim, std::int64_t retry_ms,
    const std::function<bool(const WriterLease&)>& standing_by) {
  TOCSIN_ASSIGN_OR_RETURN(PostgresqlConnection db,
                          PostgresqlConnection::Open(conninfo, PostgresqlLedgerMigrations()));
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool writer, db.TryBecomeWriter(claim));
    if (writer) {
      break;
    }
    TOCSIN_ASSIGN_OR_RETURN(WriterLease lease, db.Lease());
    if (!standing_by(lease)) {
      return MakeError(ErrorCode::kUnavailable, "stopped while standing by");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(retry_ms));
  }
  // The lease is renewed between the pages of the audit log's load: a
  // log longer than one lease's worth of reading stays this writer's.
  auto writer = std::make_unique<PostgresqlConnection>(std::move(db));
  PostgresqlConnection* renewing = writer.get();
  return Over(std::move(writer), [renewing] { return renewing->RenewLease(); });
}

Result<std::string> Ledger::CheckPostgresql(const std::string& conninfo) {
  const std::size_t known = PostgresqlSchemaVersion();
  TOCSIN_ASSIGN_OR_RETURN(PostgresqlConnection db, PostgresqlConnection::Connect(conninfo));
  TOCSIN_ASSIGN_OR_RETURN(bool made, db.SchemaMade());
  if (!made) {
    return db.description() + ": reachable; no Tocsin schema yet (the first gateway to start "
                              "creates it)";
  }
  TOCSIN_ASSIGN_OR_RETURN(std::size_t version, db.SchemaVersion());
  if (version > known) {
    return MakeError(ErrorCode::kInvalidArgument,
                     db.description() + " has schema version " + std::to_string(version) +
                         ", newer than this build knows (" + std::to_string(known) + ")");
  }
  if (version < known) {  // the lease's columns may predate this build
    return db.description() + ": schema version " + std::to_string(version) + " of " +
           std::to_string(known) + " (migrated at start); the writer's lease is read after";
  }
  TOCSIN_ASSIGN_OR_RETURN(WriterLease lease, db.Lease());
  std::string writer = lease.epoch == 0
                           ? "no writer yet"
                           : "writer " + lease.holder + " (epoch " + std::to_string(lease.epoch) +
                                 ", lease renewed " + std::to_string(lease.silent_ms) +
                                 " ms ago, lease " + std::to_string(lease.lease_ms) + " ms)";
  return db.description() + ": schema version " + std::to_string(version) + " of " +
         std::to_string(known) + "; " + writer;
}

std::int64_t Ledger::epoch() const {
  const auto* postgresql = dynamic_cast<const PostgresqlConnection*>(&store_->connection());
  return postgresql != nullptr ? postgresql->epoch() : 0;
}

Status Ledger::RenewLease() {
  auto* postgresql = dynamic_cast<PostgresqlConnection*>(&store_->connection());
  return postgresql != nullptr ? postgresql->RenewLease() : Status();
}

Status Ledger::ReleaseLease() {
  auto* postgresql = dynamic_cast<PostgresqlConnection*>(&store_->connection());
  return postgresql != nullptr ? postgresql->ReleaseLease() : Status();
}

Ledger::Ledger(std::unique_ptr<LedgerStore> store)
    : store_(std::move(store)),
      directives_(store_.get()),
      receipts_(store_.get()),
      escalations_(store_.get()),
      proposals_(store_.get()),
      audit_(store_.get()),
      registry_(store_.get()) {}

Result<Ledger> Ledger::Over(std::unique_ptr<Connection> db,
                            const std::function<Status()>& between_pages) {
  TOCSIN_ASSIGN_OR_RETURN(std::unique_ptr<LedgerStore> store,
                          LedgerStore::Over(std::move(db), between_pages));
  return Ledger(std::move(store));
}

}  // namespace tocsin::store
