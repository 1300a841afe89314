#include "tests/store/test_ledger.h"

#include <cstdlib>
#include <stdexcept>

#include "store/ledger_schema.h"
#include "store/postgresql.h"

namespace tocsin::store {
namespace {

const char* Conninfo() { return std::getenv("TOCSIN_TEST_POSTGRESQL"); }

Ledger Opened(Result<Ledger> ledger) {
  if (!ledger) {
    throw std::runtime_error("open the test ledger: " + ledger.error().ToString());
  }
  return std::move(*ledger);
}

}  // namespace

bool TestingPostgresql() { return Conninfo() != nullptr && *Conninfo() != '\0'; }

std::string TestPostgresqlConninfo() {
  if (!TestingPostgresql()) {
    throw std::runtime_error("TOCSIN_TEST_POSTGRESQL names no PostgreSQL server");
  }
  return Conninfo();
}

Ledger FreshLedger(const testing::TempDir& dir) {
  if (!TestingPostgresql()) {
    return Opened(Ledger::Open(dir / "gw.db"));
  }
  Result<PostgresqlConnection> admin = PostgresqlConnection::Connect(Conninfo());
  Status emptied = admin ? admin->Execute("BEGIN READ WRITE; DROP SCHEMA public CASCADE; CREATE SCHEMA public; COMMIT")
                         : Status(tl::unexpected(admin.error()));
  if (!emptied) {
    throw std::runtime_error("empty the test database: " + emptied.error().ToString());
  }
  return ReopenLedger(dir);
}

Ledger ReopenLedger(const testing::TempDir& dir) {
  return Opened(TestingPostgresql() ? Ledger::OpenPostgresql(Conninfo(), Ledger::SchemaChange::kMigrate)
                                    : Ledger::Open(dir / "gw.db"));
}

std::unique_ptr<Connection> TestConnection(const testing::TempDir& dir) {
  if (TestingPostgresql()) {
    Result<PostgresqlConnection> db = PostgresqlConnection::Connect(Conninfo());
    if (!db) {
      throw std::runtime_error("connect to the test database: " + db.error().ToString());
    }
    return std::make_unique<PostgresqlConnection>(std::move(*db));
  }
  Result<Database> db = Database::Open(dir / "gw.db", SqliteLedgerMigrations());
  if (!db) {
    throw std::runtime_error("open the test ledger's file: " + db.error().ToString());
  }
  return std::make_unique<Database>(std::move(*db));
}

}  // namespace tocsin::store
