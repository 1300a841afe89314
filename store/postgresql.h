// store/postgresql.h -- the ledger's connection to PostgreSQL (libpq), for
// several gateways on one replicated cluster (docs/ha.md).
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

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/c_free.h"
#include "common/result.h"
#include "store/sql.h"

namespace tocsin::store {

using PgConnPtr = std::unique_ptr<PGconn, CFree<&PQfinish>>;

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

  // The schema version recorded (0 before the first migration).
  Result<std::size_t> SchemaVersion();

 private:
  PostgresqlConnection(PgConnPtr conn, std::string description)
      : conn_(std::move(conn)), description_(std::move(description)) {}
  Status Migrate(const std::vector<std::string_view>& migrations);
  Status RequireDurableCommits();

  PgConnPtr conn_;
  std::string description_;  // host:port/database, no secret
};

// `sql` with each `?` placeholder numbered as PostgreSQL writes them ($1,
// $2, ...) and each `?N` as $N, outside quoted strings and identifiers;
// `*count` is the highest number used. Exposed for its test.
std::string NumberPlaceholders(std::string_view sql, int* count);

}  // namespace tocsin::store
