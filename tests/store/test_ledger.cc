#include "tests/store/test_ledger.h"

#include <cstdlib>
#include <stdexcept>

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

}  // namespace tocsin::store
