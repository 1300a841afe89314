// tests/store/test_ledger.h -- the ledger the unit tests run against: the
// embedded SQLite file in the test's folder, or, when the environment names
// a PostgreSQL server (TOCSIN_TEST_POSTGRESQL, a libpq connection string:
// tests/integration/postgresql.py sets it), that server's database. The same
// tests thereby check both backends.
#pragma once

#include <memory>

#include "store/ledger.h"
#include "tests/testing/temp_dir.h"

namespace tocsin::store {

// True when the tests run against PostgreSQL.
bool TestingPostgresql();

// The server's connection string (TOCSIN_TEST_POSTGRESQL); the calling test
// fails if there is none.
std::string TestPostgresqlConninfo();

// An empty ledger (on PostgreSQL: every table of the database dropped first).
Ledger FreshLedger(const testing::TempDir& dir);

// The same ledger opened again, as a restarted gateway would.
Ledger ReopenLedger(const testing::TempDir& dir);

// Another connection to the test ledger's database, beside the ledger's.
std::unique_ptr<Connection> TestConnection(const testing::TempDir& dir);

}  // namespace tocsin::store
