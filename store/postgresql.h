// store/postgresql.h -- the ledger's connection to PostgreSQL (libpq), for
// several gateways on one replicated cluster (docs/ha.md).
//
// Every write goes through Begin() (BEGIN READ WRITE, fenced once this is
// the writer); the session's default is read-only, so that a write outside
// one fails loudly instead of escaping the fence.
//
// A commit returns OK once PostgreSQL has made it durable as the cluster is
// configured: this connection never runs with synchronous_commit weaker than
// `on`, so that with synchronous_standby_names set a commit is on the
// standby's disk too before any peer is answered. The connection is opened
// with bounded waits (connect, TCP keepalives, a TCP user timeout): a
// database that stops answering fails the statement (kIoError) instead of
// freezing the gateway's loop.
#pragma once

#include <libpq-fe.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/c_free.h"
#include "common/result.h"
#include "store/sql.h"

namespace tocsin::store {

using PgConnPtr = std::unique_ptr<PGconn, CFree<&PQfinish>>;

// Several gateways share one database; exactly one writes. The writer holds
// a lease, the one row of table tocsin_writer: an epoch, its holder, and
// when the lease was last renewed by the database's clock. A claimant takes
// the lease only once it has gone the holder's `lease_ms` (kept in the row,
// so that gateways configured apart cannot take it early) without renewal,
// and raises the epoch when it does; a holder's own restart waits the same, since nothing
// tells a restart from a second process that names the same holder. Every write transaction of the writer then begins by
// renewing the lease under its own epoch, which locks the row until the
// transaction ends: a paused writer that wakes up after another took over
// finds its epoch gone and cannot commit (a fencing token checked inside the
// very transaction it guards, not a lock held beside it).
struct WriterClaim {
  std::string holder;  // who, for people: "gw.a on host-a (pid 412)"
  std::int64_t lease_ms = 5000;
};

// The lease as the database holds it.
struct WriterLease {
  std::int64_t epoch = 0;  // 0: no writer ever
  std::string holder;
  std::int64_t silent_ms = 0;  // since its last renewal, by the database's clock
  std::int64_t lease_ms = 0;   // the holder's lease length, which claimants wait out
};

// The server-side prepared statements of one connection: each statement
// text, with the parameter types of its first execution, is parsed and
// planned once per session (PQprepare) and then only executed
// (PQexecPrepared), instead of parsed at every execution. Named statements
// outlive a transaction that rolls back (they belong to the session). At
// most kMaxStatements; a statement beyond them runs unnamed, as before.
class PreparedStatements {
 public:
  static constexpr std::size_t kMaxStatements = 256;

  // The name `sql` with `types` is prepared under, preparing it first if it
  // is new; nullptr when the cache is full.
  Result<const std::string*> NameFor(PGconn* conn, const std::string& sql,
                                     const std::vector<Oid>& types);
  std::size_t size() const { return names_.size(); }

 private:
  std::map<std::string, std::string> names_;  // sql and types -> statement name
};

class PostgresqlConnection final : public Connection {
 public:
  // Connects with a libpq connection string (keywords or a postgresql://
  // URI; TLS as its sslmode, sslrootcert, sslcert and sslkey say), then
  // applies `migrations` in order, as Database::Open does: migrations[i]
  // moves the schema from version i to i + 1, recorded in the table
  // tocsin_schema, under a transaction-level advisory lock so that two
  // gateways starting at once do not both apply a step.
  static Result<PostgresqlConnection> Open(const std::string& conninfo,
                                           const std::vector<std::string_view>& migrations);
  // Connects only: no schema is read or changed (a check, an administrator).
  static Result<PostgresqlConnection> Connect(const std::string& conninfo);

  PostgresqlConnection(PostgresqlConnection&&) noexcept = default;
  PostgresqlConnection& operator=(PostgresqlConnection&&) noexcept = default;

  Dialect dialect() const override { return Dialect::kPostgresql; }
  const std::string& description() const override { return description_; }
  Status Execute(std::string_view sql) override;
  Result<Statement> Prepare(std::string_view sql) override;
  Status Begin() override;
  Status Commit() override;
  void Rollback() override;

  // Whether Tocsin's own tables (tocsin_schema, tocsin_writer) exist.
  Result<bool> SchemaMade();
  // The schema version recorded (0 before the first migration).
  Result<std::size_t> SchemaVersion();

  // Takes the lease if it has lapsed and
  // from then on fences every transaction with the new epoch: true if this
  // connection is now the writer. Waits for at most about a second on a
  // writer's open transaction.
  Result<bool> TryBecomeWriter(const WriterClaim& claim);
  // The lease now (for a standby's progress and the operator's status).
  Result<WriterLease> Lease();
  // Renews the lease in a transaction of its own: an error (kIoError) once
  // another gateway has taken over, which the writer must obey by stepping
  // down.
  Status RenewLease();
  // A writer that stops cleanly hands the lease back (marks it lapsed under
  // its own epoch), so that a standby, or this gateway restarted, takes over
  // at once; the connection writes nothing afterwards.
  Status ReleaseLease();
  // The epoch this connection writes under, or 0 if it is not the writer
  // (never was, or was fenced: then none of its transactions can begin).
  std::int64_t epoch() const { return fenced_ ? 0 : epoch_; }
  // How many statements this session has prepared on the server.
  std::size_t prepared_statements() const { return prepared_->size(); }

 private:
  PostgresqlConnection(PgConnPtr conn, std::string description)
      : conn_(std::move(conn)), description_(std::move(description)) {}
  Status Migrate(const std::vector<std::string_view>& migrations);
  Status RequireSessionSettings();
  Status RequireDurableCommits();
  Status Fence();  // inside a transaction: renews the lease under epoch_, or fails
  tl::unexpected<Error> FencedError() const;

  PgConnPtr conn_;
  // Shared with the statements (never null; its address survives a move).
  std::unique_ptr<PreparedStatements> prepared_ = std::make_unique<PreparedStatements>();
  std::string description_;  // host:port/database, no secret
  std::int64_t epoch_ = 0;
  std::string holder_;
  bool fenced_ = false;
};

// `sql` with each `?` placeholder numbered as PostgreSQL writes them ($1,
// $2, ...) and each `?N` as $N, outside quoted strings and identifiers;
// `*count` is the highest number used. Exposed for its test.
std::string NumberPlaceholders(std::string_view sql, int* count);

}  // namespace tocsin::store
